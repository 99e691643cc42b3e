import fc from 'fast-check';
import { BASE64_RUN, HEX_RUN } from '../../../lambda/core/untrusted/rules';
import { Sentences } from '../../../lambda/core/untrusted/words';

/** The word definition the hand-written scanner must reproduce. */
const WORD = /[\p{L}\p{N}_'’]+/gu;
const pieces = ['Ignore', 'İstanbul', 'don’t', "we'll", 'ÄRGER', 'straße', '𝐚𝐛', '😀', 'x_y', '42', ' ', '.', '!', '\n', ';', ',', '-', '+', '/', ':', 'QUFB', 'ab ', 'ff:'];

describe('Sentences (word scanner)', () => {
  it('finds the same words, lower-cased, with the same spans as the Unicode word regex', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((a) => a.join(''))), (text) => {
        // Prepare
        const expected = [...text.matchAll(WORD)].map((m) => ({
          word: m[0].toLowerCase().replace(/’/g, "'"),
          start: m.index,
          end: m.index + m[0].length,
        }));

        // Act
        const s = new Sentences(text);

        // Assess
        expect(s.words.map((w, i) => ({ word: w.word, start: s.starts[i], end: s.ends[i] }))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('puts words in one sentence until . ! ? ; or a newline comes between them', () => {
    // Act
    const s = new Sentences('Hello there. New one; and\nthird, still third');

    // Assess
    expect(s.sentence).toEqual([0, 0, 1, 1, 2, 3, 3, 3]);
  });

  it('notes a long base64 or hex run whenever the payload patterns could match', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces, 'QUFBQUFBQUFB', 'ab:cd:ef:01:23:45:67:89:'), { maxLength: 30 }).map((a) => a.join('')), (text) => {
        // Act
        const s = new Sentences(text);

        // Assess: the scanner may say yes too often, never too rarely.
        const couldMatch = new RegExp(BASE64_RUN.source).test(text) || new RegExp(HEX_RUN.source).test(text);
        if (couldMatch) expect(s.longRun).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
