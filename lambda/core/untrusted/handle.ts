/**
 * Free text from the CRM goes back to agents as marked data, never as bare strings: the
 * `untrusted: true` envelope tells the agent runtime (and the MCP server) not to treat it as
 * instructions. Per policy, a suspected injection is only flagged, neutralised (the
 * offending sentences withheld, the rest kept), or dropped.
 */
import { BridgeError } from '../errors';
import { analyseInjection, Finding, InjectionScore } from './score';

export const UNTRUSTED_ACTIONS = ['flag', 'neutralise', 'drop'] as const;
export type UntrustedAction = (typeof UNTRUSTED_ACTIONS)[number];

export interface UntrustedText {
  untrusted: true;
  text: string | null;
  flagged: boolean;
  reasons: string[];
}

export function handleUntrusted(text: string, action: UntrustedAction): { value: UntrustedText; score: InjectionScore } {
  if (!(UNTRUSTED_ACTIONS as readonly string[]).includes(action)) {
    throw new BridgeError('VALIDATION_FAILED', `Unknown untrusted-content action "${String(action)}"; expected one of ${UNTRUSTED_ACTIONS.join(', ')}.`);
  }
  const analysis = analyseInjection(text);
  const { score } = analysis;
  let out: string | null = analysis.text;
  if (score.flagged && action === 'drop') out = null;
  if (score.flagged && action === 'neutralise') out = withhold(analysis.text, analysis.findings);
  return { value: { untrusted: true, text: out, flagged: score.flagged, reasons: score.reasons }, score };
}

/** A sentence ends at a newline, or at . ! ? followed by whitespace (not the dot in "x@evil.example"). */
const endsSentence = (text: string, k: number): boolean =>
  text[k] === '\n' || ('.!?'.includes(text[k]) && (k + 1 === text.length || /\s/.test(text[k + 1])));

/**
 * Replaces each sentence (or line) holding a finding with a visible marker naming the reason.
 * The learned model's finding covers the whole text; it decides only when no rule points at
 * a narrower span.
 */
function withhold(text: string, findings: readonly Finding[]): string {
  const cuts: { start: number; end: number; reason: string }[] = [];
  const localised = findings.filter((f) => f.span && f.reason !== 'CLASSIFIER');
  for (const f of localised.length > 0 ? localised : findings) {
    if (!f.span) continue;
    let start = f.span.start;
    while (start > 0 && !endsSentence(text, start - 1)) start--;
    while (start < f.span.start && /\s/.test(text[start])) start++;
    let end = f.span.end;
    while (end < text.length && !endsSentence(text, end)) end++;
    if (end < text.length && text[end] !== '\n') end++;
    cuts.push({ start, end, reason: f.reason });
  }
  cuts.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const c of cuts) {
    if (c.end <= at) continue;
    out += text.slice(at, Math.max(at, c.start)) + `[withheld: ${c.reason}]`;
    at = c.end;
  }
  return out + text.slice(at);
}
