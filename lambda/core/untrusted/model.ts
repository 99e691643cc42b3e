/**
 * The learned half of the injection scorer: logistic regression over hashed features
 * (features.ts), trained by bench/train-injection-model.ts on the train half of the deepset
 * prompt-injection data only. It catches what carries no injection technique the rules
 * know (role-play set-ups, bare off-task requests, paraphrases, German) but was trained on
 * chat prompts, not business mail, so its evidence is bounded: below MODEL_FLOOR it says
 * nothing, and alone it flags only when very sure. Weights: one signed byte per bucket (weights-codec.ts).
 */
import trained from './model-weights.json';
import { pairFeature } from './features';
import { decodeWeights, WEIGHTS_ENCODING } from './weights-codec';
import { WordInfo } from './words';

/** Probability at which the model starts to count as evidence. */
export const MODEL_FLOOR = 0.4;
/** Weight of the model's evidence at probability 1 (combined with the rules by noisy-OR). */
export const MODEL_WEIGHT = 0.8;

// A test checks that the shipped weights fit FEATURE_BITS (after a change, retrain).
if (trained.encoding !== WEIGHTS_ENCODING) throw new Error(`model-weights.json: unknown encoding ${trained.encoding}; retrain`);
const weights = decodeWeights(trained.weights);

/** Summed weight of some buckets; cached per word (WordInfo.weight), so scoring stays cheap. */
export function bucketWeight(buckets: Int32Array): number {
  let sum = 0;
  for (let k = 0; k < buckets.length; k++) sum += weights[buckets[k]];
  return sum;
}

/** P(injection) for a word sequence; the same sum as training, over quantised weights. */
export function modelProbability(words: readonly WordInfo[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    sum += words[i].weight;
    n += words[i].features.length;
    if (i > 0) {
      sum += weights[pairFeature(words[i - 1].hash, words[i].hash)];
      n++;
    }
  }
  const z = trained.bias + (n === 0 ? 0 : (sum * trained.scale) / Math.sqrt(n));
  return 1 / (1 + Math.exp(-z));
}

/** The model's finding weight: 0 up to MODEL_FLOOR, rising linearly to MODEL_WEIGHT. */
export function modelEvidence(words: readonly WordInfo[]): number {
  if (words.length === 0) return 0;
  const p = modelProbability(words);
  return p <= MODEL_FLOOR ? 0 : (MODEL_WEIGHT * (p - MODEL_FLOOR)) / (1 - MODEL_FLOOR);
}
