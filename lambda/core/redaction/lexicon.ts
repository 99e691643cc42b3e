/**
 * Word lists behind PERSON detection, unpacked once per process from names-data.ts (generated
 * by bench/build-names-data.ts: census-ranked first names and surnames plus short names from
 * `humannames`, minus common English words and the gazetteer; the common English words;
 * front-coded, Brotli-compressed, base64: unpacking takes a few ms of the table build) and the small lists below, into one open-addressing hash table of class bits keyed by two
 * hashes of the word. A token is classified by hashing its characters in place (ASCII case
 * folded on the fly): no slice, no lower-casing, one probe of 8 bytes. The first hash of a
 * scanned token is read by the scan with its letters (the token* functions take it). Asked
 * most often, and answered without that probe: the small lists (the one word of the hash
 * compared), whether a word may be a name at all (a Bloom filter of the first hash), and the
 * words found last (a small cache).
 */
import { NOT_NAMES, stripMarks } from './gazetteer';
import { brotliDecompressSync } from 'node:zlib';
import { PACKED_WORDS } from './names-data';

/** Word classes as bits. */
export const WORD = {
  NAME: 1,
  COMMON: 2,
  /** A common word, or a place or month, that is also a name ("Maria", "Rose", "Jordan"): it may stay inside a name chain. */
  NAME_LIKE: 4,
  NON_PERSON: 8,
  HONORIFIC: 16,
  PARTICLE: 32,
  SUFFIX: 64,
  /** The last word of a strong name cue ("my name is", "dear", "called"). */
  CUE_END: 128,
} as const;

/** The last words of person.ts's name cues ("my name is", "name:", "name's", "name was"). */
export const NAME_CUE_WORDS = 'name is was';
/** The last words of person.ts's naming cues: the name cues, "call me", "named her", "dear". */
export const NAMING_CUE_WORDS = `${NAME_CUE_WORDS} named him her them me dear`;
/** The last words of person.ts's strong cues: the naming ones, "called", "i'm", "i am", "attn", "says", "said". */
export const STRONG_CUE_WORDS = `${NAMING_CUE_WORDS} called i'm am attn says said`;
/** Strong-cue last words that may precede a name written in lower case ("my name is jennifer"), as tokens ("i’m", or "m" after a stray "i ’"). */
const CUE_END_WORDS = `${STRONG_CUE_WORDS} m i’m`.split(' ');
const SMALL_LISTS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [WORD.HONORIFIC, 'mr mrs ms miss mx dr prof professor sir dame madam madame lady lord rev mme mlle herr frau sr sra srta señor señora dott ing'.split(' ')],
  [WORD.PARTICLE, 'van von de der den da di del della du la le bin ibn al dos das ter ten'.split(' ')],
  [WORD.SUFFIX, 'jr sr ii iii iv md phd esq'.split(' ')],
  [WORD.CUE_END, CUE_END_WORDS],
];
/**
 * Class bits by first letter (ASCII, folded), length and last letter (its low five bits: ASCII
 * case aside) of the small-list words: most tokens fail this array lookup before any hash
 * probe, the common short words too ("this" is not "them", "at" not "am"). No small-list word
 * starts with a non-ASCII letter.
 */
