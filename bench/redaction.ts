/**
 * Free-text redaction throughput (MB/s of UTF-8 input) for this engine and both peers on
 * the same corpus in one run, plus this engine on adversarial inputs built to trigger
 * regex backtracking. The engine and redact-pii (the ratio the budget names) run in
 * alternating rounds, so a change of machine load weighs on both alike.
 */
import { findEntities } from '../lambda/core/redaction';
import { CORPUS_PATH, loadCorpus, openRedactionDetector, redactPiiDetector, type Detector } from './pii-scoring';

/** Long runs of the characters recognizers anchor on. */
export function adversarialInputs(size = 200_000): Record<string, string> {
  return {
    digits: '1'.repeat(size),
    'digit-space': '1 '.repeat(size / 2),
    dots: '.'.repeat(size),
    'digit-dot': '1.'.repeat(size / 2),
    at: '@'.repeat(size),
    'a-at': 'a@'.repeat(size / 2),
    spaces: ' '.repeat(size),
    capitals: 'Ab '.repeat(size / 3),
    'hex-colon': 'a:'.repeat(size / 2),
    'dash-digits': '12-'.repeat(size / 3),
  };
}

function mbPerSec(texts: readonly string[], detect: Detector, minMs = 1500): number {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  for (const t of texts) detect(t); // warm-up
  let rounds = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs || rounds === 0) {
    for (const t of texts) detect(t);
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (bytes * rounds) / 1e6 / (elapsed / 1000);
}

/** MB/s of each detector over `texts`, the detectors taking turns one pass at a time until each has run `minMs`. */
function interleavedMbPerSec(texts: readonly string[], detectors: Record<string, Detector>, minMs = 3000): Record<string, number> {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  const entries = Object.entries(detectors);
  for (const [, detect] of entries) for (const t of texts) detect(t); // warm-up
  const ns = entries.map(() => 0n);
  const rounds = entries.map(() => 0);
  while (ns.some((n) => Number(n) / 1e6 < minMs)) {
    entries.forEach(([, detect], i) => {
      const start = process.hrtime.bigint();
      for (const t of texts) detect(t);
      ns[i] += process.hrtime.bigint() - start;
      rounds[i]++;
    });
  }
  return Object.fromEntries(entries.map(([name], i) => [name, (bytes * rounds[i]) / 1e6 / (Number(ns[i]) / 1e9)]));
}

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const samples = loadCorpus();
  if (!samples) {
    const skipped = { skipped: `PII corpus not found at ${CORPUS_PATH}` };
    if (!opts.json) console.log(skipped.skipped + ': no figures.');
    return skipped;
  }
  const texts = samples.map((s) => s.text);
  const engine: Detector = (t) => findEntities(t);
  const mbps: Record<string, number> = {
    ...interleavedMbPerSec(texts, { engine, 'redact-pii': redactPiiDetector() }),
    openredaction: mbPerSec(texts, await openRedactionDetector()),
  };
  const adversarial: Record<string, number> = {};
  for (const [name, text] of Object.entries(adversarialInputs())) adversarial[name] = mbPerSec([text], engine, 300);
  const report = {
    corpusBytes: texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0),
    mbPerSec: mbps,
    ratioVsRedactPii: mbps.engine / mbps['redact-pii'],
    ratioVsOpenRedaction: mbps.engine / mbps.openredaction,
    adversarialMbPerSec: adversarial,
  };
  if (!opts.json) {
    console.log(`Free-text redaction throughput on ${(report.corpusBytes / 1024).toFixed(1)} KiB (${texts.length} samples)`);
    for (const [k, v] of Object.entries(mbps)) console.log(`  ${k.padEnd(14)} ${v.toFixed(2)} MB/s`);
    console.log(`  engine / redact-pii = ${report.ratioVsRedactPii.toFixed(1)}x, engine / openredaction = ${report.ratioVsOpenRedaction.toFixed(1)}x`);
    console.log('Adversarial inputs (engine, 200 KB each):');
    for (const [k, v] of Object.entries(adversarial)) console.log(`  ${k.padEnd(14)} ${v.toFixed(2)} MB/s`);
  }
  return report;
}

if (require.main === module) void run({ json: process.argv.includes('--json') }).then((r) => process.argv.includes('--json') && console.log(JSON.stringify(r)));
