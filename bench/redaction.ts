/**
 * Free-text redaction throughput (MB/s of UTF-8 input) for this engine and both peers on
 * the same corpus in one run, plus this engine on adversarial inputs built to trigger
 * regex backtracking.
 *
 * - Each library is timed on its own call, text in and redacted text out: this engine as
 *   `npx bridge redact --jsonl` runs it per line (`Redactor.redactText`, every entity replaced
 *   by `[TYPE]`), redact-pii's `SyncRedactor.redact`, openredaction's `detect` (which also
 *   returns its redacted text). Recovering spans from redact-pii's output, which the evaluation
 *   needs, is not charged to it.
 * - The engine runs as it ships: bundled with the house esbuild options (HOUSE_ESBUILD:
 *   minified ESM for Node 24, as every bridge function is bundled; the bench's own Node runs
 *   it). The same code run from the TypeScript sources through tsx is printed beside it.
 * - The libraries take turns of at least TURN_MS each until every one has run MIN_MS: a change
 *   of machine load over the seconds of the run weighs on all of them alike, and a turn is long
 *   enough that little of one library's garbage is collected in another's turn (no GC is
 *   forced between turns).
 * - Every pass reads the same corpus, as a warm process reading similar CRM text would; caches
 *   that depend on the text (the engine's recent-word cache) are warmer than on new text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { newCliRedactor } from '../cli/redact';
import type { Redactor } from '../lambda/core/redaction';
import { FNV_OFFSET, FNV_PRIME, tokenClass } from '../lambda/core/redaction/lexicon';
import { HOUSE_ESBUILD } from './house-esbuild';
import { CORPUS_PATH, loadCorpus, newOpenRedaction, newRedactPii } from './pii-scoring';

type Run = (text: string) => unknown;
const TURN_MS = 300;
const MIN_MS = 3000;

/** Long runs of the characters recognizers anchor on. */
export function adversarialInputs(size = 200_000): Record<string, string> {
  return {
    digits: '1'.repeat(size),
    'digit-space': '1 '.repeat(size / 2),
    dots: '.'.repeat(size),
    'digit-dot': '1.'.repeat(size / 2),
    at: '@'.repeat(size),
    'a-at': 'a@'.repeat(size / 2),
    // Obfuscated addresses (recognizers.ts emails): bare at-words, and at-words and dot-words chained on.
    'bracket-at': '(at)'.repeat(size / 4),
    'at-dot': 'a(at)b [dot] '.repeat(size / 12),
    'upper-at-dot': 'Ab AT Ab DOT '.repeat(size / 13),
    // Addresses chained on one another, each domain the next one's local part.
    'chained-at': 'ab.cd@'.repeat(size / 6),
    spaces: ' '.repeat(size),
    capitals: 'Ab '.repeat(size / 3),
    'hex-colon': 'a:'.repeat(size / 2),
    'dash-digits': '12-'.repeat(size / 3),
    // Characters the recognizers read through a view (view.ts): each one changed or left out there.
    'arabic-digits': '\u0661\u0662-'.repeat(size / 3),
    'nbsp-digits': '1\u00a0'.repeat(size / 2),
    'zero-width': '12\u200b'.repeat(size / 3),
    // HTML the view reads as rendered (view.ts): references, tags, comments that never close, dashes between digits.
    'char-refs': '1&#64;'.repeat(size / 6),
    tags: '1<b>'.repeat(size / 4),
    'open-comments': '<!--1'.repeat(size / 5),
    // Quoted attribute values, which hold '<' and '>': each tag's quote closes in the next one, or tags start inside quotes.
    'quoted-tags': '1<b a=">'.repeat(size / 8),
    'tags-in-quotes': '="<b\t"'.repeat(size / 6),
    // Each tag's quoted value opens inside the last one's, and every tag reads on to the end: where a tag closes after a quote is worked out once.
    'quote-chain': `<b a="${'<b y=\'" c="'.repeat(size / 11)}`,
    'en-dash-digits': '1\u2013'.repeat(size / 2),
    // Birth labels, each before a date in brackets (recognizers.ts birthDates): each date reads only the 40 characters before it.
    'birth-dates': 'geb. (1985-03-12) né le 12 Mar 85 DOB '.repeat(size / 38),
    // Comments that close only at the end, after which a dash's look-ahead would find the far '-->'.
    'en-dash-comments': `${'1\u2013<!--'.repeat(size / 6)}--><!-- -->1`,
    // Secret shapes (recognizers.ts secrets): vendor prefixes that never complete, and credentials read after their word.
    'token-prefixes': 'sk-ant-x glpat-x SG.x xapp-1-x AIzax npm_x whsec_x '.repeat(size / 51),
    'basic-curl-sig': 'curl -u a:bcd Basic dXNlcjpwYXNz AccountKey=abc &sig=abc '.repeat(size / 57),
    // Number-first streets (recognizers.ts STREET, FRENCH_STREET) that never reach a street type or a name.
    'french-streets': '12 rue de la '.repeat(size / 13),
    'ordinal-streets': '1 5th '.repeat(size / 6),
  };
}

const utf8Bytes = (texts: readonly string[]): number => texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);

