import { ENTITY_PRIORITY, type Entity } from './entities';
import { findPersons } from './person';
import { addresses, birthDates, caSins, cards, emails, ibans, ips, ninos, phones, secrets, usIds } from './recognizers';

const DIGIT = /\d/;
const SECRET_HINT = /AKIA|ASIA|ABIA|ACCA|eyJ|xox|_live_|_test_|gh[pousr]_|github_pat_|pat-|00D|:\/\/|-----BEGIN|pass|pwd|secret|key|token|bearer/i;

const NINO_HINT = /[A-Z]{2} ?\d\d/;
const SIN_HINT = /\bsin\b|social insurance/i;
const BIRTH_HINT = /born|birth|dob|d\.o\.b|geboren|née/i;

export interface FindOptions {
  /** The record's own name fields: found in its free text whatever the casing or context. */
  readonly knownNames?: readonly string[];
}

/**
 * All recognised entities of `text`: sorted by start, non-overlapping. Overlaps resolve
 * deterministically: higher type priority (more specific) first, then the longer span,
 * then the earlier start.
 */
export function findEntities(text: string, opts: FindOptions = {}): Entity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const cands: Entity[] = [];
  // Cheap gates: most recognizers need a digit, an '@' or a secret-ish marker to match at all.
  if (SECRET_HINT.test(text)) secrets(text, cands);
  if (text.includes('@')) emails(text, cands);
  if (DIGIT.test(text)) {
    ibans(text, cands);
    cards(text, cands);
    usIds(text, cands);
    if (NINO_HINT.test(text)) ninos(text, cands);
    if (SIN_HINT.test(text)) caSins(text, cands);
    ips(text, cands);
    if (BIRTH_HINT.test(text)) birthDates(text, cands);
    phones(text, cands);
    addresses(text, cands);
  }
  cands.push(...findPersons(text, opts.knownNames ?? []));
  return resolveOverlaps(cands, text.length);
}

export function resolveOverlaps(cands: readonly Entity[], length: number): Entity[] {
  const ranked = [...cands].sort(
    (a, b) =>
      ENTITY_PRIORITY[b.type] - ENTITY_PRIORITY[a.type] ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start ||
      (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
  );
  const taken = new Uint8Array(length);
  const kept: Entity[] = [];
  for (const c of ranked) {
    let free = c.end > c.start;
    for (let k = c.start; free && k < c.end; k++) if (taken[k]) free = false;
    if (!free) continue;
    taken.fill(1, c.start, c.end);
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
