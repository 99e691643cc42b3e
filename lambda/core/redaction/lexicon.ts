/**
 * Word lists behind PERSON detection, decoded once per process from names-data.ts (generated
 * by bench/build-names-data.ts: census-ranked first names and surnames plus short names from
 * `humannames`, minus common English words and the gazetteer; the common English words) and
 * the small lists below, into one open-addressing hash table of class bits keyed by two
 * hashes of the word. A token is classified by hashing its characters in place (ASCII case
 * folded on the fly): no slice, no lower-casing, one probe of 8 bytes. Asked most often, and
 * answered without that probe: the small lists (a few words compared), whether a word may
 * be a name at all (a Bloom filter), and the words found last (a small cache).
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

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const SECOND_SEED = 0x3c6ef372 | 0;
const SECOND_PRIME = 0x5bd1e995;
/** The second hash of the last `hash` call (no allocation for the pair). */
let second = 0;
/**
 * Two independent 32-bit hashes of [start, end) of `s`, ASCII upper case folded to lower:
 * FNV-1a (returned) and a multiplicative one (left in `second`). Together they identify a word.
 */
function hash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  let g = SECOND_SEED;
  for (let k = start; k < end; k++) {
    let c = s.charCodeAt(k);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, FNV_PRIME);
    g = Math.imul(g + c, SECOND_PRIME);
    g ^= g >>> 15;
  }
  second = g;
  return h;
}

// Build: words are collected first, then placed in the table.
const words: string[] = [];
const wordBits: number[] = [];
const collect = (w: string, bits: number) => {
  words.push(w);
  wordBits.push(bits);
};
/**
 * A Bloom filter of the names: "certainly not a name" without a probe of the big table, which
 * person.ts asks of capitalised words that only a name could make a person. Blocked: the four
 * bits of a word lie in one 64-byte block, so a test reads one cache line (128 KB, about 1%
 * false positives).
 */