/** MB/s of each runner over `texts`, in alternating turns of at least `turnMs` until each has run `minMs`. */
function turnsMbPerSec(texts: readonly string[], runners: Record<string, Run>, minMs = MIN_MS, turnMs = TURN_MS): Record<string, number> {
  const bytes = utf8Bytes(texts);
  const entries = Object.entries(runners);
  for (const [, run] of entries) for (const t of texts) run(t); // warm-up
  const ns = entries.map(() => 0n);
  const passes = entries.map(() => 0);
  while (ns.some((n) => Number(n) / 1e6 < minMs)) {
    entries.forEach(([, run], i) => {
      const start = process.hrtime.bigint();
      let elapsed = 0n;
      do {
        for (const t of texts) run(t);
        passes[i]++;
        elapsed = process.hrtime.bigint() - start;
      } while (Number(elapsed) / 1e6 < turnMs);
      ns[i] += elapsed;
    });
  }
  return Object.fromEntries(entries.map(([name], i) => [name, (bytes * passes[i]) / 1e6 / (Number(ns[i]) / 1e9)]));
}

const redactWith = (redactor: Redactor): Run => (t) => redactor.redactText(t).text;

/**
 * The least an engine of this design does per text, timed beside the others: read every
 * character, hash every word (the keyword gates need that), and look each capitalised word up
 * in the name lexicon once (lexicon.ts tokenClass), with no recognizer, decision or output. Its
 * ratio to redact-pii bounds what a rewrite that keeps lexicon-based PERSON detection could reach.
 */
function wordLookupFloor(t: string): number {
  let bits = 0;
  for (let k = 0; k < t.length; ) {
    if (!isWordChar(t.charCodeAt(k))) {
      k++;
      continue;
    }
    const s = k;
    let h = FNV_OFFSET;
    for (; k < t.length && isWordChar(t.charCodeAt(k)); k++) h = Math.imul(h ^ (t.charCodeAt(k) | 32), FNV_PRIME);
    const first = t.charCodeAt(s);
    if (first >= 65 && first <= 90) bits |= tokenClass(t, s, k, h, false);
    else bits |= h & 1; // every hash is used, so the hashing cannot be optimised away
  }
  return bits;
}
const isWordChar = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;

/** The CLI's redaction, bundled as the house bundles a function. */
async function shippedEngine(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-redaction-'));
  try {
    const outfile = join(dir, 'redact.mjs');
    await build({ ...HOUSE_ESBUILD, entryPoints: [join(__dirname, '..', 'cli', 'redact.ts')], bundle: true, outfile, logLevel: 'silent' });
    const mod = (await import(pathToFileURL(outfile).href)) as { newCliRedactor: typeof newCliRedactor };
    return redactWith(mod.newCliRedactor(false));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const samples = loadCorpus();
  if (!samples) {
    const skipped = { skipped: `PII corpus not found at ${CORPUS_PATH}` };
    if (!opts.json) console.log(skipped.skipped + ': no figures.');
    return skipped;
  }
  const texts = samples.map((s) => s.text);
  const engine = await shippedEngine();
  const redactor = newRedactPii();
  const shield = newOpenRedaction();
  const mbps = turnsMbPerSec(texts, {
    engine,
    'engine (tsx source)': redactWith(newCliRedactor(false)),
    'redact-pii': (t) => redactor.redact(t),
    openredaction: (t) => shield.detect(t),
    'word-lookup floor': wordLookupFloor,
  });
  const adversarial: Record<string, number> = {};
  for (const [name, text] of Object.entries(adversarialInputs())) adversarial[name] = turnsMbPerSec([text], { engine }, 300, 100).engine;
  const report = {
    corpusBytes: utf8Bytes(texts),
    mbPerSec: mbps,
    ratioVsRedactPii: mbps.engine / mbps['redact-pii'],
    ratioVsOpenRedaction: mbps.engine / mbps.openredaction,
    floorRatioVsRedactPii: mbps['word-lookup floor'] / mbps['redact-pii'],
    adversarialMbPerSec: adversarial,
  };
  if (!opts.json) {
    console.log(`Free-text redaction throughput on ${(report.corpusBytes / 1024).toFixed(1)} KiB (${texts.length} samples), turns of ${TURN_MS} ms`);
    for (const [k, v] of Object.entries(mbps)) console.log(`  ${k.padEnd(20)} ${v.toFixed(2)} MB/s`);
    console.log(`  engine / redact-pii = ${report.ratioVsRedactPii.toFixed(1)}x, engine / openredaction = ${report.ratioVsOpenRedaction.toFixed(1)}x`);
    console.log(`  word-lookup floor / redact-pii = ${report.floorRatioVsRedactPii.toFixed(1)}x (every character read, every word hashed, every capitalised word looked up, nothing else)`);
    console.log('Adversarial inputs (engine, 200 KB each):');
    for (const [k, v] of Object.entries(adversarial)) console.log(`  ${k.padEnd(20)} ${v.toFixed(2)} MB/s`);
  }
  return report;
}

if (require.main === module) void run({ json: process.argv.includes('--json') }).then((r) => process.argv.includes('--json') && console.log(JSON.stringify(r)));
