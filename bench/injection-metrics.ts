/** Detection metrics shared by the injection evaluation and its tests. */

export interface Scored {
  readonly label: 0 | 1;
  readonly flagged: boolean;
  /** Higher = more likely an injection; used to trade recall against false positives. */
  readonly score: number;
}

export interface DetectionMetrics {
  n: number;
  positives: number;
  precision: number;
  recall: number;
  fpr: number;
  f1: number;
  /** Best recall with the false-positive rate at or below `maxFpr`, and the score threshold that gives it. */
  recallAtMaxFpr: number;
  thresholdAtMaxFpr: number;
  maxFpr: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const round = (x: number): number => Math.round(x * 1000) / 1000;

export function detectionMetrics(rows: readonly Scored[], maxFpr = 0.05): DetectionMetrics {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const r of rows) {
    if (r.label === 1) positives++;
    if (r.flagged && r.label === 1) tp++;
    if (r.flagged && r.label === 0) fp++;
  }
  const negatives = rows.length - positives;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, positives);
  const { recall: atFpr, threshold } = recallAtFpr(rows, positives, negatives, maxFpr);
  return {
    n: rows.length,
    positives,
    precision: round(precision),
    recall: round(recall),
    fpr: round(ratio(fp, negatives)),
    f1: round(ratio(2 * precision * recall, precision + recall)),
    recallAtMaxFpr: round(atFpr),
    thresholdAtMaxFpr: threshold,
    maxFpr,
  };
}

/** Sweeps thresholds from high to low (flag when score ≥ threshold), keeping the last one within budget. */
function recallAtFpr(rows: readonly Scored[], positives: number, negatives: number, maxFpr: number): { recall: number; threshold: number } {
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  let tp = 0;
  let fp = 0;
  let best = { recall: 0, threshold: Infinity };
  for (let i = 0; i < sorted.length; ) {
    const t = sorted[i].score;
    // Rows with equal scores are flagged together.
    for (; i < sorted.length && sorted[i].score === t; i++) {
      if (sorted[i].label === 1) tp++;
      else fp++;
    }
    if (ratio(fp, negatives) > maxFpr) break;
    best = { recall: ratio(tp, positives), threshold: t };
  }
  return best;
}
