/**
 * Features of the learned injection model: hashed word unigrams, character n-grams of each
 * word (so German compounds and inflections share evidence with their parts), and word
 * bigrams. One definition serves training (bench/train-injection-model.ts) and scoring.
 */

/** Buckets = 2^FEATURE_BITS; weights are one signed byte per bucket. */
export const FEATURE_BITS = 16;
const MASK = (1 << FEATURE_BITS) - 1;
const NGRAM_MIN = 3;
const NGRAM_MAX = 5;

export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A different seed per feature kind keeps "ab" the word apart from "ab" the n-gram. */
const WORD_SEED = 0x811c9dc5;
const NGRAM_SEED = 0x1b873593;

/** Buckets of one (lower-cased) word: the word itself and its n-grams with boundary marks. */
export function wordFeatures(word: string): Int32Array {
  const marked = `<${word}>`;
  const out: number[] = [fnv1a(word, WORD_SEED) & MASK];
  for (let n = NGRAM_MIN; n <= NGRAM_MAX; n++) {
    for (let i = 0; i + n <= marked.length; i++) out.push(fnv1a(marked.slice(i, i + n), NGRAM_SEED) & MASK);
  }
  return Int32Array.from(out);
}

/** Bucket of the bigram of two words, from their word hashes. */
export function pairFeature(first: number, second: number): number {
  return (Math.imul(first ^ Math.imul(second, 0x9e3779b1), 0x85ebca6b) >>> 0) & MASK;
}

/** All feature buckets of a word sequence, with repeats (training uses this; scoring sums the same). */
export function featureBuckets(words: readonly { features: Int32Array; hash: number }[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(...words[i].features);
    if (i > 0) out.push(pairFeature(words[i - 1].hash, words[i].hash));
  }
  return out;
}
