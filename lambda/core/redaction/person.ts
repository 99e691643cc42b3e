/**
 * PERSON without a cloud NER: chains of capitalised words scored by a name lexicon,
 * honorifics, initials and cue phrases, plus the record's own known names. Works on the
 * word tokens of the shared scan (offsets, no per-token objects); a token is classified in
 * the lexicon only when a decision needs it, and every context cue is a sticky regex or a
 * lookbehind anchored at the token, so each check reads only the few characters it needs.
 * A one-word chain that neither the name filter, a title nor a cue can make a person is not
 * looked up at all, and a cue regex runs only where its words stand next to the name.
 */
import type { Entity } from './entities';
import { foldedHash, isCommonWord, mayBeSmall, NAME_CUE_WORDS, NAMING_CUE_WORDS, smallTokenClass, STRONG_CUE_WORDS, tokenClass, tokenMayBeName, WORD } from './lexicon';
import type { Scan } from './scan';

const { NAME, COMMON, NAME_LIKE, NON_PERSON, HONORIFIC, PARTICLE, SUFFIX, CUE_END } = WORD;
/** Marks a token whose class was looked up (class bits themselves may be 0). */
const CLASSIFIED = 256;
/**
 * Phrases right before a name, as lookbehinds at the name's start. NAMING ones introduce a
 * person's name ("my name is", "call me", "named her", "dear"): after them even a common word
 * that is also a name is one ("my name is Grace"), though a thing's name can follow them too
 * ("product name: Iris"). STRONG ones also make an unknown capitalised word a name; the rest
 * do so for chains of two or more words.
 */
