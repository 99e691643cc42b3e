/**
 * The deepset prompt-injection data in ../shared/eval (never copied into the repo) and its
 * deterministic split into a half that may be trained on and a held-out half.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabelledText } from './data/indirect-emails';

export const DEEPSET_PATH = join(__dirname, '..', '..', 'shared', 'eval', 'injection', 'deepset-train.jsonl');

/**
 * The deterministic deepset split: a text whose SHA-256 starts with an even byte may be
 * trained on, the rest is held out. Weights are learned only from the train half.
 */
export function deepsetHalf(text: string): 'train' | 'heldout' {
  return createHash('sha256').update(text, 'utf8').digest()[0] % 2 === 0 ? 'train' : 'heldout';
}

export function loadDeepset(path = DEEPSET_PATH): LabelledText[] | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const row = JSON.parse(l) as { text: string; label: number };
      return { text: row.text, label: row.label === 1 ? 1 : 0, family: 'deepset' };
    });
}
