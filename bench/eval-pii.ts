/**
 * PII accuracy on the Presidio research corpus: this engine beside `redact-pii` and
 * `@openredaction/openredaction`, same data, same span-overlap scoring, same run.
 */
import { CORPUS_PATH, engineDetector, loadCorpus, openRedactionDetector, redactPiiDetector, score, SCORED_TYPES, type Detector } from './pii-scoring';

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const samples = loadCorpus();
  if (!samples) {
    const skipped = { skipped: `PII corpus not found at ${CORPUS_PATH}` };
    if (!opts.json) console.log(skipped.skipped + ': no figures.');
    return skipped;
  }
  const detectors: Record<string, Detector> = {
    engine: engineDetector,
    'redact-pii': redactPiiDetector(),
    openredaction: await openRedactionDetector(),
  };
  const results: Record<string, ReturnType<typeof score>> = {};
  for (const [name, detect] of Object.entries(detectors)) results[name] = score(samples, detect);
  const report = { corpus: 'presidio-research synth_dataset_v2.json', samples: samples.length, results };
  if (!opts.json) {
    const names = Object.keys(results);
    console.log(`PII evaluation, ${samples.length} samples, span overlap, F1 (precision/recall)`);
    console.log(['type'.padEnd(16), ...names.map((n) => n.padEnd(22))].join(''));
    for (const t of SCORED_TYPES) {
      const cells = names.map((n) => {
        const s = results[n].perType[t];
        return `${s.f1.toFixed(3)} (${s.precision.toFixed(2)}/${s.recall.toFixed(2)})`.padEnd(22);
      });
      console.log([t.padEnd(16), ...cells].join(''));
    }
    console.log(['PII-free altered'.padEnd(16), ...names.map((n) => `${results[n].piiFreeAltered}/${results[n].piiFree}`.padEnd(22))].join(''));
  }
  return report;
}

if (require.main === module) void run({ json: process.argv.includes('--json') }).then((r) => process.argv.includes('--json') && console.log(JSON.stringify(r)));
