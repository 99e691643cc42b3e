/**
 * Word-level matching for the injection rules. Rules are sequences of word classes with
 * bounded gaps inside one sentence, matched over a token array: cost is O(tokens × a
 * constant), so no input can make matching backtrack the way a regex with nested
 * quantifiers can.
 *
 * Speed comes from looking each distinct word up once: a word's classes (and its hash for
 * the learned model's features) are cached, every class knows the token positions holding it, and a
 * rule runs only when every class it needs occurs in the text, which ordinary text rarely
 * satisfies.
 */
import { fnv1a, wordFeatures } from './features';
import { bucketWeight } from './model';

export interface Token {
  readonly word: string; // lower-cased, ’ folded to '
  readonly start: number;
  readonly end: number;
  readonly sentence: number;
  readonly info: WordInfo;
}

/** What is known about one distinct word, computed once and cached. */
export interface WordInfo {
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
  }

  has(word: string): boolean {
    return wordInfo(word).lexes.includes(this.id);
  }
}

export function wordInfo(word: string): WordInfo {
  let info = wordCache.get(word);
  if (info) return info;
  const lexes = new Set(exactIndex.get(word));
  for (const n of stemLengths) {
    if (n > word.length) continue;
    for (const id of stemIndex.get(word.slice(0, n)) ?? []) lexes.add(id);
  }
  const features = wordFeatures(word);
  info = { lexes: [...lexes], hash: fnv1a(word), features, weight: bucketWeight(features) };
  if (wordCache.size >= CACHE_LIMIT) wordCache.clear();
  wordCache.set(word, info);
  return info;
}

// ---- tokenizer -----------------------------------------------------------------------------
// A single character class under '+': each character is consumed once, linear by construction.
const WORD = /[\p{L}\p{N}_'’]+/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const lower = text.toLowerCase();
  // Lower-casing can change the length (İ → i̇); then each word is lower-cased on its own.
  const aligned = lower.length === text.length;
  let sentence = 0;
  let last = 0;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    for (let k = last; k < start; k++) {
      const c = text.charCodeAt(k);
      // . ! ? ; and newline end a sentence.
      if (c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3b || c === 0x0a) {
        sentence++;
        break;
      }
    }
    last = end;
    let word = aligned ? lower.slice(start, end) : m[0].toLowerCase();
    if (word.includes('’')) word = word.replace(/’/g, "'");
    tokens.push({ word, start, end, sentence, info: wordInfo(word) });
  }
  return tokens;
}

/** Tokens of one text, and which word classes occur in it. */
export class Sentences {
  readonly tokens: Token[];
  private readonly seen = new Uint8Array(lexCount);
  private byLex: Map<number, number[]> | undefined;

  constructor(text: string) {
    this.tokens = tokenize(text);
    for (const t of this.tokens) for (const id of t.info.lexes) this.seen[id] = 1;
  }

  /** Whether any word of the class occurs: the prefilter that lets most rules skip a text. */
  present(lex: Lex): boolean {
    return this.seen[lex.id] === 1;
  }

  /** Whether every step's word class occurs: a rule that fails this cannot match. */
  allPresent(steps: readonly Step[]): boolean {
    for (let i = 0; i < steps.length; i++) if (this.seen[steps[i].lex.id] !== 1) return false;
    return true;
  }

  /** Token positions whose word is in `lex`, ascending; built on first use, few rules get here. */
  positions(lex: Lex): readonly number[] {
    this.byLex ??= new Map();
    let at = this.byLex.get(lex.id);
    if (!at) {
      at = [];
      for (let i = 0; i < this.tokens.length; i++) if (inLex(this.tokens[i], lex)) at.push(i);
      this.byLex.set(lex.id, at);
    }
    return at;
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

const inLex = (t: Token, lex: Lex): boolean => t.info.lexes.includes(lex.id);

/**
 * Finds `steps` in order within one sentence, step i+1 at most `gap` words after step i.
 * Returns the first match as a [start, end) character span, or undefined.
 */
export function findSequence(
  text: Sentences,
  steps: readonly Step[],
  opts: SequenceOptions = {},
): { start: number; end: number } | undefined {
  if (!text.allPresent(steps)) return undefined;
  const { tokens } = text;
  // dead[s * n + j]: no completion of steps s.. from token j; makes the search O(n × steps × gap).
  const dead = new Uint8Array(steps.length * tokens.length);
  for (const i of text.positions(steps[0].lex)) {
    const sameSentenceBefore = i > 0 && tokens[i - 1].sentence === tokens[i].sentence;
    if (opts.sentenceStart && sameSentenceBefore) continue;
    if (opts.unless && sameSentenceBefore && inLex(tokens[i - 1], opts.unless)) continue;
    const end = extend(tokens, steps, 1, i, dead);
    if (end === undefined) continue;
    const next = tokens[end + 1];
    if (opts.unlessNext && next && next.sentence === tokens[end].sentence && inLex(next, opts.unlessNext)) continue;
    if (opts.unlessInside && tokens.slice(i + 1, end).some((t) => opts.unlessInside && inLex(t, opts.unlessInside))) continue;
    return { start: tokens[i].start, end: tokens[end].end };
  }
  return undefined;
}

function extend(tokens: readonly Token[], steps: readonly Step[], s: number, at: number, dead: Uint8Array): number | undefined {
  if (s === steps.length) return at;
  const { lex, gap } = steps[s];
  const limit = Math.min(tokens.length - 1, at + gap + 1);
  for (let j = at + 1; j <= limit && tokens[j].sentence === tokens[at].sentence; j++) {
    if (dead[s * tokens.length + j] || !inLex(tokens[j], lex)) continue;
    const end = extend(tokens, steps, s + 1, j, dead);
    if (end !== undefined) return end;
    dead[s * tokens.length + j] = 1;
  }
  return undefined;
}
