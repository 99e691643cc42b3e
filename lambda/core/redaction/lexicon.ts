/**
 * Word lists behind PERSON detection, decoded once per process from names-data.ts (generated
 * by bench/build-names-data.ts): census-ranked first names and surnames plus short names
 * from `humannames`, minus common English words and the gazetteer; the common English
 * words; and the common words that are also names.
 */
import { stripMarks } from './gazetteer';
import { COMMON_WORDS, NAMES } from './names-data';

/**
 * Inverse of the generator's front coding: a prefix-length char (0-9, A-Z), then the rest of
 * the word; a word ending in '+' also goes to `flagged`.
 */
export function decodeWords(packed: string, flagged?: Set<string>): Set<string> {
  const out = new Set<string>();
  let prev = '';
  let k = 0;
  while (k < packed.length) {
    const code = packed.charCodeAt(k);
    const shared = code <= 57 ? code - 48 : code - 55;
    let e = k + 1;
    while (e < packed.length && !isCode(packed.charCodeAt(e))) e++;
    const flag = packed.charCodeAt(e - 1) === 43; // '+'
    prev = prev.slice(0, shared) + packed.slice(k + 1, flag ? e - 1 : e);
    out.add(prev);
    if (flag) flagged?.add(prev);
    k = e;
  }
  return out;
}
const isCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

const NAME_SET = decodeWords(NAMES);
const NAME_LIKE = new Set<string>();
const COMMON = decodeWords(COMMON_WORDS, NAME_LIKE);
const NON_ASCII = /[^ -~]/;

export const isCommonWord = (lower: string): boolean => COMMON.has(lower);
/** Names are stored mark-stripped: "józsef" is found as "jozsef". */
export const isLexiconName = (lower: string): boolean => NAME_SET.has(lower) || (NON_ASCII.test(lower) && NAME_SET.has(stripMarks(lower)));
/**
 * A common word that is also a name ("Maria", "Rose") stays inside a name chain; only the
 * ~4k most frequent words ("The", "Will") are always taken as words.
 */
export const isNameLikeWord = (lower: string): boolean => NAME_LIKE.has(lower);
