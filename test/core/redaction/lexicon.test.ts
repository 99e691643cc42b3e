import fc from 'fast-check';
import { decodeWords, mayBeName, smallClassAt, WORD, wordClass, wordClassAt } from '../../../lambda/core/redaction/lexicon';
import { COMMON_WORDS, NAMES } from '../../../lambda/core/redaction/names-data';

const SMALL = WORD.HONORIFIC | WORD.PARTICLE | WORD.SUFFIX | WORD.CUE_END;
const decoded = (packed: string): string[] => {
  const out: string[] = [];
  decodeWords(packed, (w) => out.push(w));
  return out;
};

describe('name lexicon lookups', () => {
  it('never rules out a name: the name filter holds every name, in any ASCII casing', () => {
    // Prepare
    const names = decoded(NAMES).filter((w) => /^[\x20-\x7e]+$/.test(w));
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
});
