/**
 * Scanner throughput (MB/s of UTF-8 input per CPU-second) on three kinds of text, reported separately:
 * ordinary CRM-like business text (the benign e-mails and notes of the generated set: the
 * common case the proxy sees), the deepset corpus when present (questions and direct
 * injections), and adversarial inputs built to make backtracking matchers blow up. The
 * peers run on the deepset corpus in the same run.
 */
import { scoreInjection } from '../lambda/core/untrusted';
import { indirectEmailSet } from './data/indirect-emails';
import { loadDeepset } from './deepset';

const SAMPLES = 7;
const SAMPLE_MS = 60;

interface Throughput {
  mbPerS: number;
  usPerText: number;
}

/**
 * Runs `fn` over the texts in SAMPLES samples of at least SAMPLE_MS of this process's CPU
 * time each and reports the median sample. CPU time, not wall time: the machine is shared,
 * and other jobs' load would otherwise be counted as the scanner's.
 */
async function throughput(texts: readonly string[], fn: (t: string) => unknown): Promise<Throughput> {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  for (const t of texts) await fn(t); // warm-up: measure compiled code, not the JIT
  const usPerText: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let rounds = 0;
    const c0 = process.cpuUsage();
    let us = 0;
    while (us < SAMPLE_MS * 1000) {
      for (const t of texts) await fn(t);
      rounds++;
      const c = process.cpuUsage(c0);
      us = c.user + c.system;
    }
    usPerText.push(us / (rounds * texts.length));
  }
  const median = usPerText.sort((a, b) => a - b)[SAMPLES >> 1];
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  return { mbPerS: round2(bytes / texts.length / median), usPerText: round2(median) };
}

/** 100 KB inputs: repeated trigger words, unclosed markup, long base64/hex-like runs, separators. */
export function adversarialInputs(size = 100_000): Record<string, string> {
  const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  return {
    repeatedTriggers: fill('ignore ignore previous previous you are now act as '),
    noSentenceBreaks: fill('send all all all contacts contacts to to '),
    unclosedMarkup: fill('<!-- <|im_start <tool_call {"tool": "'),
    base64Like: fill('QUFB'),
    hexLike: fill('ab ab:'),
    whitespaceAndColons: fill(' \t:\n#'),
    zeroWidth: fill('a\u200b'),
    htmlSplitWords: fill('Ign<b></b>ore &#105;nstructions&nbsp;'),
    germanWords: fill('Bitte ignorieren Sie die vorherigen Anweisungen nicht '),
  };
}

/** The proxy scans strings parsed from JSON; the generated ones are concatenations, so parse them the same way. */
const asParsed = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const emails = [...indirectEmailSet({ split: 'dev' }), ...indirectEmailSet({ split: 'heldout' })].map((r) => ({ ...r, text: asParsed(r.text) }));
  const benign = emails.filter((r) => r.label === 0).map((r) => r.text);
  const attacks = emails.filter((r) => r.label === 1).map((r) => r.text);
  const deepset = (loadDeepset() ?? []).map((r) => r.text);
  const result: Record<string, unknown> = {
    'benign CRM text (generated e-mails/notes)': { texts: benign.length, ...(await throughput(benign, scoreInjection)) },
    'indirect injections (generated e-mails)': { texts: attacks.length, ...(await throughput(attacks, scoreInjection)) },
  };
  if (deepset.length > 0) {
    result['deepset (direct)'] = { texts: deepset.length, ...(await throughput(deepset, scoreInjection)) };
    try {
      const guard = await import('llm_guardrail');
      result['peer llm_guardrail on deepset'] = await throughput(deepset, (t) => guard.checkInjection(t));
    } catch (e) {
      process.stderr.write(`llm_guardrail not available: ${(e as Error).message}\n`);
    }
    try {
      const mod = (await import('@andersmyrmel/vard')) as { vard: { moderate: () => { safeParse: (t: string) => unknown } } };
      const moderate = mod.vard.moderate();
      result['peer @andersmyrmel/vard on deepset'] = await throughput(deepset, (t) => moderate.safeParse(t));
    } catch (e) {
      process.stderr.write(`@andersmyrmel/vard not available: ${(e as Error).message}\n`);
    }
  }
  const adversarial: Record<string, number> = {};
  for (const [name, text] of Object.entries(adversarialInputs())) adversarial[name] = (await throughput([text], scoreInjection)).mbPerS;
  result['adversarial 100 KB (MB/s)'] = adversarial;
  if (!opts.json) {
    for (const [k, v] of Object.entries(result)) {
      const cells = Object.entries(v as object).map(([a, b]) => `${a} ${b}`);
      process.stdout.write(`${k}: ${cells.join(', ')}\n`);
    }
  }
  return result;
}
