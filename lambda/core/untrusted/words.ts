/**
 * Word-level matching for the injection rules. Rules are sequences of word classes with
 * bounded gaps inside one sentence, matched over a token array: cost is O(tokens × a
 * constant), so no input can make matching backtrack the way a regex with nested
 * quantifiers can.
 *
 * Speed comes from looking each distinct word up once: a word's classes and the learned
 * model's features are cached per word, one pass over the characters finds the words, and a
 * rule runs only when every class it needs occurs in the text, which ordinary text rarely
 * satisfies.
 */
import { fnv1a, wordFeatures } from './features';
import { bucketWeight } from './model';

/** What is known about one distinct word, computed once and cached. */
export interface WordInfo {
  /** The word, lower-cased, ’ folded to '. */
  readonly word: string;
  /** Ids of the word classes it belongs to. */
  readonly lexes: readonly number[];
  /** FNV-1a hash of the word, for the learned model's bigrams. */
  readonly hash: number;
  /** The learned model's feature buckets of the word on its own. */
  readonly features: Int32Array;
  /** The model's summed (quantised) weight over `features`: a word's share of the score is fixed. */
  readonly weight: number;
}

// ---- the word-class registry -------------------------------------------------------------
const exactIndex = new Map<string, number[]>();
const stemIndex = new Map<string, number[]>();
const stemLengths: number[] = [];
const wordCache = new Map<string, WordInfo>();
const CACHE_LIMIT = 50_000;
let lexCount = 0;
/** Per word class, the stamp of the last text it occurred in; see Sentences. */
let seen = new Int32Array(0);
let stamps = 0;

function nextStamp(): number {
  if (stamps === 0x7fffffff) {
    seen.fill(0);
    stamps = 0;
  }
  return ++stamps;
}

const addTo = (index: Map<string, number[]>, key: string, id: number): void => {
  const ids = index.get(key);
  if (ids) ids.push(id);
  else index.set(key, [id]);
};

/** A word class: exact words, and stems written with a trailing '*'. */
export class Lex {
  readonly id = lexCount++;

  constructor(...words: string[]) {
    for (const w of words) {
      if (!w.endsWith('*')) {
        addTo(exactIndex, w, this.id);
        continue;
      }
      const stem = w.slice(0, -1);
      addTo(stemIndex, stem, this.id);
      if (!stemLengths.includes(stem.length)) stemLengths.push(stem.length);
    }
    wordCache.clear();
    intern.fill(undefined);
    seen = new Int32Array(lexCount);
  }
}

function wordInfo(word: string): WordInfo {
  let info = wordCache.get(word);
  if (info) return info;
  const lexes = new Set(exactIndex.get(word));
  for (const n of stemLengths) {
    if (n > word.length) continue;
    for (const id of stemIndex.get(word.slice(0, n)) ?? []) lexes.add(id);
  }
  const features = wordFeatures(word);
  info = { word, lexes: [...lexes], hash: fnv1a(word), features, weight: bucketWeight(features) };
  if (wordCache.size >= CACHE_LIMIT) wordCache.clear();
  wordCache.set(word, info);
  return info;
}

