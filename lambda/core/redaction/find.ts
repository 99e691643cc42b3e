import { ENTITY_PRIORITY, type Entity } from './entities';
import { findPersons } from './person';
import { addresses, BIRTH_HINT, birthDates, caSins, cards, emails, ibans, ips, ninos, phones, secrets, SIN_HINT, usIds } from './recognizers';
import { scan, type Scan } from './scan';
import { markupSpans, spanInText, viewOf, type View } from './view';

const NINO_HINT = /[A-Z]{2} ?\d\d/;

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
 * secret a word of its key), and each recognizer's regex only proposes candidates
 * for its validator.
 *
 * A text with characters a reader does not see as stored (view.ts: zero-width and bidi
 * characters, digits of other scripts, no-break spaces, fullwidth forms, HTML markup) is read
 * through its view: what is found there maps back to the text, hidden characters inside an
 * entity included. HTML (tags, comments, character references) is read both rendered and as
 * written, as an agent reads its markup ("<span>078-05-1120</span><span>SSN</span>",
 * "<a href=\"mailto:john&#64;x.org\">"): references read as their characters in both; cover
 * keeps what either reading finds.
 */
export function findEntities(text: string, opts: FindOptions = {}): Entity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const names = spellings(opts.knownNames ?? []);
  const s = scan(text);
  if (!s.needsView) return findIn(text, s, names);
  const markup = s.markup; // the next scan overwrites s
  // The text as stored counts too: what the view leaves out or reads as a digit may glue one onto an entity
  // ("4111 1111 1111 1111\u200b7", "…1111&#8203;7"). Not its names: a reference may end the word ("Mai&#108;" is "Mail").
  const raw = findIn(text, s, names).filter((e) => e.type !== 'PERSON');
  const seen = findThrough(text, viewOf(text), names);
  // An agent reads HTML as written as well as rendered: with markup, both readings count.
  const written = markup ? findThrough(text, viewOf(text, 'written'), names) : [];
  return cover(text, [...seen, ...written].sort(rank).concat(raw.sort(rank)));
}

/** The entities of a view of `text`, mapped back to the text (hidden characters inside one included). */
function findThrough(text: string, view: View, names: readonly string[]): Entity[] {
  return findIn(view.text, scan(view.text), names).map((e) => {
    const { start, end } = spanInText(view, text, e.start, e.end);
    return { type: e.type, start, end, value: text.slice(start, end) };
  });
}

/**
 * The entities of several readings of one text, leaving none of their characters out, in the
 * order given (the views' best-ranked first, as resolveOverlaps, then the text's own): each later
 * one keeps its parts that no kept entity covers, trimmed of white space, where a letter or digit
 * is left. An entity kept inside a tag or comment takes the whole element from the others:
 * "Anna <a href=\"mailto:anna@x.org\">Smith" keeps PERSON "Anna", EMAIL "anna@x.org" and PERSON
 * "Smith".
 */
function cover(text: string, cands: readonly Entity[]): Entity[] {
  const spans = markupSpans(text);
  const kept: Entity[] = [];
  for (const c of cands) {
    const pieces = uncovered(kept, c, (k) => elementAround(spans, k.start, k.end));
    for (let p = 0; p < pieces.length; p += 2) {
      let start = pieces[p];
      let end = pieces[p + 1];
      while (start < end && /\s/.test(text[start])) start++;
      while (end > start && /\s/.test(text[end - 1])) end--;
      const value = text.slice(start, end);
      if (!LETTER_OR_DIGIT.test(value)) continue;
      kept.splice(firstEndingAfter(kept, start), 0, { type: c.type, start, end, value });
    }
  }
  return kept;
}
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/**
 * The pieces of `c` that no entity of `kept` (sorted by start, non-overlapping) covers, as
 * start, end pairs; `around` gives the span a kept entity takes (cover: its whole tag or comment).
 */
function uncovered(kept: readonly Entity[], c: Entity, around: (k: Entity) => readonly [number, number] = (k) => [k.start, k.end]): number[] {
  let pieces = [c.start, c.end];
  for (let i = firstEndingAfter(kept, c.start); i < kept.length && kept[i].start < c.end; i++) {
    const [from, to] = around(kept[i]);
    const left: number[] = [];
    for (let p = 0; p < pieces.length; p += 2) {
      if (pieces[p] < from) left.push(pieces[p], Math.min(pieces[p + 1], from));
      if (pieces[p + 1] > to) left.push(Math.max(pieces[p], to), pieces[p + 1]);
    }
    pieces = left;
  }
  return pieces;
}
/** The index of the first of `kept` (sorted by start, non-overlapping) that ends after `p`. */
function firstEndingAfter(kept: readonly Entity[], p: number): number {
  let lo = 0;
  let hi = kept.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (kept[mid].end <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** The tag or comment (markupSpans) holding [start, end), or [start, end) itself when none does. */
function elementAround(spans: readonly number[], start: number, end: number): [number, number] {
  let lo = 0;
  let hi = spans.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[2 * mid + 1] <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < spans.length / 2 && spans[2 * lo] <= start && end <= spans[2 * lo + 1] ? [spans[2 * lo], spans[2 * lo + 1]] : [start, end];
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

/** Keep candidates best-ranked first, dropping any that overlaps one kept (a name keeps its letters outside it: keepBest); the result is sorted by start. */
export function resolveOverlaps(cands: readonly Entity[]): Entity[] {
  if (cands.length < 2) return cands.filter((c) => c.end > c.start);
  return keepBest([...cands].sort(rank));
}

/**
 * resolveOverlaps of candidates already sorted by rank. A name that runs on into an entity kept
 * before it keeps its letters outside that entity: "Maria Schmidt Hauptstraße" beside the
 * address "Hauptstraße 5" stays the person "Maria Schmidt", not a name left in clear (a part of
 * a word too, where the other entity ends inside it).
 */
function keepBest(ranked: readonly Entity[]): Entity[] {
  const kept: Entity[] = [];
  for (const c of ranked) {
    if (c.end <= c.start) continue;
    const lo = firstEndingAfter(kept, c.start);
    if (lo === kept.length || kept[lo].start >= c.end) kept.splice(lo, 0, c);
    else if (c.type === 'PERSON') for (const part of lettersOutside(c, kept)) kept.splice(firstEndingAfter(kept, part.start), 0, part);
  }
  return kept;
}
const LETTER = /[\p{L}\p{M}]/u;
/** The pieces of name `c` outside the entities of `kept`, trimmed to letters, three at least ("12TH ANNA.SMITH@…" leaves no "TH"). */
function lettersOutside(c: Entity, kept: readonly Entity[]): Entity[] {
  const parts: Entity[] = [];
  const pieces = uncovered(kept, c);
  for (let p = 0; p < pieces.length; p += 2) {
    let s = pieces[p] - c.start;
    let e = pieces[p + 1] - c.start;
    while (s < e && !LETTER.test(c.value[s])) s++;
    while (e > s && !LETTER.test(c.value[e - 1])) e--;
    if (e - s >= 3) parts.push({ type: c.type, start: c.start + s, end: c.start + e, value: c.value.slice(s, e) });
  }
  return parts;
}
