/**
 * Word lists behind PERSON detection, decoded once per process from names-data.ts (generated
 * by bench/build-names-data.ts: census-ranked first names and surnames plus short names from
 * `humannames`, minus common English words and the gazetteer; the common English words) into
 * one map from word to class bits, so classifying a token is one lookup.
 */
import { NOT_NAMES, stripMarks } from './gazetteer';
import { COMMON_WORDS, NAMES } from './names-data';

/** Word classes as bits. */
export const WORD = { NAME: 1, COMMON: 2, NAME_LIKE: 4, NON_PERSON: 8 } as const;

/**
 * Inverse of the generator's front coding: a prefix-length char (0-9, A-Z), then the rest of
 * the word, then '+' when the word is flagged.
 */
export function decodeWords(packed: string, visit: (word: string, flagged: boolean) => void): void {
  let prev = '';
  let k = 0;
  while (k < packed.length) {
    const code = packed.charCodeAt(k);
    const shared = code <= 57 ? code - 48 : code - 55;
    let e = k + 1;
    while (e < packed.length && !isCode(packed.charCodeAt(e))) e++;
    const flagged = packed.charCodeAt(e - 1) === 43; // '+'
    prev = prev.slice(0, shared) + packed.slice(k + 1, flagged ? e - 1 : e);
    visit(prev, flagged);
    k = e;
  }
}
const isCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

const CLASSES = new Map<string, number>();
const mark = (word: string, bits: number) => CLASSES.set(word, (CLASSES.get(word) ?? 0) | bits);
decodeWords(NAMES, (w) => mark(w, WORD.NAME));
// A common word that is also a name ("Maria", "Rose") is NAME_LIKE: it may stay inside a name
// chain; only the ~4k most frequent words ("The", "Will") are always taken as words.
decodeWords(COMMON_WORDS, (w, nameLike) => mark(w, nameLike ? WORD.COMMON | WORD.NAME_LIKE : WORD.COMMON));
for (const w of NOT_NAMES) mark(w, WORD.NON_PERSON);

const isAscii = (s: string): boolean => {
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) > 126) return false;
  return true;
};

/**
 * The class bits of a lower-cased word. Names and the gazetteer are stored mark-stripped
 * ("józsef" is found as "jozsef"); common words are matched as written.
 */
export function wordClass(lower: string): number {
  const bits = CLASSES.get(lower) ?? 0;
  if (isAscii(lower)) return bits;
  return bits | ((CLASSES.get(stripMarks(lower)) ?? 0) & (WORD.NAME | WORD.NON_PERSON));
}

export const isCommonWord = (lower: string): boolean => ((CLASSES.get(lower) ?? 0) & WORD.COMMON) !== 0;