const shapeKey = (first: number, len: number, last: number): number => ((first >= 65 && first <= 90 ? first + 32 : first) << 9) | (Math.min(len, 15) << 5) | (last & 31);
const SMALL_SHAPES = new Uint8Array(128 << 9);
for (const [bit, list] of SMALL_LISTS) for (const w of list) SMALL_SHAPES[shapeKey(w.charCodeAt(0), w.length, w.charCodeAt(w.length - 1))] |= bit;
/** False when s[start, end) is certainly in none of the small lists of `bits` (HONORIFIC, PARTICLE, SUFFIX, CUE_END). */
export function mayBeSmall(bits: number, s: string, start: number, end: number): boolean {
  const first = s.charCodeAt(start);
  return first < 128 && (SMALL_SHAPES[shapeKey(first, end - start, s.charCodeAt(end - 1))] & bits) !== 0;
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

/** The front-coded name and common-word lists, as bench/build-names-data.ts coded them before packing. */
export function unpackWords(packed: string): { names: string; common: string } {
  const text = brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8');
  const cut = text.indexOf('\n');
  return { names: text.slice(0, cut), common: text.slice(cut + 1) };
}

/** Longer than any word of the lists (the load fails loudly if one is not). */
const MAX_WORD_LENGTH = 64;
/** FNV-1a, the first hash of a word (scan.ts hashes tokens with it as it reads them). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;
const SECOND_SEED = 0x3c6ef372 | 0;
const SECOND_PRIME = 0x5bd1e995;
/**
 * The second hash of a word: with its first (foldedHash, FNV-1a), two independent 32-bit hashes
 * of its characters, ASCII upper case folded to lower, that together identify it.
 */
/** ASCII upper case folded to lower; every other character as it is. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
function secondHash(s: string, start: number, end: number): number {
  let g = SECOND_SEED;
  for (let k = start; k < end; k++) {
    g = Math.imul(g + fold(s.charCodeAt(k)), SECOND_PRIME);
    g ^= g >>> 15;
  }
  return g;
}

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

const { names: NAMES, common: COMMON_WORDS } = unpackWords(PACKED_WORDS);
const codes = (packed: string): number => {
  let n = 0;
  for (let k = 0; k < packed.length; k++) if (isCode(packed.charCodeAt(k))) n++;
  return n;
};
const WORD_COUNT = codes(NAMES) + codes(COMMON_WORDS) + NOT_NAMES.length + SMALL_LISTS.reduce((n, [, list]) => n + list.length, 0);
const MASK = (1 << Math.ceil(Math.log2(WORD_COUNT * 1.5))) - 1;
const OCCUPIED = 0x100;
/**
 * Per slot, two values: the word's first hash, then its second hash's upper 23 bits | OCCUPIED
 * | class bits (0: empty slot). A word is identified by the 55 bits: a probe reads 8 bytes and
 * nothing else (the table, 1 MB, is all a lookup touches). No two lexicon words share them
 * (test/core/redaction/lexicon.test.ts checks the shipped lists with wordKey); that an unknown
 * word shares a lexicon word's has odds of about 2^-55 per lookup.
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

function place(h: number, g: number, bits: number): void {
  const at = slotOf(h, g);
  if (TABLE[at + 1] === 0) {
    TABLE[at] = h;
    TABLE[at + 1] = tagOf(g);
  }
  TABLE[at + 1] |= bits;
}

/** What identifies a word in the table (its first hash and its second hash's tag). */
export function wordKey(word: string): string {
  const lower = word.toLowerCase();
  return `${foldedHash(lower, 0, lower.length)}:${tagOf(secondHash(lower, 0, lower.length))}`;
}

/**
 * Places every word of a front-coded list (see decodeWords) without building the words: each
 * word's hashes continue from the state its shared prefix left, so only the new suffix is
 * hashed. One flat loop, because this runs once at load, mostly before V8 has optimised
 * anything: it is most of the engine's start-up cost.
 */
function placeAll(packed: string, bits: number, flaggedBits: number, intoNameFilter: boolean): void {
  const prefixH = new Int32Array(MAX_WORD_LENGTH + 1);
  const prefixG = new Int32Array(MAX_WORD_LENGTH + 1);
  prefixH[0] = FNV_OFFSET;
  prefixG[0] = SECOND_SEED;
  let k = 0;
  while (k < packed.length) {
    const code = packed.charCodeAt(k);
    let len = code <= 57 ? code - 48 : code - 55;
    let e = k + 1;
    for (let c = packed.charCodeAt(e); e < packed.length && !isCode(c); c = packed.charCodeAt(++e)) {
      if (c === 43) continue; // '+' flags the word; it is not part of it
      if (len >= MAX_WORD_LENGTH) throw new Error(`lexicon: a word is longer than ${MAX_WORD_LENGTH} characters`);
      c = fold(c);
      prefixH[len + 1] = Math.imul(prefixH[len] ^ c, FNV_PRIME);
      const g = Math.imul(prefixG[len] + c, SECOND_PRIME);
      prefixG[len + 1] = g ^ (g >>> 15);
      len++;
    }
    const h = prefixH[len];
    const flagged = packed.charCodeAt(e - 1) === 43;
    place(h, prefixG[len], flagged ? flaggedBits : bits);
    if (intoNameFilter && !flagged) nameProbe(h, true);
    k = e;
  }
}
// Flagged names are the gazetteer's places and months that are also first names ("Jan", "Jordan"): not NAME, which would
// make every "June" a person, but NAME_LIKE (NOT_NAMES adds NON_PERSON below); they stay out of the name filter.
placeAll(NAMES, WORD.NAME, WORD.NAME_LIKE, true);
placeAll(COMMON_WORDS, WORD.COMMON, WORD.COMMON | WORD.NAME_LIKE, false);
for (const [bit, list] of [[WORD.NON_PERSON, NOT_NAMES] as const, ...SMALL_LISTS]) {
  for (const w of list) place(foldedHash(w, 0, w.length), secondHash(w, 0, w.length), bit);
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

const bitsOfWord = (w: string): number => bitsOf(foldedHash(w, 0, w.length), secondHash(w, 0, w.length));

/** wordClassAt of a word with a character above '~': lower-cased as a string, and also looked up mark-stripped. */
function wideClassAt(s: string, start: number, end: number): number {
  const lower = s.slice(start, end).toLowerCase();
  return bitsOfWord(lower) | (bitsOfWord(stripMarks(lower)) & (WORD.NAME | WORD.NON_PERSON));
}

/** Whether s[start, end) has a character above '~': such words are looked up as strings, lower-cased and mark-stripped. */
export const isWide = (s: string, start: number, end: number): boolean => {
  for (let k = start; k < end; k++) if (s.charCodeAt(k) > 126) return true;
  return false;
};

/**
 * The class bits of the word s[start, end), case-insensitively. Names and the gazetteer are
 * also found mark-stripped ("José" as "jose"); the other lists match as written.
 */
export const wordClassAt = (s: string, start: number, end: number): number => tokenClass(s, start, end, foldedHash(s, start, end), isWide(s, start, end));
/** wordClassAt of a scanned token: `h` is its foldedHash, `wide` whether it has a character above '~' (scan.ts gives both). */
export function tokenClass(s: string, start: number, end: number, h: number, wide: boolean): number {
  return wide ? wideClassAt(s, start, end) : bitsOf(h, secondHash(s, start, end));
}

/**
 * False only when s[start, end) is certainly no name (no NAME bit in wordClassAt). Words with
 * a character above '~' are looked up mark-stripped there, so they may always be.
 */
export const mayBeName = (s: string, start: number, end: number): boolean => tokenMayBeName(foldedHash(s, start, end), isWide(s, start, end));
/** mayBeName of a scanned token (see tokenClass): the name filter answers from the hash alone. */
export const tokenMayBeName = (h: number, wide: boolean): boolean => wide || nameProbe(h, false);

/** FNV-1a of s[start, end), ASCII upper case folded: the lexicon's first hash of a word. */
export function foldedHash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let k = start; k < end; k++) {
    h = Math.imul(h ^ fold(s.charCodeAt(k)), FNV_PRIME);
  }
  return h;
}

