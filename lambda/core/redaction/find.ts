import { ENTITY_PRIORITY, type Entity } from './entities';
import { findPersons } from './person';
import { addresses, birthDates, caSins, cards, emails, ibans, ips, ninos, phones, secrets, usIds } from './recognizers';
import { LOOKALIKE, scan, type Scan } from './scan';

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
 *
 * One scan first (scan.ts: tokens, numbers, marker characters); a recognizer runs only
 * when the text can hold its entity (a card needs a number of 12 digits, a phone 7, a keyword
 * secret its keyword and a ':' or '='), and each recognizer's regex only proposes candidates
 * for its validator.
 *
 * Characters that read as ASCII ones (scan.ts LOOKALIKE: "٠٥٠ ١٢٣ ٤٥٦٧", no-break spaces,
 * fullwidth "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ") are read as those: the recognizers see what a
 * reader sees, at the same offsets.
 */
export function findEntities(text: string, opts: FindOptions = {}): Entity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const s = scan(text);
  if (!s.lookalikes) return findIn(text, s, opts);
  const view = asciiView(text);
  return findIn(view, scan(view), opts).map((e) => ({ ...e, value: text.slice(e.start, e.end) }));
}

function findIn(text: string, s: Scan, opts: FindOptions): Entity[] {
  const cands: Entity[] = [];
  secrets(text, cands, s);
  if (s.at) emails(text, cands);
  if (s.digits > 0) {
    if (s.letterDigit && s.digits >= 2) ibans(text, cands);
    if (s.maxNumber >= 12) cards(text, cands, s);
    if (s.maxNumber >= 9) usIds(text, cands, s);
    if (s.maxNumber >= 6 && NINO_HINT.test(text)) ninos(text, cands, s);
    if (s.maxNumber >= 9 && SIN_HINT.test(text)) caSins(text, cands, s);
    ips(text, cands, s);
    if (s.dateLike && BIRTH_HINT.test(text)) birthDates(text, cands);
    if (s.maxNumber >= 7) phones(text, cands, s);
    addresses(text, cands, s);
  }
  findPersons(text, s, opts.knownNames ?? [], cands);
  return cands.length < 2 ? resolveOverlaps(cands) : keepBest(cands.sort(rank));
}

const DIGIT = /\p{Nd}/u;
/** The ASCII character each LOOKALIKE reads as, by code point. */
const asAscii = new Map<number, string>();
function asciiOf(ch: string): string {
  const c = ch.charCodeAt(0);
  let ascii = asAscii.get(c);
  if (ascii === undefined) {
    if (c >= 0xff01 && c <= 0xff5e) ascii = String.fromCharCode(c - 0xfee0); // fullwidth forms mirror ASCII
    else if (DIGIT.test(ch)) {
      // Unicode encodes every script's digits 0–9 as ten consecutive code points.
      let zero = c;
      while (DIGIT.test(String.fromCharCode(zero - 1))) zero--;
      ascii = String((c - zero) % 10);
    } else ascii = ' ';
    asAscii.set(c, ascii);
  }
  return ascii;
}
/**
 * `text` with each LOOKALIKE as the ASCII character it reads as. Only characters of one UTF-16
 * unit are read (all but a few historic scripts' digits; sanitize folds the mathematical ones):
 * the view has the text's length, so offsets into it are offsets into the text.
 */
function asciiView(text: string): string {
  const parts: string[] = [];
  let from = 0;
  for (let k = 0; k < text.length; k++) {
    if (text.charCodeAt(k) < 128 || !LOOKALIKE.test(text[k])) continue;
    parts.push(text.slice(from, k), asciiOf(text[k]));
    from = k + 1;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

const rank = (a: Entity, b: Entity): number =>
  ENTITY_PRIORITY[b.type] - ENTITY_PRIORITY[a.type] ||
  b.end - b.start - (a.end - a.start) ||
  a.start - b.start ||
  (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

/** Keep candidates best-ranked first, dropping any that overlaps one kept; the result is sorted by start. */
export function resolveOverlaps(cands: readonly Entity[]): Entity[] {
  if (cands.length < 2) return cands.filter((c) => c.end > c.start);
  return keepBest([...cands].sort(rank));
}

/** resolveOverlaps of candidates already sorted by rank. */
function keepBest(ranked: readonly Entity[]): Entity[] {
  const kept: Entity[] = [];
  for (const c of ranked) {
    if (c.end <= c.start) continue;
    // kept is sorted by start and non-overlapping: only the neighbours of c's slot can overlap it.
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid].start < c.start) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && kept[lo - 1].end > c.start) continue;
    if (lo < kept.length && kept[lo].start < c.end) continue;
    kept.splice(lo, 0, c);
  }
  return kept;
}