// ---- tokenizer -----------------------------------------------------------------------------
const WORD_CHAR = 1;
const IN_BASE64 = 2;
const IN_HEX = 4;
const HEX_SEPARATOR = 8;
const ENDS_SENTENCE = 16;
/** ASCII classes as bit flags; BASE64_RUN and HEX_RUN in rules.ts use the same classes. */
const ASCII = new Uint8Array(128).map((_, c) => {
  const ch = String.fromCharCode(c);
  return (
    (/[A-Za-z0-9_']/.test(ch) ? WORD_CHAR : 0) |
    (/[A-Za-z0-9+/_-]/.test(ch) ? IN_BASE64 : 0) |
    (/[0-9a-fA-F]/.test(ch) ? IN_HEX : 0) |
    (/[ :]/.test(ch) ? HEX_SEPARATOR : 0) |
    (/[.!?;\n]/.test(ch) ? ENDS_SENTENCE : 0)
  );
});
const WORD_RE = /^[\p{L}\p{N}_'’]$/u;
/** Per BMP code unit beyond ASCII: 0 not yet known, 1 word character, 2 not. */
const bmpClass = new Uint8Array(0x10000);
const BASE64_MIN = 24;
const HEX_MIN_DIGITS = 32;

/** Recently seen words by hash, so a repeated word is found without slicing a new string. */
const INTERN_BITS = 14;
const intern: (WordInfo | undefined)[] = new Array(1 << INTERN_BITS);
const APOSTROPHE = 0x27;
const CURLY_APOSTROPHE = 0x2019;
const fold = (c: number): number => (c === CURLY_APOSTROPHE ? APOSTROPHE : c);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The word at lower[start, end) (’ folded), whose FNV-1a hash is h: from the intern table or the cache. */
function lookup(lower: string, start: number, end: number, h: number): WordInfo {
  const slot = (h >>> 0) & ((1 << INTERN_BITS) - 1);
  const known = intern[slot];
  if (known !== undefined && known.word.length === end - start) {
    let same = true;
    for (let i = start; same && i < end; i++) same = known.word.charCodeAt(i - start) === fold(lower.charCodeAt(i));
    if (same) return known;
  }
  let word = lower.slice(start, end);
  if (word.includes('’')) word = word.replace(/’/g, "'");
  return (intern[slot] = wordInfo(word));
}

/** A word lower-cased on its own, when lower-casing the whole text changed its length. */
function lookupAlone(text: string, start: number, end: number): WordInfo {
  const word = text.slice(start, end).toLowerCase();
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ fold(word.charCodeAt(i)), FNV_PRIME);
  return lookup(word, 0, word.length, h);
}

/**
 * One text as words (runs of letters, digits, '_' and apostrophes: /[\p{L}\p{N}_'’]+/u),
 * the sentence of each (. ! ? ; and newline end one), and which word classes occur: one
 * pass over the characters, which also notes whether a base64/hex-like run is long enough
 * to be worth decoding.
 */
export class Sentences {
  readonly words: WordInfo[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly sentence: number[] = [];
  /** A run of 24 base64 characters, or 32 hex digits with at most one space or colon between two. */
  readonly longRun: boolean = false;
  /** seen[lex id] === this.stamp: the class occurs here (one shared array, no per-text allocation). */
  private readonly stamp = nextStamp();
  private byLex: Map<number, number[]> | undefined;

  constructor(text: string) {
    const lower = text.toLowerCase();
    // Lower-casing can change the length (İ → i̇); then each word is lower-cased on its own.
    const aligned = lower.length === text.length;
    // Scan the lower-cased copy when it lines up: it is a fresh flat string (fast to index,
    // unlike a concatenated one), and lower-casing keeps every character's word class.
    const src = aligned ? lower : text;
    const n = text.length;
    let sentence = 0;
    let brk = false;
    let start = -1;
    let b64 = 0;
    let hexDigits = 0;
    let separatorAllowed = false;
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = src.charCodeAt(i);
      let isWord: boolean;
      let wide = false;
      if (c < 0x80) {
        const k = ASCII[c];
        isWord = (k & WORD_CHAR) !== 0;
        if (!isWord && k & ENDS_SENTENCE) brk = true;
        if (!this.longRun) {
          b64 = k & IN_BASE64 ? b64 + 1 : 0;
          if (k & IN_HEX) {
            hexDigits++;
            separatorAllowed = true;
          } else if (k & HEX_SEPARATOR && separatorAllowed) {
            separatorAllowed = false;
          } else {
            hexDigits = 0;
            separatorAllowed = false;
          }
          if (b64 >= BASE64_MIN || hexDigits >= HEX_MIN_DIGITS) this.longRun = true;
        }
      } else {
        b64 = hexDigits = 0;
        separatorAllowed = false;
        const cp = src.codePointAt(i) as number;
        if (cp > 0xffff) {
          isWord = WORD_RE.test(String.fromCodePoint(cp));
          wide = true;
        } else {
          let k = bmpClass[c];
          if (k === 0) bmpClass[c] = k = WORD_RE.test(String.fromCharCode(c)) ? 1 : 2;
          isWord = k === 1;
        }
      }
      if (isWord) {
        if (start < 0) {
          start = i;
          h = FNV_OFFSET;
          if (brk) sentence++;
          brk = false;
        }
        // The hash of the lower-cased word as it is scanned (only used when aligned).
        h = Math.imul(h ^ fold(c), FNV_PRIME);
        if (wide) h = Math.imul(h ^ src.charCodeAt(i + 1), FNV_PRIME);
      } else if (start >= 0) {
        this.push(aligned ? lookup(lower, start, i, h) : lookupAlone(text, start, i), start, i, sentence);
        start = -1;
      }
      if (wide) i++;
    }
    if (start >= 0) this.push(aligned ? lookup(lower, start, n, h) : lookupAlone(text, start, n), start, n, sentence);
  }

  private push(info: WordInfo, start: number, end: number, sentence: number): void {
    this.words.push(info);
    this.starts.push(start);
    this.ends.push(end);
    this.sentence.push(sentence);
    for (const id of info.lexes) seen[id] = this.stamp;
  }

  /** Whether every step's word class occurs: a rule that fails this cannot match. */
  allPresent(steps: readonly Step[]): boolean {
    for (let i = 0; i < steps.length; i++) if (seen[steps[i].lex.id] !== this.stamp) return false;
    return true;
  }

  /** Positions of the words in `lex`, ascending; built on first use, few rules get here. */
  positions(lex: Lex): readonly number[] {
    this.byLex ??= new Map();
    let at = this.byLex.get(lex.id);
    if (!at) {
      at = [];
      for (let i = 0; i < this.words.length; i++) if (this.has(i, lex)) at.push(i);
      this.byLex.set(lex.id, at);
    }
    return at;
  }

  has(i: number, lex: Lex): boolean {
    return this.words[i].lexes.includes(lex.id);
  }
}

/** One step of a sequence: a word class, and how many other words may stand before it. */
export interface Step {
  readonly lex: Lex;
  readonly gap: number;
}

export const step = (lex: Lex, gap = 0): Step => ({ lex, gap });

export interface SequenceOptions {
  /** Reject a start whose preceding word is in this class (negations: "don't forget"). */
  readonly unless?: Lex;
  /** Reject a match whose next word is in this class ("disregard my previous email"). */
  readonly unlessNext?: Lex;
  /** Reject a match with a word of this class inside it ("ignore MY earlier instructions"). */
  readonly unlessInside?: Lex;
  /** Only match at the start of a sentence. */
  readonly sentenceStart?: boolean;
}

const NO_OPTIONS: SequenceOptions = {};

/**
 * Finds `steps` in order within one sentence, step i+1 at most `gap` words after step i.
 * Returns the first match as a [start, end) character span, or undefined.
 */
export function findSequence(
  text: Sentences,
  steps: readonly Step[],
  opts: SequenceOptions = NO_OPTIONS,
): { start: number; end: number } | undefined {
  if (!text.allPresent(steps)) return undefined;
  const n = text.words.length;
  const { sentence } = text;
  // dead[s * n + j]: no completion of steps s.. from word j; makes the search O(n × steps × gap).
  const dead = new Uint8Array(steps.length * n);
  for (const i of text.positions(steps[0].lex)) {
    const sameSentenceBefore = i > 0 && sentence[i - 1] === sentence[i];
    if (opts.sentenceStart && sameSentenceBefore) continue;
    if (opts.unless && sameSentenceBefore && text.has(i - 1, opts.unless)) continue;
    const end = extend(text, steps, 1, i, dead);
    if (end === undefined) continue;
    if (opts.unlessNext && end + 1 < n && sentence[end + 1] === sentence[end] && text.has(end + 1, opts.unlessNext)) continue;
    if (opts.unlessInside && insideHas(text, i + 1, end, opts.unlessInside)) continue;
    return { start: text.starts[i], end: text.ends[end] };
  }
  return undefined;
}

function insideHas(text: Sentences, from: number, to: number, lex: Lex): boolean {
  for (let k = from; k < to; k++) if (text.has(k, lex)) return true;
  return false;
}

function extend(text: Sentences, steps: readonly Step[], s: number, at: number, dead: Uint8Array): number | undefined {
  if (s === steps.length) return at;
  const { lex, gap } = steps[s];
  const n = text.words.length;
  const limit = Math.min(n - 1, at + gap + 1);
  for (let j = at + 1; j <= limit && text.sentence[j] === text.sentence[at]; j++) {
    if (dead[s * n + j] || !text.has(j, lex)) continue;
    const end = extend(text, steps, s + 1, j, dead);
    if (end !== undefined) return end;
    dead[s * n + j] = 1;
  }
  return undefined;
}
