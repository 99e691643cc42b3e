/**
 * Word lists behind PERSON detection, decoded once per process from names-data.ts (generated
 * by bench/build-names-data.ts: census-ranked first names and surnames plus short names from
 * `humannames`, minus common English words and the gazetteer; the common English words) and
 * the small lists below, into one open-addressing hash table of class bits. A token is
 * classified by hashing its characters in place (ASCII case folded on the fly): no slice,
 * no lower-casing, one table probe.
 */
import { NOT_NAMES, stripMarks } from './gazetteer';
import { COMMON_WORDS, NAMES } from './names-data';

/** Word classes as bits. */
export const WORD = {
  NAME: 1,
  COMMON: 2,
  /** A common word that is also a name ("Maria", "Rose"): it may stay inside a name chain. */
  NAME_LIKE: 4,
  NON_PERSON: 8,
  HONORIFIC: 16,
  PARTICLE: 32,
  SUFFIX: 64,
  /** The last word of a strong name cue ("my name is", "dear", "called"). */
  CUE_END: 128,
} as const;

const CUE_END_WORDS = "is was named called m i’m i'm am dear attn says said name".split(' ');
const SMALL_LISTS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [WORD.HONORIFIC, 'mr mrs ms miss mx dr prof professor sir dame madam madame lady lord rev mme mlle herr frau sr sra srta señor señora dott ing'.split(' ')],
  [WORD.PARTICLE, 'van von de der den da di del della du la le bin ibn al dos das ter ten'.split(' ')],
  [WORD.SUFFIX, 'jr sr ii iii iv md phd esq'.split(' ')],
  [WORD.CUE_END, CUE_END_WORDS],
];
/**
 * Class bits by first letter (ASCII, folded) and length of the small-list words: most tokens
 * fail this array lookup before any hash probe. No small-list word starts with a non-ASCII letter.
 */
const shapeKey = (first: number, len: number): number => ((first >= 65 && first <= 90 ? first + 32 : first) << 4) | Math.min(len, 15);
const SMALL_SHAPES = new Uint8Array(128 << 4);
for (const [bit, list] of SMALL_LISTS) for (const w of list) SMALL_SHAPES[shapeKey(w.charCodeAt(0), w.length)] |= bit;
/** False when s[start, end) is certainly in none of the small lists of `bits` (HONORIFIC, PARTICLE, SUFFIX, CUE_END). */
export function mayBeSmall(bits: number, s: string, start: number, end: number): boolean {
  const first = s.charCodeAt(start);
  return first < 128 && (SMALL_SHAPES[shapeKey(first, end - start)] & bits) !== 0;
}

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

/** FNV-1a over [start, end) of `s`, ASCII upper case folded to lower (a signed 32-bit value, as TABLE stores it). */
function hash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) {
    let c = s.charCodeAt(k);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h;
}

// Build: words are collected first, then laid out in one flat string indexed by offsets.
const words: string[] = [];
const wordBits: number[] = [];
const collect = (w: string, bits: number) => {
  words.push(w);
  wordBits.push(bits);
};
decodeWords(NAMES, (w) => collect(w, WORD.NAME));
decodeWords(COMMON_WORDS, (w, nameLike) => collect(w, nameLike ? WORD.COMMON | WORD.NAME_LIKE : WORD.COMMON));
for (const w of NOT_NAMES) collect(w, WORD.NON_PERSON);
for (const [bit, list] of SMALL_LISTS) for (const w of list) collect(w, bit);

const TEXT = words.join('');
/** Per word: offset into TEXT, then length << 8 | class bits. */
const META = new Int32Array(words.length * 2);
const MASK = (1 << Math.ceil(Math.log2(words.length * 2))) - 1;
/** Per slot: the word's full hash, then word index + 1 (0: empty). A probe reads one pair, and TEXT only on a hash match. */
const TABLE = new Int32Array((MASK + 1) * 2);

/** Index of the word equal to s[start, end) (ASCII case folded), or -1. */
function find(s: string, start: number, end: number, h: number): number {
  const len = end - start;
  for (let slot = h & MASK; ; slot = (slot + 1) & MASK) {
    const entry = TABLE[slot * 2 + 1];
    if (entry === 0) return -1;
    if (TABLE[slot * 2] !== h || META[(entry - 1) * 2 + 1] >>> 8 !== len) continue;
    const o = META[(entry - 1) * 2];
    let k = 0;
    while (k < len) {
      let c = s.charCodeAt(start + k);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== TEXT.charCodeAt(o + k)) break;
      k++;
    }
    if (k === len) return entry - 1;
  }
}

{
  let offset = 0;
  for (let k = 0; k < words.length; k++) {
    const len = words[k].length;
    const h = hash(TEXT, offset, offset + len);
    META[k * 2] = offset;
    META[k * 2 + 1] = len << 8;
    const existing = find(TEXT, offset, offset + len, h);
    if (existing !== -1) META[existing * 2 + 1] |= wordBits[k];
    else {
      META[k * 2 + 1] |= wordBits[k];
      let slot = h & MASK;
      while (TABLE[slot * 2 + 1] !== 0) slot = (slot + 1) & MASK;
      TABLE[slot * 2] = h;
      TABLE[slot * 2 + 1] = k + 1;
    }
    offset += len;
  }
  words.length = 0;
  wordBits.length = 0;
}

const bitsOf = (s: string, start: number, end: number): number => {
  const k = find(s, start, end, hash(s, start, end));
  return k === -1 ? 0 : META[k * 2 + 1] & 0xff;
};

/**
 * The class bits of the word s[start, end), case-insensitively. Names and the gazetteer are
 * also found mark-stripped ("José" as "jose"); the other lists match as written.
 */
export function wordClassAt(s: string, start: number, end: number): number {
  for (let k = start; k < end; k++) {
    if (s.charCodeAt(k) > 126) {
      const lower = s.slice(start, end).toLowerCase();
      const stripped = stripMarks(lower);
      return bitsOf(lower, 0, lower.length) | (bitsOf(stripped, 0, stripped.length) & (WORD.NAME | WORD.NON_PERSON));
    }
  }
  return bitsOf(s, start, end);
}

export const wordClass = (word: string): number => wordClassAt(word, 0, word.length);
export const isCommonWord = (word: string): boolean => (wordClass(word) & WORD.COMMON) !== 0;
