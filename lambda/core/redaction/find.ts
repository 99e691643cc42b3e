import { ENTITY_PRIORITY, type Entity } from './entities';
import { findPersons } from './person';
import { addresses, birthDates, caSins, cards, emails, ibans, ips, ninos, phones, secrets, usIds } from './recognizers';
import { scan, type Scan } from './scan';
import { markupOnly, viewOf } from './view';

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
 * A text with characters a reader does not see as stored (view.ts: zero-width and bidi
 * characters, digits of other scripts, no-break spaces, fullwidth forms, HTML markup) is read
 * through its view: what is found there maps back to the text, hidden characters inside an
 * entity included. The view leaves tags and comments out, so their text is also read as written
 * (markupOnly: "<a href=\"mailto:…\">"), and both finds are resolved together.
 */
export function findEntities(text: string, opts: FindOptions = {}): Entity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const names = spellings(opts.knownNames ?? []);
  const s = scan(text);
  if (!s.needsView) return findIn(text, s, names);
  const markup = s.markup; // the next scan overwrites s
  const view = viewOf(text);
  const seen = findIn(view.text, scan(view.text), names).map((e) => {
    const start = view.from[e.start];
    const end = view.to[e.end - 1];
    return { type: e.type, start, end, value: text.slice(start, end) };
  });
  if (!markup) return seen;
  // Attribute values and comments, which the view leaves out, at their own offsets.
  const tags = markupOnly(text);
  const inTags = findIn(tags, scan(tags), names);
  return inTags.length === 0 ? seen : resolveOverlaps([...seen, ...inTags]);
}

/**
 * The record's names as a text may spell them: as given, composed and decomposed (NFC, NFD: a
 * sanitized note is NFC, a name field may not be), and as the view reads them. The last list
 * is kept (a record's fields share their names) and no longer than the next call with names.
 */
let namesKey = '';
let namesSpelt: readonly string[] = [];
function spellings(names: readonly string[]): readonly string[] {
  if (names.length === 0) return names;
  const key = names.join('\u0000');
  if (key !== namesKey) {
    const forms = new Set<string>();
    for (const name of names) for (const form of [name, name.normalize('NFC'), name.normalize('NFD'), viewOf(name).text]) forms.add(form);
    namesKey = key;
    namesSpelt = [...forms];
  }
  return namesSpelt;
}

function findIn(text: string, s: Scan, knownNames: readonly string[]): Entity[] {
  const cands: Entity[] = [];
  secrets(text, cands, s);
  if (s.at || s.obfuscatedAt) emails(text, cands);
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
  findPersons(text, s, knownNames, cands);
  return cands.length < 2 ? resolveOverlaps(cands) : keepBest(cands.sort(rank));
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
