import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { build, frontCode } from '../../bench/build-names-data';
import { decodeWords, WORD, wordClass } from '../../lambda/core/redaction/lexicon';

describe('compact name lexicon', () => {
  it('decodes exactly the words and flags it was front-coded from', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-zé'-]{1,12}$/), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), (words, picks) => {
        // Prepare
        const flagged = new Set(picks.filter((k) => k < words.length).map((k) => words[k]));
        const seen = new Map<string, boolean>();
        // Act
        decodeWords(frontCode(words, flagged), (w, flag) => seen.set(w, flag));
        // Assess
        expect([...seen.keys()].sort()).toEqual([...words].sort());
        for (const w of words) expect(seen.get(w)).toBe(flagged.has(w));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('refuses words that would collide with the prefix codes', () => {
    // Act / Assess
    expect(() => frontCode(['abc', 'a1'])).toThrow(/prefix|codes/);
  });

  it('is current: names-data.ts is what the generator writes from the installed packages', () => {
    // Prepare
    const committed = readFileSync(join(__dirname, '..', '..', 'lambda', 'core', 'redaction', 'names-data.ts'), 'utf8');
    // Act
    const { source } = build();
    // Assess
    expect(source).toBe(committed);
    expect(Buffer.byteLength(source)).toBeLessThanOrEqual(250 * 1024);
  });

  it('classifies names, common words, name-like words and places, with marks stripped for names', () => {
    // Act / Assess
    expect(wordClass('jennifer') & WORD.NAME).toBeTruthy();
    expect(wordClass('josé') & WORD.NAME).toBeTruthy();
    expect(wordClass('because') & WORD.COMMON).toBeTruthy();
    expect(wordClass('because') & WORD.NAME).toBeFalsy();
    expect(wordClass('rose') & WORD.NAME_LIKE).toBeTruthy();
    expect(wordClass('berlin') & WORD.NON_PERSON).toBeTruthy();
    expect(wordClass('qzxv')).toBe(0);
  });

  it('reads the most frequent first names as names even where the larger word lists hold them, but not everyday words', () => {
    // Act / Assess: size-35 words among the top census first names are names; size-10/20 ones stay common words
    for (const name of ['maria', 'peter', 'heather']) expect([name, wordClass(name) & (WORD.NAME | WORD.COMMON)]).toEqual([name, WORD.NAME]);
    for (const word of ['rose', 'mark', 'grace']) expect([word, wordClass(word) & (WORD.NAME | WORD.COMMON)]).toEqual([word, WORD.COMMON]);
  });
});