const SMALL_MASK = WORD.HONORIFIC | WORD.PARTICLE | WORD.SUFFIX | WORD.CUE_END;
/** The small-list words by foldedHash, each with its bits from every small list it is in (no two share a hash). */
const SMALL_WORDS = new Map<number, { word: string; bits: number }>();
for (const [bit, list] of SMALL_LISTS) {
  for (const word of list) {
    const h = foldedHash(word, 0, word.length);
    const known = SMALL_WORDS.get(h);
    if (known !== undefined && known.word !== word) throw new Error(`lexicon: small-list words "${word}" and "${known.word}" share a hash`);
    if (known) known.bits |= bit;
    else SMALL_WORDS.set(h, { word, bits: bit });
  }
}

/**
 * wordClassAt(s, start, end) restricted to the small lists (HONORIFIC, PARTICLE, SUFFIX,
 * CUE_END), without a probe of the big table.
 */
export const smallClassAt = (s: string, start: number, end: number): number => smallTokenClass(s, start, end, foldedHash(s, start, end), isWide(s, start, end));
/** smallClassAt of a scanned token (see tokenClass): the word of its hash, if any, is compared letter by letter. */
export function smallTokenClass(s: string, start: number, end: number, h: number, wide: boolean): number {
  if (wide) return tokenClass(s, start, end, h, true) & SMALL_MASK;
  const small = SMALL_WORDS.get(h);
  if (small === undefined || small.word.length !== end - start) return 0;
  for (let k = start; k < end; k++) {
    if (fold(s.charCodeAt(k)) !== small.word.charCodeAt(k - start)) return 0;
  }
  return small.bits;
}

export const wordClass = (word: string): number => wordClassAt(word, 0, word.length);
export const isCommonWord = (word: string): boolean => (wordClass(word) & WORD.COMMON) !== 0;
