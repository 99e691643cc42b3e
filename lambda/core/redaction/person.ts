/**
 * PERSON without a cloud NER: chains of capitalised words scored by a name lexicon,
 * honorifics, initials and cue phrases, plus the record's own known names. Works on the
 * word tokens of the shared scan (offsets, no per-token objects); a token is classified in
 * the lexicon only when a decision needs it, and every context cue is a sticky regex or a
 * lookbehind anchored at the token, so each check reads only the few characters it needs.
 */
import type { Entity } from './entities';
import { isCommonWord, mayBeSmall, WORD, wordClassAt } from './lexicon';
import type { Scan } from './scan';

const { NAME, COMMON, NAME_LIKE, NON_PERSON, HONORIFIC, PARTICLE, SUFFIX, CUE_END } = WORD;
/** Marks a token whose class was looked up (class bits themselves may be 0). */
const CLASSIFIED = 256;
/** Phrases right before a name that make an unknown capitalised word a name (lookbehind at the name's start). */
const CUE_BEFORE =
  /(?<=(?:\bname(?:'s| is| was|:)|\bnamed|\bcalled|\bi'?m|\bi am|\bthis is|\bdear|\bhi|\bhello|\bhey|\bthanks|\bregards|\bsincerely|\battn|\bcontact|\bsigned|\bspoke (?:to|with)|\bmeet|\bfrom|\bby|\bwith|\bto|\band|\bor|\bmy (?:son|daughter|kid|child|wife|husband|partner|friend|mother|father|brother|sister|colleague|boss|manager))[,:]?\s*)/iy;
const STRONG_CUE_BEFORE = /(?<=(?:\bname(?:'s| is| was|:)|\bnamed|\bcalled|\bi'?m|\bi am|\bthis is|\bdear|\battn|\bsays|\bsaid|\bdirected by:?)[,:]?\s*)/iy;
const CUE_AFTER =
  /(?:['’]s\b|,? (?:said|says|wrote|writes|asked|asks|replied|shouted|told|called|explained|spent|listed|lives|lived|works|worked|will be|has been|had given|is (?:a|an|the|from|very|my|our)|was (?:a|the|born)|who|and (?:his|her))\b)/y;
/** Right after a house number or right before a street word or number, a name is part of an address. */
const ADDRESS_BEFORE = /(?<=\d[A-Za-z]?,? )/y;
const ADDRESS_AFTER = /(?: \d|,? (?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct|way|place|pl|union|point|pass|parks?|gateway|square|sq|u\.|utca|str\.?|extensions?|crescent|close|terrace|boulevard|blvd|highway|hwy|row|plaza|walk)\b)/iy;
/** At the start of a line (after quote marks or spaces), as in transcripts and signatures. */
const LINE_START = /(?<=(?:^|\n)[>\s]*)/y;

const isUpperChar = (ch: string): boolean => ch !== ch.toLowerCase() && ch === ch.toUpperCase();
const at = (re: RegExp, text: string, pos: number): boolean => {
  re.lastIndex = pos;
  return re.test(text);
};

/** The scan of the current call, and token classes reused across calls (findPersons is not re-entrant). */
let cur = '';
let starts: Int32Array = new Int32Array(0);
let ends: Int32Array = new Int32Array(0);
let classes = new Int32Array(256);

/** Class bits of a token, looked up once per token and only where a decision needs them. */
function cls(k: number): number {
  if (classes[k] === 0) classes[k] = CLASSIFIED | wordClassAt(cur, starts[k], ends[k]);
  return classes[k];
}
const has = (k: number, bits: number): boolean => (cls(k) & bits) !== 0;

/** Appends the PERSON candidates of `text` to `out`; `scanned` is the scan of `text`. */
export function findPersons(text: string, scanned: Scan, knownNames: readonly string[], out: Entity[]): void {
  cur = text;
  starts = scanned.starts;
  ends = scanned.ends;
  const n = scanned.tokens;
  if (classes.length < n) classes = new Int32Array(Math.max(n, classes.length * 2));
  classes.fill(0, 0, n);
  let i = 0;
  while (i < n) {
    const shaped = nameShaped(i);
    const lowerStart =
      !shaped &&
      i > 0 &&
      mayBeSmall(CUE_END, text, starts[i - 1], ends[i - 1]) &&
      has(i - 1, CUE_END) &&
      at(STRONG_CUE_BEFORE, text, starts[i]) &&
      has(i, NAME);
    if (!shaped && !isBareInitial(i) && !lowerStart) {
      i++;
      continue;
    }
    // Grow a chain of name-shaped tokens (or, after a strong cue, lexicon names in lower case).
    let j = i;
    while (j + 1 < n && j - i < 5 && joined(j, j + 1)) {
      const next = j + 1;
      const ok = lowerStart ? has(next, NAME) : nameShaped(next) || isBareInitial(next) || (j + 2 < n && mayBeSmall(PARTICLE, text, starts[next], ends[next]) && has(next, PARTICLE) && nameShaped(j + 2));
      if (!ok) break;
      j++;
    }
    decide(i, j, lowerStart, out);
    i = j + 1;
  }
  if (knownNames.length > 0) findKnownNames(text, knownNames, out);
  cur = ''; // hold no text between calls
}

function nameShaped(k: number): boolean {
  const s = starts[k];
  const e = ends[k];
  if (e - s < 2) return false;
  const c = cur.charCodeAt(s);
  if (c < 128) {
    if (c < 65 || c > 90) return false;
  } else if (!isUpperChar(cur[s])) return false;
  // Not all capitals ("NASA"): some character changes when upper-cased.
  for (let p = s + 1; p < e; p++) {
    const d = cur.charCodeAt(p);
    if (d >= 97 && d <= 122) return true;
    if (d >= 128 && cur[p] !== cur[p].toUpperCase()) return true;
  }
  return false;
}
const isBareInitial = (k: number): boolean => ends[k] - starts[k] === 1 && isUpperChar(cur[starts[k]]);

/** The gap between two tokens of one name: a space, or ". " after an initial. */
function joined(a: number, b: number): boolean {
  const gap = starts[b] - ends[a];
  if (gap === 1) return cur[ends[a]] === ' ';
  return gap === 2 && ends[a] - starts[a] === 1 && cur[ends[a]] === '.' && cur[ends[a] + 1] === ' ';
}

/** A word dropped from the edge of a chain: a common word, unless it is name-like next to a lexicon name of the chain. */
const wordy = (k: number, neighbour: number, i: number, j: number): boolean =>
  has(k, COMMON) && !(has(k, NAME_LIKE) && neighbour >= i && neighbour <= j && has(neighbour, NAME));

function decide(i: number, j: number, lowerStart: boolean, out: Entity[]): void {
  const text = cur;
  let a = i;
  let honorific = false;
  if (i > 0 && mayBeSmall(HONORIFIC, text, starts[i - 1], ends[i - 1]) && has(i - 1, HONORIFIC)) {
    const gap = starts[i] - ends[i - 1];
    honorific = (gap === 1 && text[ends[i - 1]] === ' ') || (gap === 2 && text[ends[i - 1]] === '.' && text[ends[i - 1] + 1] === ' ');
  }
  while (a <= j && (has(a, HONORIFIC | NON_PERSON | PARTICLE) || wordy(a, a + 1, i, j))) {
    if (has(a, HONORIFIC)) honorific = true;
    else if (honorific && !has(a, NON_PERSON) && nameShaped(a)) break; // "Mr. Young": after a title, keep it
    a++;
  }
  let b = j;
  while (b >= a && (has(b, NON_PERSON | SUFFIX) || isBareInitial(b) || wordy(b, b - 1, i, j)) && !(honorific && b === a)) b--;
  if (b < a) return;
  // A common word in the middle splits the chain; score each side on its own.
  for (let k = a + 1; k < b; k++) {
    if (has(k, COMMON | NON_PERSON)) {
      decide(a, k - 1, lowerStart, out);
      decide(k + 1, b, lowerStart, out);
      return;
    }
  }
  let words = 0;
  let lexHits = 0;
  let hasInitial = false;
  for (let k = a; k <= b; k++) {
    if (isBareInitial(k)) hasInitial = true;
    else if (!has(k, PARTICLE)) {
      words++;
      if (has(k, NAME)) lexHits++;
    }
  }
  if (words === 0) return;
  const s = starts[a];
  const e = ends[b];
  if (!honorific && (at(ADDRESS_BEFORE, text, s) || at(ADDRESS_AFTER, text, e))) return;
  // Cheapest evidence first: most names end here on the lexicon, before any cue regex runs.
  const person =
    honorific ||
    lowerStart ||
    lexHits > 0 ||
    (words >= 2 && hasInitial) ||
    (words >= 2 && (at(CUE_BEFORE, text, s) || at(CUE_AFTER, text, e) || at(LINE_START, text, s))) ||
    at(STRONG_CUE_BEFORE, text, s) ||
    at(CUE_AFTER, text, e) ||
    (text.startsWith(': ', e) && at(LINE_START, text, s));
  if (person) out.push({ type: 'PERSON', start: s, end: e, value: text.slice(s, e) });
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * The last compiled known-name pattern: a record's free-text fields share its names. Only
 * one is kept, so no names outlive the next record.
 */
let knownKey = '';
let knownRe: RegExp | null = null;

/** Whole-word, case-insensitive occurrences of the record's own names and their parts. */
function findKnownNames(text: string, knownNames: readonly string[], out: Entity[]): void {
  const key = knownNames.join('\u0000');
  if (key !== knownKey) {
    knownRe = compileKnownNames(knownNames);
    knownKey = key;
  }
  const re = knownRe;
  if (re === null) return;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ type: 'PERSON', start: m.index, end: m.index + m[0].length, value: m[0] });
}

function compileKnownNames(knownNames: readonly string[]): RegExp | null {
  const forms = new Set<string>();
  for (const name of knownNames) {
    const trimmed = name.trim();
    if (trimmed.length >= 2) forms.add(trimmed.toLowerCase());
    for (const part of trimmed.split(/[\s,]+/)) if (part.length >= 2 && !isCommonWord(part.toLowerCase())) forms.add(part.toLowerCase());
  }
  if (forms.size === 0) return null;
  const alternation = [...forms].sort((x, y) => y.length - x.length || (x < y ? -1 : 1)).map(escapeRe).join('|');
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])(?:${alternation})(?![\\p{L}\\p{M}\\p{N}])`, 'giu');
}
