import fc from 'fast-check';
import { build } from '../../../bench/build-names-data';
import { decodeWords, foldedHash, mayBeName, smallClassAt, smallTokenClass, tokenClass, tokenMayBeName, unpackWords, WORD, wordClass, wordClassAt, wordKey } from '../../../lambda/core/redaction/lexicon';
import { scan } from '../../../lambda/core/redaction/scan';
import { NOT_NAMES } from '../../../lambda/core/redaction/gazetteer';
import { PACKED_WORDS } from '../../../lambda/core/redaction/names-data';

const { names: NAMES, common: COMMON_WORDS } = unpackWords(PACKED_WORDS);

const SMALL = WORD.HONORIFIC | WORD.PARTICLE | WORD.SUFFIX | WORD.CUE_END;
const decoded = (packed: string): string[] => {
  const out: string[] = [];
  decodeWords(packed, (w) => out.push(w));
  return out;
};
/** The names as the lexicon reads them: the flagged ones are places and months that are also first names. */
const namesFlagged = (flagged: boolean): string[] => {
  const out: string[] = [];
  decodeWords(NAMES, (w, flag) => flag === flagged && out.push(w));
  return out;
};

describe('name lexicon lookups', () => {
  it('unpacks exactly the front-coded lists the generator built', () => {
    // Act
    const built = build();
    // Assess: the packed form loses nothing, so the lexicon holds the words it held unpacked.
    expect(NAMES).toBe(built.names);
    expect(COMMON_WORDS).toBe(built.common);
    expect(decoded(NAMES)).toHaveLength(built.counts.names);
    expect(decoded(COMMON_WORDS)).toHaveLength(built.counts.common);
  });

  it('gives no two words of the shipped lists the same table key, so no word takes another word\'s class', () => {
    // Prepare
    const words = new Set([...decoded(NAMES), ...decoded(COMMON_WORDS), ...NOT_NAMES]);

    // Act
    const byKey = new Map<string, string>();
    const clashes = [...words].filter((w) => {
      const key = wordKey(w);
      const other = byKey.get(key);
      byKey.set(key, w);
      return other !== undefined && other !== w;
    });

    // Assess
    expect(words.size).toBeGreaterThan(50_000);
    expect(clashes).toEqual([]);
  });

  it('classifies every shipped word by its list', () => {
    // Prepare / Act
    const unnamed = namesFlagged(false).filter((w) => (wordClass(w) & WORD.NAME) === 0);
    const uncommon = decoded(COMMON_WORDS).filter((w) => (wordClass(w) & WORD.COMMON) === 0);
    const placesNotAlsoNames = namesFlagged(true).filter((w) => (wordClass(w) & (WORD.NAME | WORD.NAME_LIKE | WORD.NON_PERSON)) !== (WORD.NAME_LIKE | WORD.NON_PERSON));

    // Assess
    expect(unnamed).toEqual([]);
    expect(uncommon).toEqual([]);
    expect(placesNotAlsoNames).toEqual([]);
    expect(namesFlagged(true)).toEqual(expect.arrayContaining(['jan', 'jordan', 'june', 'sydney']));
  });

  it('never rules out a name: the name filter holds every name, in any ASCII casing', () => {
    // Prepare
    const names = namesFlagged(false).filter((w) => /^[\x20-\x7e]+$/.test(w));
    // Act
    const missed = names.filter((w) => !mayBeName(w, 0, w.length) || !mayBeName(w.toUpperCase(), 0, w.length));
    // Assess
    expect(names.length).toBeGreaterThan(10_000);
    expect(missed).toEqual([]);
  });

  it('rules out most words that are no name', () => {
    // Prepare: common words the lexicon does not also hold as names.
    const others = decoded(COMMON_WORDS).filter((w) => (wordClass(w) & WORD.NAME) === 0);
    // Act
    const passed = others.filter((w) => mayBeName(w, 0, w.length)).length;
    // Assess: a filter that let everything through would skip nothing.
    expect(passed / others.length).toBeLessThan(0.05);
    expect(mayBeName('Qzxvwk', 0, 6)).toBe(false);
  });

  it('classifies a word the same inside a text, in any casing and however often it is asked', () => {
    const word = fc.constantFrom(...decoded(NAMES).slice(0, 200), ...decoded(COMMON_WORDS).slice(0, 200), 'mr', 'van', 'jr', 'dear', 'berlin', 'qzxv');
    fc.assert(
      fc.property(word, fc.constantFrom('', 'x ', '12 '), fc.boolean(), (w, pre, upper) => {
        // Prepare
        const cased = upper ? w.toUpperCase() : w;
        const text = `${pre}${cased} tail`;
        // Act
        const first = wordClassAt(text, pre.length, pre.length + w.length);
        const again = wordClassAt(text, pre.length, pre.length + w.length);
        // Assess
        expect(again).toBe(first);
        expect(first).toBe(wordClass(w));
      }),
      { numRuns: 500, seed: 31 },
    );
  });

  it('gives the small-list classes without the big table, as the full lookup has them', () => {
    const token = fc.oneof(
      fc.constantFrom('Mr', 'MRS', 'dr', 'van', 'De', 'jr', 'III', 'is', 'Was', 'named', "i'm", 'I’m', 'señor', 'SEÑOR', 'am', 'dear', 'the', 'x'),
      fc.stringMatching(/^[A-Za-z'’ñ]{1,9}$/),
    );
    fc.assert(
      fc.property(token, (t) => {
        // Act / Assess
        expect(smallClassAt(t, 0, t.length)).toBe(wordClassAt(t, 0, t.length) & SMALL);
      }),
      { numRuns: 500, seed: 37 },
    );
  });

  it("looks a scanned token up from the hash the scan read with its letters, as from the token's own characters", () => {
    const piece = fc.oneof(
      fc.constantFrom('Mr', 'van', 'José', 'I’m', "O'Brien", "Smith's", 'Smith’s', 'Dear’s', 'Zoë’s', 'ſtreet', 'Mary-Jane', 'señor', 'Jennifer', 'the', 'x', 'AKIA', '12', ' ', '. ', '-', "'", '’', '\n'),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        // Prepare
        const text = pieces.join('');
        // Act
        const s = scan(text);
        // Assess
        for (let i = 0; i < s.tokens; i++) {
          const [start, end] = [s.starts[i], s.ends[i]];
          const wide = [...text.slice(start, end)].some((ch) => ch.charCodeAt(0) > 126);
          expect(s.wide[i]).toBe(wide ? 1 : 0);
          expect(s.hashes[i]).toBe(wide ? 0 : foldedHash(text, start, end));
          expect(tokenClass(text, start, end, s.hashes[i], wide)).toBe(wordClassAt(text, start, end));
          expect(smallTokenClass(text, start, end, s.hashes[i], wide)).toBe(smallClassAt(text, start, end));
          expect(tokenMayBeName(s.hashes[i], wide)).toBe(mayBeName(text, start, end));
        }
      }),
      { numRuns: 1000, seed: 41 },
    );
  });
});
