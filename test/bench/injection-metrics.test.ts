import { indirectEmailSet } from '../../bench/data/indirect-emails';
import { detectionMetrics } from '../../bench/injection-metrics';

describe('detectionMetrics', () => {
  it('computes precision, recall and false-positive rate at the detector threshold', () => {
    // Prepare
    const rows = [
      { label: 1 as const, flagged: true, score: 0.9 },
      { label: 1 as const, flagged: false, score: 0.3 },
      { label: 0 as const, flagged: true, score: 0.6 },
      { label: 0 as const, flagged: false, score: 0.1 },
    ];

    // Act
    const m = detectionMetrics(rows);

    // Assess
    expect(m).toMatchObject({ n: 4, positives: 2, precision: 0.5, recall: 0.5, fpr: 0.5 });
  });

  it('finds the best recall whose false-positive rate stays within budget, flagging tied scores together', () => {
    // Prepare: 20 negatives, one scoring 0.8 (FPR 0.05 when flagged); positives at 0.9, 0.8, 0.05.
    const negatives = Array.from({ length: 20 }, (_, i) => ({ label: 0 as const, flagged: false, score: i === 0 ? 0.8 : 0.1 }));
    const positives = [0.9, 0.8, 0.05].map((score) => ({ label: 1 as const, flagged: false, score }));

    // Act
    const m = detectionMetrics([...negatives, ...positives], 0.05);

    // Assess
    expect(m.recallAtMaxFpr).toBeCloseTo(2 / 3, 3);
    expect(m.thresholdAtMaxFpr).toBe(0.8);
  });
});

describe('indirectEmailSet', () => {
  it('is deterministic, balanced, and its held-out split shares no text with the dev split', () => {
    // Act
    const dev = indirectEmailSet({ split: 'dev', size: 200 });
    const again = indirectEmailSet({ split: 'dev', size: 200 });
    const heldout = indirectEmailSet({ split: 'heldout', size: 200 });

    // Assess
    expect(again).toEqual(dev);
    expect(dev.filter((r) => r.label === 1)).toHaveLength(100);
    const devTexts = new Set(dev.map((r) => r.text));
    expect(heldout.some((r) => devTexts.has(r.text))).toBe(false);
  });
});
