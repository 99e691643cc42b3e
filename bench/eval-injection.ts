/**
 * Prompt-injection evaluation: this scanner beside offline JS peers, same data, same
 * scoring, same run. Direct injections: the deepset set in ../shared/eval (skipped with a
 * message when absent), its held-out half (never trained on) reported apart from the full set. Indirect injections: the generated e-mail/CRM-note set in
 * bench/data (synthetic, see there).
 */
import { scoreInjection } from '../lambda/core/untrusted';
import { indirectEmailSet, LabelledText } from './data/indirect-emails';
import { DEEPSET_PATH, deepsetHalf, loadDeepset } from './deepset';
import { DetectionMetrics, detectionMetrics, Scored } from './injection-metrics';

interface Detector {
  readonly name: string;
  readonly detect: (text: string) => Promise<{ flagged: boolean; score: number }>;
}

const bridge: Detector = {
  name: 'crm-agent-bridge',
  detect: async (text) => scoreInjection(text),
};

/** The peers are ES modules; load them lazily so the scanner itself never depends on them. */
async function peers(): Promise<Detector[]> {
  const out: Detector[] = [];
  try {
    const guard = await import('llm_guardrail');
    out.push({
      name: 'llm_guardrail',
      detect: async (text) => {
        const r = await guard.checkInjection(text);
        return { flagged: r.detected, score: r.confidence };
      },
    });
  } catch (e) {
    process.stderr.write(`llm_guardrail not available: ${(e as Error).message}\n`);
  }
  try {
    type VardResult = { safe: true } | { safe: false; threats: { severity: number }[] };
    const mod = (await import('@andersmyrmel/vard')) as { vard: { moderate: () => { safeParse: (t: string) => VardResult } } };
    const moderate = mod.vard.moderate();
    out.push({
      name: '@andersmyrmel/vard',
      detect: async (text) => {
        const r = moderate.safeParse(text);
        return r.safe ? { flagged: false, score: 0 } : { flagged: true, score: Math.max(...r.threats.map((t) => t.severity)) };
      },
    });
  } catch (e) {
    process.stderr.write(`@andersmyrmel/vard not available: ${(e as Error).message}\n`);
  }
  return out;
}

export interface EvalRow extends DetectionMetrics {
  dataset: string;
  detector: string;
  msPerText: number;
}

export async function evaluate(detector: Detector, dataset: string, rows: readonly LabelledText[]): Promise<EvalRow> {
  const scored: Scored[] = [];
  const t0 = process.hrtime.bigint();
  for (const r of rows) {
    const { flagged, score } = await detector.detect(r.text);
    scored.push({ label: r.label, flagged, score });
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { dataset, detector: detector.name, ...detectionMetrics(scored), msPerText: Math.round((ms / rows.length) * 1000) / 1000 };
}

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const datasets: [string, LabelledText[]][] = [];
  const deepset = loadDeepset();
  if (deepset) {
    // The learned weights saw the train half: the held-out half is the honest figure.
    datasets.push(['deepset held-out half (direct)', deepset.filter((r) => deepsetHalf(r.text) === 'heldout')]);
    datasets.push(['deepset full, half trained on (direct)', deepset]);
  }
  else process.stderr.write(`deepset data not found at ${DEEPSET_PATH}: skipping the direct-injection figures\n`);
  datasets.push(['indirect e-mails, dev (synthetic)', indirectEmailSet({ split: 'dev' })]);
  datasets.push(['indirect e-mails, held-out (synthetic)', indirectEmailSet({ split: 'heldout' })]);

  const detectors = [bridge, ...(await peers())];
  const rows: EvalRow[] = [];
  for (const [name, data] of datasets) for (const d of detectors) rows.push(await evaluate(d, name, data));

  const result = { maxFpr: 0.05, flagThreshold: 'detector default', rows };
  if (!opts.json) printTable(rows);
  return result;
}

function printTable(rows: readonly EvalRow[]): void {
  const head = ['dataset', 'detector', 'n', 'precision', 'recall', 'FPR', 'F1', 'recall@FPR≤5%', 'ms/text'];
  const body = rows.map((r) => [r.dataset, r.detector, String(r.n), r.precision.toFixed(3), r.recall.toFixed(3), r.fpr.toFixed(3), r.f1.toFixed(3), r.recallAtMaxFpr.toFixed(3), r.msPerText.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${body.map(line).join('\n')}\n`);
}
