/**
 * Shared by the PII evaluation and the redaction bench: loading the Presidio corpus, the
 * peers (`redact-pii` SyncRedactor, `@openredaction/openredaction`), and span-overlap scoring.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findEntities } from '../lambda/core/redaction';

export const CORPUS_PATH = join(__dirname, '..', '..', 'shared', 'eval', 'pii', 'synth_dataset_v2.json');

export interface Sample {
  readonly text: string;
  readonly spans: ReadonlyArray<{ type: string; start: number; end: number }>;
}

export function loadCorpus(path = CORPUS_PATH): Sample[] | undefined {
  if (!existsSync(path)) return undefined;
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Array<{
    full_text: string;
    spans: Array<{ entity_type: string; start_position: number; end_position: number }>;
  }>;
  return raw.map((s) => ({
    text: s.full_text,
    spans: s.spans.map((sp) => ({ type: sp.entity_type, start: sp.start_position, end: sp.end_position })),
  }));
}

/** Corpus label → the scored type. Labels not listed (GPE, ORGANIZATION, DATE_TIME, …) are not scored. */
export const GOLD_MAP: Readonly<Record<string, string>> = {
  EMAIL_ADDRESS: 'EMAIL',
  PHONE_NUMBER: 'PHONE',
  CREDIT_CARD: 'CREDIT_CARD',
  US_SSN: 'US_SSN',
  IBAN_CODE: 'IBAN',
  IP_ADDRESS: 'IP_ADDRESS',
  PERSON: 'PERSON',
  STREET_ADDRESS: 'POSTAL_ADDRESS',
};
export const SCORED_TYPES = [...new Set(Object.values(GOLD_MAP))];

export interface Span {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}
export type Detector = (text: string) => Span[];

/** This engine: its own type names already are the scored names. */
export const engineDetector: Detector = (text) => findEntities(text);

/** redact-pii's SyncRedactor with its defaults. */
export function newRedactPii(): { redact(text: string): string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SyncRedactor } = require('redact-pii') as typeof import('redact-pii');
  return new SyncRedactor();
}

/** redact-pii exposes only replaced text; spans are recovered by diffing against its placeholders. */
export function redactPiiDetector(): Detector {
  const redactor = newRedactPii();
  const map: Record<string, string> = {
    EMAIL_ADDRESS: 'EMAIL',
    PHONE_NUMBER: 'PHONE',
    CREDIT_CARD_NUMBER: 'CREDIT_CARD',
    US_SOCIAL_SECURITY_NUMBER: 'US_SSN',
    IP_ADDRESS: 'IP_ADDRESS',
    PERSON_NAME: 'PERSON',
    STREET_ADDRESS: 'POSTAL_ADDRESS',
  };
  return (text) => spansFromReplacement(text, redactor.redact(text), /\b([A-Z][A-Z_]+[A-Z])\b/g, map);
}

/**
 * Align a redacted string with its input: walk both, and where the output has a placeholder
 * token, the input span runs until the next literal text of the output resumes.
 */
export function spansFromReplacement(input: string, output: string, placeholder: RegExp, map: Record<string, string>): Span[] {
  const spans: Span[] = [];
  let i = 0;
  let o = 0;
  const marks = [...output.matchAll(placeholder)].filter((m) => map[m[1]] !== undefined);
  for (const m of marks) {
    const literal = output.slice(o, m.index);
    const at = input.indexOf(literal, i);
    if (at === -1) break;
    i = at + literal.length;
    o = m.index + m[0].length;
    const nextMark = marks.find((x) => x.index >= o);
    const follow = output.slice(o, nextMark ? nextMark.index : output.length).slice(0, 12);
    const end = follow.length > 0 ? input.indexOf(follow, i + 1) : input.length;
    if (end === -1) break;
    spans.push({ type: map[m[1]], start: i, end });
    i = end;
  }
  return spans;
}

/** openredaction with learning off, so every call sees the same engine. */
export function newOpenRedaction(): { detect(text: string): unknown } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('@openredaction/openredaction') as {
    OpenRedaction: new (opts: Record<string, unknown>) => { detect(text: string): unknown };
  };
  return new mod.OpenRedaction({ enableLearning: false });
}

export async function openRedactionDetector(): Promise<Detector> {
  const shield = newOpenRedaction();
  const map: Record<string, string> = {
    EMAIL: 'EMAIL',
    PHONE: 'PHONE',
    PHONE_US: 'PHONE',
    PHONE_UK: 'PHONE',
    PHONE_UK_MOBILE: 'PHONE',
    PHONE_INTERNATIONAL: 'PHONE',
    PHONE_LINE_NUMBER: 'PHONE',
    CREDIT_CARD: 'CREDIT_CARD',
    SSN: 'US_SSN',
    IBAN: 'IBAN',
    UK_BANK_ACCOUNT_IBAN: 'IBAN',
    IPV4: 'IP_ADDRESS',
    IPV6: 'IP_ADDRESS',
    NAME: 'PERSON',
    ADDRESS_STREET: 'POSTAL_ADDRESS',
    ADDRESS_PO_BOX: 'POSTAL_ADDRESS',
    POSTCODE_UK: 'POSTAL_ADDRESS',
    ZIP_CODE_US: 'POSTAL_ADDRESS',
  };
  return (text) => {
    const res = shield.detect(text) as unknown;
    const r = (res instanceof Promise ? undefined : res) as { detections?: Array<{ type: string; position: [number, number] }> } | undefined;
    return (r?.detections ?? []).flatMap((d) => {
      const t = map[d.type];
      return t ? [{ type: t, start: d.position[0], end: d.position[1] }] : [];
    });
  };
}

export interface TypeScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/**
 * Per type, by span overlap: a gold span is found if any predicted span of its type
 * overlaps it; a predicted span is correct if it overlaps a gold span of its type.
 * Predicted types that the corpus does not label are not scored.
 */
export function score(samples: readonly Sample[], detect: Detector): { perType: Record<string, TypeScore>; piiFreeAltered: number; piiFree: number } {
  const acc: Record<string, { tpGold: number; gold: number; tpPred: number; pred: number }> = {};
  for (const t of SCORED_TYPES) acc[t] = { tpGold: 0, gold: 0, tpPred: 0, pred: 0 };
  let piiFree = 0;
  let piiFreeAltered = 0;
  for (const s of samples) {
    const predicted = detect(s.text);
    if (s.spans.length === 0) {
      piiFree++;
      if (predicted.length > 0) piiFreeAltered++;
    }
    const gold = s.spans.flatMap((g) => (GOLD_MAP[g.type] ? [{ ...g, type: GOLD_MAP[g.type] }] : []));
    for (const g of gold) {
      acc[g.type].gold++;
      if (predicted.some((p) => p.type === g.type && overlaps(p, g))) acc[g.type].tpGold++;
    }
    for (const p of predicted) {
      if (!acc[p.type]) continue;
      acc[p.type].pred++;
      if (gold.some((g) => g.type === p.type && overlaps(p, g))) acc[p.type].tpPred++;
    }
  }
  const perType: Record<string, TypeScore> = {};
  for (const [t, a] of Object.entries(acc)) {
    const precision = a.pred === 0 ? 0 : a.tpPred / a.pred;
    const recall = a.gold === 0 ? 0 : a.tpGold / a.gold;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perType[t] = { tp: a.tpGold, fp: a.pred - a.tpPred, fn: a.gold - a.tpGold, precision, recall, f1 };
  }
  return { perType, piiFreeAltered, piiFree };
}
