/**
 * PERSON without a cloud NER: chains of capitalised words scored by a name lexicon,
 * honorifics, initials and cue phrases, plus the record's own known names. One linear
 * tokenising pass; every decision looks only at a bounded window.
 */
import type { Entity } from './entities';
import { isNonPerson } from './gazetteer';
import { isCommonWord, isLexiconName, isNameLikeWord } from './lexicon';

const TOKEN = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu;
const HONORIFICS = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'dame', 'madam', 'madame', 'lady', 'lord', 'rev',
  'mme', 'mlle', 'herr', 'frau', 'sr', 'sra', 'srta', 'señor', 'señora', 'dott', 'ing',
]);
const PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'di', 'del', 'della', 'du', 'la', 'le', 'bin', 'ibn', 'al', 'dos', 'das', 'ter', 'ten']);
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'md', 'phd', 'esq']);
/** Phrases right before a name that make an unknown capitalised word a name. */
const CUE_BEFORE =
  /(?:\bname(?:'s| is| was|:)|\bnamed|\bcalled|\bi'?m|\bi am|\bthis is|\bdear|\bhi|\bhello|\bhey|\bthanks|\bregards|\bsincerely|\battn|\bcontact|\bsigned|\bspoke (?:to|with)|\bmeet|\bfrom|\bby|\bwith|\bto|\band|\bor|\bmy (?:son|daughter|kid|child|wife|husband|partner|friend|mother|father|brother|sister|colleague|boss|manager))[,:]?\s*$/i;
const STRONG_CUE_BEFORE = /(?:\bname(?:'s| is| was|:)|\bnamed|\bcalled|\bi'?m|\bi am|\bthis is|\bdear|\battn|\bsays|\bsaid|\bdirected by:?)[,:]?\s*$/i;
const CUE_AFTER =
  /^(?:['’]s\b|,? (?:said|says|wrote|writes|asked|asks|replied|shouted|told|called|explained|spent|listed|lives|lived|works|worked|will be|has been|had given|is (?:a|an|the|from|very|my|our)|was (?:a|the|born)|who|and (?:his|her))\b)/;
/** "Name:" opening a line, as in transcripts and signatures. */
const SPEAKER = /^: /;
/** Right after a house number or right before a street word or number, a name is part of an address. */
const ADDRESS_BEFORE = /\d[A-Za-z]?,? $/;
const ADDRESS_AFTER = /^(?: \d|,? (?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct|way|place|pl|union|point|pass|parks?|gateway|square|sq|u\.|utca|str\.?|extensions?|crescent|close|terrace|boulevard|blvd|highway|hwy|row|plaza|walk)\b)/i;

/** Last words of the strong cues: a cheap gate before the cue regex. */
const CUE_END_WORDS = new Set(['is', 'was', 'named', 'called', 'm', 'i’m', "i'm", 'am', 'dear', 'attn', 'says', 'said', 'name']);

interface Tok {
  start: number;
  end: number;
  text: string;
  lower: string;
}

const isUpper = (ch: string): boolean => ch !== ch.toLowerCase() && ch === ch.toUpperCase();
const nameShaped = (t: Tok): boolean => t.text.length >= 2 && isUpper(t.text[0]) && t.text !== t.text.toUpperCase();
const isInitial = (t: Tok, text: string): boolean => t.text.length === 1 && isUpper(t.text) && text[t.end] === '.';
const isBareInitial = (t: Tok): boolean => t.text.length === 1 && isUpper(t.text);

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(TOKEN)) {
    // "Anna's" is the name "Anna": the possessive stays outside the token.
    const word = /['’]s$/i.test(m[0]) ? m[0].slice(0, -2) : m[0];
    out.push({ start: m.index, end: m.index + word.length, text: word, lower: word.toLowerCase() });
  }
  return out;
}

/** The gap between two tokens of one name: a space, or ". " after an initial. */
function joined(text: string, a: Tok, b: Tok): boolean {
  const gap = text.slice(a.end, b.start);
  return gap === ' ' || (a.text.length === 1 && gap === '. ');
}

export function findPersons(text: string, knownNames: readonly string[] = []): Entity[] {
  const out: Entity[] = [];
  const toks = tokenize(text);
  const emit = (a: Tok, b: Tok) => out.push({ type: 'PERSON', start: a.start, end: b.end, value: text.slice(a.start, b.end) });

  let i = 0;
  while (i < toks.length) {
    const first = toks[i];
    const lowerStart =
      i > 0 &&
      CUE_END_WORDS.has(toks[i - 1].lower) &&
      !nameShaped(first) &&
      isLexiconName(first.lower) &&
      STRONG_CUE_BEFORE.test(text.slice(Math.max(0, first.start - 20), first.start));
    if (!nameShaped(first) && !isBareInitial(first) && !lowerStart) {
      i++;
      continue;
    }
    // Grow a chain of name-shaped tokens (or, after a strong cue, lexicon names in lower case).
    let j = i;
    while (j + 1 < toks.length && j - i < 5 && joined(text, toks[j], toks[j + 1])) {
      const next = toks[j + 1];
      const ok = lowerStart
        ? isLexiconName(next.lower)
        : nameShaped(next) || isBareInitial(next) || (PARTICLES.has(next.lower) && j + 2 < toks.length && nameShaped(toks[j + 2]));
      if (!ok) break;
      j++;
    }
    decide(text, toks, i, j, lowerStart, emit);
    i = j + 1;
  }
  if (knownNames.length > 0) out.push(...findKnownNames(text, knownNames));
  return out;
}

function decide(text: string, toks: Tok[], i: number, j: number, lowerStart: boolean, emit: (a: Tok, b: Tok) => void): void {
  let a = i;
  let honorific = false;
  const prev = i > 0 ? toks[i - 1] : undefined;
  if (prev && HONORIFICS.has(prev.lower) && /^\.? $/.test(text.slice(prev.end, toks[i].start))) honorific = true;
  // A word is dropped from the edge of a chain unless it is a name-like word next to a name.
  const wordy = (k: number, neighbour: number) =>
    isCommonWord(toks[k].lower) && !(isNameLikeWord(toks[k].lower) && neighbour >= i && neighbour <= j && isLexiconName(toks[neighbour].lower));
  while (a <= j && (HONORIFICS.has(toks[a].lower) || wordy(a, a + 1) || isNonPerson(toks[a].lower) || PARTICLES.has(toks[a].lower))) {
    if (HONORIFICS.has(toks[a].lower)) honorific = true;
    else if (honorific && !isNonPerson(toks[a].lower) && nameShaped(toks[a])) break; // "Mr. Young": after a title, keep it
    a++;
  }
  let b = j;
  while (b >= a && (wordy(b, b - 1) || isNonPerson(toks[b].lower) || SUFFIXES.has(toks[b].lower) || isBareInitial(toks[b])) && !(honorific && b === a)) b--;
  if (b < a) return;
  // A common word in the middle splits the chain; score each side on its own.
  for (let k = a + 1; k < b; k++) {
    if (isCommonWord(toks[k].lower) || isNonPerson(toks[k].lower)) {
      decide(text, toks, a, k - 1, lowerStart, emit);
      decide(text, toks, k + 1, b, lowerStart, emit);
      return;
    }
  }
  const words = toks.slice(a, b + 1).filter((t) => !isBareInitial(t) && !PARTICLES.has(t.lower));
  if (words.length === 0) return;
  const lexHits = words.filter((t) => isLexiconName(t.lower)).length;
  const hasInitial = toks.slice(a, b + 1).some((t) => isInitial(t, text) || isBareInitial(t));
  const before = text.slice(Math.max(0, toks[a].start - 40), toks[a].start);
  const after = text.slice(toks[b].end, toks[b].end + 24);
  if (!honorific && (ADDRESS_BEFORE.test(before) || ADDRESS_AFTER.test(after))) return;
  const lineStart = /(?:^|\n)[>\s]*$/.test(before);
  const person =
    honorific ||
    lowerStart ||
    lexHits > 0 ||
    (words.length >= 2 && hasInitial) ||
    (words.length >= 2 && (CUE_BEFORE.test(before) || CUE_AFTER.test(after) || lineStart)) ||
    STRONG_CUE_BEFORE.test(before) ||
    CUE_AFTER.test(after) ||
    (lineStart && SPEAKER.test(after));
  if (person) emit(toks[a], toks[b]);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whole-word, case-insensitive occurrences of the record's own names and their parts. */
function findKnownNames(text: string, knownNames: readonly string[]): Entity[] {
  const forms = new Set<string>();
  for (const name of knownNames) {
    const trimmed = name.trim();
    if (trimmed.length >= 2) forms.add(trimmed.toLowerCase());
    for (const part of trimmed.split(/[\s,]+/)) if (part.length >= 2 && !isCommonWord(part.toLowerCase())) forms.add(part.toLowerCase());
  }
  if (forms.size === 0) return [];
  const alternation = [...forms].sort((x, y) => y.length - x.length || (x < y ? -1 : 1)).map(escapeRe).join('|');
  const re = new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])(?:${alternation})(?![\\p{L}\\p{M}\\p{N}])`, 'giu');
  const out: Entity[] = [];
  for (const m of text.matchAll(re)) out.push({ type: 'PERSON', start: m.index, end: m.index + m[0].length, value: m[0] });
  return out;
}