const NAME_BLOCKS = 1 << 11;
const nameFilter = new Uint32Array(NAME_BLOCKS * 16);
function nameProbe(h: number, set: boolean): boolean {
  const block = (h & (NAME_BLOCKS - 1)) << 4;
  // Four 9-bit positions inside the 512-bit block, from the hash bits the block did not use.
  const g = Math.imul(h >>> 11, 0x9e3779b1);
  for (let i = 0; i < 4; i++) {
    const bit = (g >>> (i * 8)) & 511;
    const word = block + (bit >>> 5);
    if (set) nameFilter[word] |= 1 << (bit & 31);
    else if ((nameFilter[word] & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}
decodeWords(NAMES, (w) => {
  collect(w, WORD.NAME);
  nameProbe(hash(w, 0, w.length), true);
});
decodeWords(COMMON_WORDS, (w, nameLike) => collect(w, nameLike ? WORD.COMMON | WORD.NAME_LIKE : WORD.COMMON));
for (const w of NOT_NAMES) collect(w, WORD.NON_PERSON);
for (const [bit, list] of SMALL_LISTS) for (const w of list) collect(w, bit);

const MASK = (1 << Math.ceil(Math.log2(words.length * 1.5))) - 1;
const OCCUPIED = 0x100;
/**
 * Per slot, two values: the word's first hash, then its second hash's upper 23 bits | OCCUPIED
 * | class bits (0: empty slot). A word is identified by the 55 bits: a probe reads 8 bytes and
 * nothing else (the table, 1 MB, is all a lookup touches). No two lexicon words share them
 * (checked as the table is built); that an unknown word shares a lexicon word's has odds of
 * about 2^-55 per lookup.
 */
const TABLE = new Int32Array((MASK + 1) * 2);
const tagOf = (g: number): number => (g & ~0x1ff) | OCCUPIED;

/** The index in TABLE of the slot with hashes (h, g), or of the empty slot where it would go. */
function slotOf(h: number, g: number): number {
  const tag = tagOf(g);
  for (let slot = h & MASK; ; slot = (slot + 1) & MASK) {
    const at = slot << 1;
    const meta = TABLE[at + 1];
    if (meta === 0 || (TABLE[at] === h && (meta & ~0xff) === tag)) return at;
  }
}

{
  const wordAt = new Int32Array(TABLE.length);
  for (let k = 0; k < words.length; k++) {
    const h = hash(words[k], 0, words[k].length);
    const g = second;
    const at = slotOf(h, g);
    if (TABLE[at + 1] === 0) {
      TABLE[at] = h;
      TABLE[at + 1] = tagOf(g);
      wordAt[at] = k;
    } else if (words[wordAt[at]] !== words[k]) throw new Error(`lexicon: "${words[k]}" and "${words[wordAt[at]]}" hash alike`);
    TABLE[at + 1] |= wordBits[k];
  }
  words.length = 0;
  wordBits.length = 0;
}

/**
 * Recently found words (first hash and TABLE index + 1), direct-mapped: sentence starts and
 * common capitalised words recur ("I", "The", "Please"), and a hit avoids a probe of the big
 * table (a cache miss). Only lexicon words enter it, never a word the lexicon does not hold.
 */
const HOT_MASK = 1023;
const hotHash = new Int32Array(HOT_MASK + 1);
const hotAt = new Int32Array(HOT_MASK + 1);

function bitsOf(h: number, g: number): number {
  const line = h & HOT_MASK;
  const hot = hotAt[line];
  if (hot !== 0 && hotHash[line] === h && (TABLE[hot] & ~0xff) === tagOf(g)) return TABLE[hot] & 0xff;
  const at = slotOf(h, g);
  const meta = TABLE[at + 1];
  if (meta !== 0) {
    hotHash[line] = h;
    hotAt[line] = at + 1;
  }
  return meta & 0xff;
}

const bitsOfWord = (w: string): number => {
  const h = hash(w, 0, w.length);
  return bitsOf(h, second);
};

/** wordClassAt of a word with a character above '~': lower-cased as a string, and also looked up mark-stripped. */
function wideClassAt(s: string, start: number, end: number): number {
  const lower = s.slice(start, end).toLowerCase();
  return bitsOfWord(lower) | (bitsOfWord(stripMarks(lower)) & (WORD.NAME | WORD.NON_PERSON));
}

/**
 * The class bits of the word s[start, end), case-insensitively. Names and the gazetteer are
 * also found mark-stripped ("José" as "jose"); the other lists match as written.
 */
export function wordClassAt(s: string, start: number, end: number): number {
  for (let k = start; k < end; k++) if (s.charCodeAt(k) > 126) return wideClassAt(s, start, end);
  const h = hash(s, start, end);
  return bitsOf(h, second);
}

/**
 * False only when s[start, end) is certainly no name (no NAME bit in wordClassAt). Words with
 * a character above '~' are looked up mark-stripped there, so they may always be.
 */
export function mayBeName(s: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (s.charCodeAt(k) > 126) return true;
  const h = hash(s, start, end);
  // A recently found word's class is at hand (and exact); the filter answers for the others.
  const line = h & HOT_MASK;
  const hot = hotAt[line];
  if (hot !== 0 && hotHash[line] === h && (TABLE[hot] & ~0xff) === tagOf(second)) return (TABLE[hot] & WORD.NAME) !== 0;
  return nameProbe(h, false);
}

const SMALL_MASK = WORD.HONORIFIC | WORD.PARTICLE | WORD.SUFFIX | WORD.CUE_END;
/** The small-list words by shapeKey, each with its bits from every small list it is in. */
const SMALL_WORDS: Array<Array<{ word: string; bits: number }> | undefined> = [];
for (const [bit, list] of SMALL_LISTS) {
  for (const word of list) {
    const shaped = (SMALL_WORDS[shapeKey(word.charCodeAt(0), word.length)] ??= []);
    const known = shaped.find((x) => x.word === word);
    if (known) known.bits |= bit;
    else shaped.push({ word, bits: bit });
  }
}

/**
 * wordClassAt(s, start, end) restricted to the small lists (HONORIFIC, PARTICLE, SUFFIX,
 * CUE_END), without a probe of the big table: the few words of the token's shape are compared.
 */
export function smallClassAt(s: string, start: number, end: number): number {
  for (let k = start; k < end; k++) if (s.charCodeAt(k) > 126) return wordClassAt(s, start, end) & SMALL_MASK;
  const len = end - start;
  const shaped = SMALL_WORDS[shapeKey(s.charCodeAt(start), len)];
  if (shaped === undefined) return 0;
  for (const { word, bits } of shaped) {
    if (word.length !== len) continue;
    let k = 0;
    while (k < len) {
      let c = s.charCodeAt(start + k);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== word.charCodeAt(k)) break;
      k++;
    }
    if (k === len) return bits;
  }
  return 0;
}

export const wordClass = (word: string): number => wordClassAt(word, 0, word.length);
export const isCommonWord = (word: string): boolean => (wordClass(word) & WORD.COMMON) !== 0;