const NAME_IS = String.raw`\bname(?:'s| is| was|:|\?)`;
const NAMING = String.raw`${NAME_IS}|\bnamed(?: him| her| them)?|\bcalls? me|\bdear`;
const STRONG = String.raw`${NAMING}|\bcalled|\bi'?m|\bi am|\bthis is|\battn|\bsays|\bsaid|\bdirected by:?`;
const lookbehind = (phrases: string): RegExp => new RegExp(String.raw`(?<=(?:${phrases})[,:]?\s*)`, 'iy');
const NAME_CUE_BEFORE = lookbehind(NAME_IS);
const NAMING_CUE_BEFORE = lookbehind(NAMING);
const STRONG_CUE_BEFORE = lookbehind(STRONG);
const CUE_BEFORE = lookbehind(
  String.raw`${STRONG}|\bhi|\bhello|\bhey|\bthanks|\bregards|\bsincerely|\bcontact|\bsigned|\bspoke (?:to|with)|\bmeet|\bfrom|\bby|\bwith|\bto|\band|\bor|\bmy (?:son|daughter|kid|child|wife|husband|partner|friend|mother|father|brother|sister|colleague|boss|manager)`,
);
const CUE_AFTER =
  /(?:['’]s\b|,? (?:said|says|wrote|writes|asked|asks|replied|shouted|told|called|explained|spent|listed|lives|lived|works|worked|will be|has been|had given|is (?:a|an|the|from|very|my|our)|was (?:a|the|born)|who|and (?:his|her))\b)/y;
/**
 * Right after a house number (/(?<=\d[A-Za-z]?,? )/ at the name's start) or right before a
 * street word or number (/(?: \d|,? (?:street|st|…|u\.|str\.?|…)\b)/i at its end), a name
 * is part of an address. Written out: they run on every name found.
 */
function addressBefore(text: string, s: number): boolean {
  let p = s - 1;
  if (codeAt(text, p) !== 32) return false;
  if (codeAt(text, --p) === 44) p--;
  if (isAsciiLetter(codeAt(text, p))) p--;
  return isDigit(codeAt(text, p));
}
/** Words by foldedHash: the cue words below (a hash hit only lets a regex run), and words after a name that make it part of an address or a company's (a hit is compared letter by letter). */
const byHash = (words: string): Map<number, string> => new Map(words.split(' ').map((w) => [foldedHash(w, 0, w.length), w]));
const STREET_WORDS = byHash(
  'street st road rd avenue ave lane ln drive dr court ct way place pl union point pass park parks gateway square sq utca str extension extensions crescent close terrace boulevard blvd highway hwy row plaza walk',
);
/** Legal-entity designators: "Conway Inc.", "Drake PLC" name a company, not a person. */
const COMPANY_WORDS = byHash('inc llc ltd limited plc corp corporation gmbh llp');
/** Whether the run of ASCII letters text[p, q) is one of `words` (lower case), in any ASCII casing. */
function isOneOf(words: ReadonlyMap<number, string>, text: string, p: number, q: number): boolean {
  const word = words.get(foldedHash(text, p, q));
  if (word === undefined || word.length !== q - p) return false;
  for (let k = p; k < q; k++) if ((text.charCodeAt(k) | 32) !== word.charCodeAt(k - p)) return false;
  return true;
}
/** The end of the run of ASCII letters starting at p. */
function lettersFrom(text: string, p: number): number {
  while (isAsciiLetter(codeAt(text, p))) p++;
  return p;
}
function addressAfter(text: string, e: number): boolean {
  let p = e;
  const c = codeAt(text, p);
  if (c === 44) p++;
  else if (c === 32 && isDigit(codeAt(text, p + 1))) return true;
  if (codeAt(text, p) !== 32) return false;
  const q = lettersFrom(text, ++p);
  // "u." needs a word character after the dot for its \b; every other word needs none after it.
  if (q - p === 1 && (text.charCodeAt(p) | 32) === 117) return codeAt(text, q) === 46 && isAsciiWordChar(codeAt(text, q + 1));
  return isOneOf(STREET_WORDS, text, p, q) && !isAsciiWordChar(codeAt(text, q));
}
/**
 * Right after the name, a capitalised legal-entity designator (" Inc.", " LLC", " Ltd", or
 * ", Inc."), or "and Sons" / "& Sons": the name is a company's.
 */
function companyAfter(text: string, e: number): boolean {
  if (text.startsWith(', Inc', e)) return !isAsciiWordChar(codeAt(text, e + 5));
  if (codeAt(text, e) !== 32) return false;
  let p = e + 1;
  if (text.startsWith('& ', p) || text.startsWith('and ', p)) {
    p = text.indexOf(' ', p) + 1;
    return text.startsWith('Sons', p) && !isAsciiWordChar(codeAt(text, p + 4));
  }
  const c = codeAt(text, p);
  if (c < 65 || c > 90) return false;
  const q = lettersFrom(text, p);
  return isOneOf(COMPANY_WORDS, text, p, q) && !isAsciiWordChar(codeAt(text, q));
}
/** At the start of a line (after quote marks or spaces), as in transcripts and signatures. */
const LINE_START = /(?<=(?:^|\n)[>\s]*)/y;

/**
 * Cheap gates for the cue regexes, which run on every capitalised word the lexicon does not
 * know: a lookbehind cue ends with one of its last words right before the name (only
 * `[,:]?\s*` between), so the token before the name must be one of them; CUE_AFTER needs
 * "'s", or a space and one of its words' first letters right after the name. They only skip
 * regexes that could not match. Last words are kept as hashes of their folded letters (a
 * collision only lets the regex run).
 */
/** "im" ("i'?m") and "by" ("directed by") end strong cues too, but are not CUE_END: a lower-case name after them is not looked for. */
const STRONG_LAST = `${STRONG_CUE_WORDS} im by`;
const NAME_CUE_LAST = byHash(NAME_CUE_WORDS);
const NAMING_CUE_LAST = byHash(NAMING_CUE_WORDS);
const STRONG_CUE_LAST = byHash(STRONG_LAST);
const CUE_LAST = byHash(
  `${STRONG_LAST} hi hello hey thanks regards sincerely contact signed to with meet from and or ` +
    'son daughter kid child wife husband partner friend mother father brother sister colleague boss manager',
);
/** CUE_AFTER's words start with these lower-case letters. */
const CUE_AFTER_FIRST = new Set([...'acehilrstw'].map((c) => c.charCodeAt(0)));

const isUpperChar = (ch: string): boolean => {
  const c = ch.charCodeAt(0);
  if (c < 128) return c >= 65 && c <= 90;
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
};
/** text.charCodeAt(k), or -1 outside the text (an out-of-bounds read would deoptimise the caller). */
const codeAt = (text: string, k: number): number => (k >= 0 && k < text.length ? text.charCodeAt(k) : -1);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** The regex \w (no Unicode flag). */
const isAsciiWordChar = (c: number): boolean => isAsciiLetter(c) || isDigit(c) || c === 95;
const at = (re: RegExp, text: string, pos: number): boolean => {
  re.lastIndex = pos;
  return re.test(text);
};

/** The scan of the current call, and token classes reused across calls (findPersons is not re-entrant). */
let cur = '';
let starts: Int32Array = new Int32Array(0);
let ends: Int32Array = new Int32Array(0);
let hashes: Int32Array = new Int32Array(0);
let count = 0;
let wide: Uint8Array = new Uint8Array(0);
let classes = new Int32Array(256);

/** Class bits of a token, looked up once per token and only where a decision needs them. */
function cls(k: number): number {
  if (classes[k] === 0) classes[k] = CLASSIFIED | tokenClass(cur, starts[k], ends[k], hashes[k], wide[k] === 1);
  return classes[k];
}
const has = (k: number, bits: number): boolean => (cls(k) & bits) !== 0;
/** has(k, bits) for small-list bits only: no probe of the big lexicon table unless the token was already classified. */
function hasSmall(k: number, bits: number): boolean {
  if (!mayBeSmall(bits, cur, starts[k], ends[k])) return false;
  const known = classes[k];
  return ((known !== 0 ? known : smallTokenClass(cur, starts[k], ends[k], hashes[k], wide[k] === 1)) & bits) !== 0;
}

/** Appends the PERSON candidates of `text` to `out`; `scanned` is the scan of `text`. */
export function findPersons(text: string, scanned: Scan, knownNames: readonly string[], out: Entity[]): void {
  cur = text;
  starts = scanned.starts;
  ends = scanned.ends;
  hashes = scanned.hashes;
  wide = scanned.wide;
  const n = (count = scanned.tokens);
  if (classes.length < n) classes = new Int32Array(Math.max(n, classes.length * 2));
  classes.fill(0, 0, n);
  let i = 0;
  while (i < n) {
    const capitalised = nameShaped(i) || isBareInitial(i);
    const cued = capitalised ? UNCUED : lowerNameAt(i);
    if (!capitalised && cued === UNCUED) {
      i++;
      continue;
    }
    // Grow a chain of name-shaped tokens (or, after a cue, of a name without its capitals).
    let j = i;
    while (j + 1 < n && j - i < 5 && joined(j, j + 1)) {
      const next = j + 1;
      let ok: boolean;
      if (cued === NAME_CUED) ok = nameGoesOn(j);
      else if (cued === STRONG_CUED) ok = has(next, NAME);
      else ok = nameShaped(next) || isBareInitial(next) || (j + 2 < n && hasSmall(next, PARTICLE) && nameShaped(j + 2));
      if (!ok) break;
      j++;
    }
    const lowerStart = cued !== UNCUED;
    if (j > i || (!isBareInitial(i) && (lowerStart || mayBePerson(i)))) decide(i, j, lowerStart, out);
    i = j + 1;
  }
  if (knownNames.length > 0) findKnownNames(text, knownNames, out);
  cur = ''; // hold no text between calls
}

/** A word of two letters or more that no list holds but the names: a lexicon name, or a word the lexicon does not know. */
const namePart = (k: number): boolean => ends[k] - starts[k] >= 2 && !has(k, COMMON | NON_PERSON | HONORIFIC | PARTICLE | SUFFIX | CUE_END);
/**
 * After a name cue, the name goes on from token j to the next: a name part, or up to two
 * initials or particles before one ("eric g. samoylova", "jennifer de la cruz").
 */
function nameGoesOn(j: number): boolean {
  for (let k = j + 1, bridges = 0; k < count && joined(k - 1, k); k++, bridges++) {
    if (namePart(k)) return true;
    if (bridges === 2 || (ends[k] - starts[k] !== 1 && !hasSmall(k, PARTICLE))) return false;
  }
  return false;
}

/** How a chain that is not name-shaped started (lowerNameAt). */
const UNCUED = 0;
const STRONG_CUED = 1;
const NAME_CUED = 2;
/**
 * Whether a name without its capitals starts at token k (which is not name-shaped). After a
 * name cue ("my name is", "name:"), a lexicon name in any casing or a lower-case name part
 * ("my name is borna jerković", "MY NAME IS VANESSA P. HERTZOG"); the name then goes on over
 * name parts. After another strong cue, a lexicon name ("i'm jennifer"), and the name goes on
 * over lexicon names only: "call me asap", "named mvp", "I'm jennifer lol". Without a cue, a
 * lower-case word is not taken for a name: lexicon names are everyday words of other
 * languages ("mich", "es"). All-capital words after a cue are names only in the lexicon:
 * "Name: TBD", "Dear AWS Support".
 */
function lowerNameAt(k: number): number {
  if (k === 0 || !hasSmall(k - 1, CUE_END) || !strongCueEnds(k - 1)) return UNCUED;
  const name = has(k, NAME);
  if ((name || (lowerAt(k) && namePart(k))) && afterCueWord(k, NAME_CUE_LAST) && at(NAME_CUE_BEFORE, cur, starts[k])) return NAME_CUED;
  return name && at(STRONG_CUE_BEFORE, cur, starts[k]) ? STRONG_CUED : UNCUED;
}
/** Token k starts with a lower-case letter. */
function lowerAt(k: number): boolean {
  const c = cur.charCodeAt(starts[k]);
  return c < 128 ? c >= 97 && c <= 122 : cur[starts[k]] !== cur[starts[k]].toUpperCase();
}

/** A title right before token k: "Mr Young", "Mr. Young". */
function titled(k: number): boolean {
  if (k === 0 || !hasSmall(k - 1, HONORIFIC)) return false;
  const gap = starts[k] - ends[k - 1];
  const p = ends[k - 1];
  return (gap === 1 && cur.charCodeAt(p) === 32) || (gap === 2 && cur.charCodeAt(p) === 46 && cur.charCodeAt(p + 1) === 32);
}

/** ASCII case-insensitive: whether `word` (lower case) and one space end right before `p`. */
function wordBefore(p: number, word: string): boolean {
  const s = p - 1 - word.length;
  if (s < 0 || cur.charCodeAt(p - 1) !== 32) return false;
  for (let k = 0; k < word.length; k++) if ((cur.charCodeAt(s + k) | 32) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * False where the CUE_END token k cannot end a STRONG_CUE_BEFORE phrase: "is", "was", "am",
 * "me", "him" and "her" do so only in "name is", "this is", "name was", "i am", "call(s) me"
 * and "named him/her", and they are the common ones; the regex decides the rest.
 */
function strongCueEnds(k: number): boolean {
  const p = starts[k];
  const len = ends[k] - p;
  if (len !== 2 && len !== 3) return true;
  const word = cur.slice(p, p + len).toLowerCase();
  if (word === 'is') return wordBefore(p, 'name') || wordBefore(p, 'this');
  if (word === 'was') return wordBefore(p, 'name');
  if (word === 'am') return wordBefore(p, 'i');
  if (word === 'me') return wordBefore(p, 'call') || wordBefore(p, 'calls');
  if (word === 'him' || word === 'her') return wordBefore(p, 'named');
  return true;
}

/** Whether the token before token a is one of `last` (any token with a non-ASCII character may be). */
function afterCueWord(a: number, last: ReadonlyMap<number, string>): boolean {
  return a > 0 && (wide[a - 1] === 1 || last.has(hashes[a - 1]));
}
const strongCueBefore = (k: number): boolean => afterCueWord(k, STRONG_CUE_LAST) && at(STRONG_CUE_BEFORE, cur, starts[k]);
/** A naming cue (NAMING) right before token k. */
const namingCueBefore = (k: number): boolean => afterCueWord(k, NAMING_CUE_LAST) && at(NAMING_CUE_BEFORE, cur, starts[k]);
function mayCueAfter(e: number): boolean {
  if (e + 1 >= cur.length) return false;
  let c = cur.charCodeAt(e);
  if (c === 39 || c === 0x2019) return true;
  if (c === 44) c = cur.charCodeAt(++e);
  return c === 32 && e + 1 < cur.length && CUE_AFTER_FIRST.has(cur.charCodeAt(e + 1));
}

/**
 * Whether decide could find a person in the one-word chain [k, k]: only a name (lexicon), a
 * title before it or a cue around it can make one word a person. A lone initial ("I", "A")
 * never is one (decide counts no word in it). Saves the lexicon probe of the capitalised
 * words that start sentences.
 */
function mayBePerson(k: number): boolean {
  const e = ends[k];
  return (
    tokenMayBeName(hashes[k], wide[k] === 1) ||
    (k > 0 && hasSmall(k - 1, HONORIFIC)) ||
    mayCueAfter(e) ||
    afterCueWord(k, STRONG_CUE_LAST) ||
    cur.startsWith(': ', e)
  );
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
function isBareInitial(k: number): boolean {
  if (ends[k] - starts[k] !== 1) return false;
  const c = cur.charCodeAt(starts[k]);
  return c < 128 ? c >= 65 && c <= 90 : isUpperChar(cur[starts[k]]);
}

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
  let honorific = titled(i);
  // A title, or a naming cue before a common word that is also a name, anchors the chain: "Mr. Young", "My name is Martin".
  let anchored = honorific;
  while (a <= j && (has(a, HONORIFIC | NON_PERSON | PARTICLE) || wordy(a, a + 1, i, j))) {
    if (has(a, HONORIFIC)) honorific = anchored = true;
    else if (honorific && !has(a, NON_PERSON) && nameShaped(a)) break;
    else if (has(a, NAME_LIKE) && namingCueBefore(a)) {
      anchored = true;
      break;
    }
    a++;
  }
  let b = j;
  while (b >= a && (has(b, NON_PERSON | SUFFIX) || isBareInitial(b) || wordy(b, b - 1, i, j)) && !(anchored && b === a)) b--;
  if (b < a) return;
  // A common word in the middle splits the chain; score each side on its own. A one-letter
  // token in the middle is an initial ("Vanessa M. Hertzog"), whatever word it also spells.
  for (let k = a + 1; k < b; k++) {
    if (ends[k] - starts[k] > 1 && has(k, COMMON | NON_PERSON)) {
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
  // Cheapest evidence first: most names end here on the lexicon, before any cue regex runs.
  const person =
    honorific ||
    lowerStart ||
    lexHits > 0 ||
    (words >= 2 && hasInitial) ||
    (mayCueAfter(e) && at(CUE_AFTER, text, e)) ||
    (words >= 2 && ((afterCueWord(a, CUE_LAST) && at(CUE_BEFORE, text, s)) || at(LINE_START, text, s))) ||
    strongCueBefore(a) ||
    (text.startsWith(': ', e) && at(LINE_START, text, s));
  // After a house number or before a street word, it is part of an address; before a designator, a company (unless a title says otherwise).
  if (person && (honorific || !(addressBefore(text, s) || addressAfter(text, e) || companyAfter(text, e)))) out.push({ type: 'PERSON', start: s, end: e, value: text.slice(s, e) });
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * The last compiled known-name pattern: a record's free-text fields share its names. Only
 * one is kept, so no names outlive the next record.
 */
let knownKey = '';
let knownRe: RegExp | null = null;
/** The same forms, when all are ASCII (findAsciiForms), else null. */
let knownAscii: readonly string[] | null = null;

/** Whole-word, case-insensitive occurrences of the record's own names and their parts. */
function findKnownNames(text: string, knownNames: readonly string[], out: Entity[]): void {
  const key = knownNames.join('\u0000');
  if (key !== knownKey) {
    const forms = knownForms(knownNames);
    knownAscii = forms.length > 0 && forms.every(isAscii) ? forms : null;
    knownRe = compile(forms);
    knownKey = key;
  }
  if (knownAscii !== null && isAscii(text)) findAsciiForms(text, knownAscii, out);
  else if (knownRe !== null) {
    const re = knownRe;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ type: 'PERSON', start: m.index, end: m.index + m[0].length, value: m[0] });
  }
}

const isAscii = (s: string): boolean => {
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) > 127) return false;
  return true;
};
const isAsciiAlnum = (c: number): boolean => isAsciiLetter(c) || isDigit(c);

/**
 * What the known-name regex finds, for ASCII text and forms without compiling it: there the
 * Unicode case folding of /iu is ASCII lower-casing and its \p{L}\p{M}\p{N} boundaries are
 * ASCII letters and digits. Like the regex, the leftmost match wins and, at one place, the
 * first form in the regex's order (longest first).
 */
function findAsciiForms(text: string, forms: readonly string[], out: Entity[]): void {
  const lower = text.toLowerCase();
  let p = 0;
  while (p < lower.length) {
    let len = 0;
    if (p === 0 || !isAsciiAlnum(lower.charCodeAt(p - 1))) {
      for (const form of forms) {
        if (lower.startsWith(form, p) && !isAsciiAlnum(codeAt(lower, p + form.length))) {
          len = form.length;
          break;
        }
      }
    }
    if (len === 0) p++;
    else {
      out.push({ type: 'PERSON', start: p, end: p + len, value: text.slice(p, p + len) });
      p += len;
    }
  }
}

/** The lower-cased forms of known names: each whole name and each part that is no common word, longest first. */
function knownForms(knownNames: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const name of knownNames) {
    const trimmed = name.trim();
    if (trimmed.length >= 2) forms.add(trimmed.toLowerCase());
    for (const part of trimmed.split(/[\s,]+/)) if (part.length >= 2 && !isCommonWord(part.toLowerCase())) forms.add(part.toLowerCase());
  }
  return [...forms].sort((x, y) => y.length - x.length || (x < y ? -1 : 1));
}

function compile(forms: readonly string[]): RegExp | null {
  if (forms.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])(?:${forms.map(escapeRe).join('|')})(?![\\p{L}\\p{M}\\p{N}])`, 'giu');
}
