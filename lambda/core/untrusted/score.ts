/**
 * Prompt-injection scoring of CRM free text. Every rule that fires is a finding with a
 * reason code and a weight; the score combines the strongest weight of each reason as
 * independent evidence (noisy-OR: 1 − Π(1 − w)), so one strong signal or two moderate ones
 * flag the text. Cost is linear in the text length.
 *
 * Most text is ordinary, so every stage has a cheap exit: sanitizing returns clean text
 * as is, a word rule runs only when all its word classes occur, the pattern rules only when
 * their combined pattern matches, and payload decoding only when a long base64/hex-like run
 * exists. The exits are exact (they skip only what could
 * not match), so results do not depend on them.
 */
import { BridgeError } from '../errors';
import { spanInText, viewOf } from '../redaction/view';
import { BASE64_RUN, DESTINATION, HEX_RUN, InjectionReason, PATTERN_RULES, WORD_RULES } from './rules';
import { modelEvidence } from './model';
import { sanitizeDetailed } from './sanitize';
import { findSequence, Sentences } from './words';

export interface InjectionScore {
  flagged: boolean;
  /** 0..1 */
  score: number;
  /** Stable reason codes, strongest first. */
  reasons: string[];
}

/** Scores at or above this are flagged. */
export const FLAG_THRESHOLD = 0.5;

export interface Finding {
  readonly reason: InjectionReason;
  readonly weight: number;
  /** Span in the sanitized text; absent for evidence that has no visible span (tag characters). */
  readonly span?: { start: number; end: number };
}

export interface Analysis {
  readonly score: InjectionScore;
  /** The sanitized text the spans refer to. */
  readonly text: string;
  readonly findings: readonly Finding[];
}

const DESTINATION_BOOST = 0.15;
const READABLE_RATIO = 0.95;

export function scoreInjection(text: string): InjectionScore {
  return analyseInjection(text).score;
}

export function analyseInjection(input: string): Analysis {
  if (typeof input !== 'string') {
    throw new BridgeError('VALIDATION_FAILED', 'Text to scan must be a string.', { received: typeof input });
  }
  const clean = sanitizeDetailed(input);
  const findings = [...textFindings(clean.text), ...markupFindings(clean.text)];
  if (clean.tagText.trim() !== '') {
    findings.push({ reason: 'HIDDEN_TEXT', weight: 0.85 });
    for (const f of findAll(clean.tagText, false)) findings.push({ reason: f.reason, weight: f.weight });
  } else if (clean.invisible > 0) {
    findings.push({ reason: 'HIDDEN_TEXT', weight: clean.invisible >= 4 ? 0.4 : 0.25 });
  }
  return { score: combine(findings), text: clean.text, findings };
}

/** The rules' findings on `text`, payloads decoded, and the learned model's. */
function textFindings(text: string): Finding[] {
  const sentences = new Sentences(text);
  const findings = findAll(text, true, sentences);
  // The model judges the text as a whole; it cannot point at the sentence.
  const learned = modelEvidence(sentences.words);
  if (learned > 0) findings.push({ reason: 'CLASSIFIER', weight: learned, span: { start: 0, end: text.length } });
  return findings;
}

function findAll(text: string, decodeNested: boolean, sentences = new Sentences(text)): Finding[] {
  const findings: Finding[] = [];
  for (const rule of WORD_RULES) {
    if (!sentences.allPresent(rule.steps)) continue;
    const span = findSequence(sentences, rule.steps, rule.opts);
    if (span) findings.push({ reason: rule.reason, weight: rule.weight, span });
  }
  for (const rule of ANY_PATTERN.test(text) ? PATTERN_RULES : []) {
    const m = rule.re.exec(text);
    if (m) findings.push({ reason: rule.reason, weight: rule.weight, span: { start: m.index, end: m.index + m[0].length } });
  }
  // A request to move data is stronger when it names where to.
  const exfil = findings.find((f) => f.reason === 'DATA_EXFILTRATION');
  if (exfil && DESTINATION.test(text)) findings.push({ ...exfil, weight: exfil.weight + DESTINATION_BOOST });
  if (decodeNested && sentences.longRun) findings.push(...decodedFindings(text));
  return findings;
}

/**
 * HTML is scored as rendered (the redaction view: references decoded, tags and comments left
 * out) and as written with its references decoded (attributes and comments kept), besides the
 * text itself, so "&#73;gnore", "Ign<b></b>ore previous instructions" or a title attribute of
 * references is read as the agent reads it. Spans of a reading map back to the text as written.
 */
function markupFindings(text: string): Finding[] {
  if (!MARKUP_CHAR.test(text)) return [];
  const findings: Finding[] = [];
  const rendered = viewOf(text);
  // The written reading differs from the rendered one only where a tag or comment is left out: references alone read alike.
  const written = text.includes('&') ? viewOf(text, 'written') : rendered;
  for (const view of written.text === rendered.text ? [rendered] : [rendered, written]) {
    if (view.text === text) continue;
    for (const f of textFindings(view.text)) findings.push(f.span === undefined ? f : { ...f, span: spanInText(view, text, f.span.start, f.span.end) });
  }
  return findings;
}
const MARKUP_CHAR = /[&<]/;

/**
 * All pattern rules as one alternation: it matches somewhere exactly when one of them does,
 * and one native pass over ordinary text is several times cheaper than fifteen. Every rule
 * is case-insensitive or has no letters, so one 'i' flag serves them all.
 */
const ANY_PATTERN = new RegExp(PATTERN_RULES.map((r) => `(?:${r.re.source})`).join('|'), 'i');

/** Base64 or hex runs that decode to readable text are payloads; what they say is scored too. */
function decodedFindings(text: string): Finding[] {
  const out: Finding[] = [];
  for (const [re, decode] of [
    [BASE64_RUN, decodeBase64],
    [HEX_RUN, decodeHex],
  ] as const) {
    for (const m of text.matchAll(re)) {
      const decoded = decode(m[0]);
      if (decoded === undefined || !isReadable(decoded)) continue;
      const span = { start: m.index, end: m.index + m[0].length };
      out.push({ reason: 'ENCODED_PAYLOAD', weight: 0.5, span });
      for (const f of findAll(decoded, false)) out.push({ reason: f.reason, weight: f.weight, span });
    }
  }
  return out;
}

function decodeBase64(run: string): string | undefined {
  const std = run.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  const usable = std.slice(0, std.length - (std.length % 4 === 1 ? 1 : 0));
  try {
    return atob(usable + '='.repeat((4 - (usable.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

function decodeHex(run: string): string {
  const hex = run.replace(/[ :]/g, '');
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** Mostly printable ASCII with at least one space: text, not a key, hash or id. */
function isReadable(s: string): boolean {
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x09) printable++;
  }
  return s.length >= 12 && printable / s.length >= READABLE_RATIO && s.includes(' ');
}

/** Noisy-OR over the strongest finding of each reason. */
export function combine(findings: readonly Finding[]): InjectionScore {
  if (findings.length === 0) return { flagged: false, score: 0, reasons: [] };
  const strongest = new Map<InjectionReason, number>();
  for (const f of findings) strongest.set(f.reason, Math.max(strongest.get(f.reason) ?? 0, Math.min(1, f.weight)));
  let keep = 1;
  for (const w of strongest.values()) keep *= 1 - w;
  const score = Math.round((1 - keep) * 1000) / 1000;
  const reasons = [...strongest.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([r]) => r);
  return { flagged: score >= FLAG_THRESHOLD, score, reasons };
}
