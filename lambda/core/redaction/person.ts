/**
 * PERSON without a cloud NER: chains of capitalised words scored by a name lexicon and
 * surname endings, honorifics, initials, cue phrases and lists of names, the parts of full
 * names found elsewhere in the text, plus the record's own known names. Works on the
 * word tokens of the shared scan (offsets, no per-token objects); a token is classified in
 * the lexicon only when a decision needs it, and every context cue is a sticky regex or a
 * lookbehind anchored at the token, so each check reads only the few characters it needs.
 * A one-word chain that neither the name filter, a title nor a cue can make a person is not
 * looked up at all, and a cue regex runs only where its words stand next to the name.
 */
import type { Entity } from './entities';
import { foldedHash, isCommonWord, mayBeSmall, NAME_CUE_WORDS, NAMING_CUE_WORDS, smallTokenClass, STRONG_CUE_WORDS, tokenClass, tokenMayBeName, WORD, wordClassAt } from './lexicon';
import type { Scan } from './scan';
import { houseNumberEnd, streetBefore } from './streets';

const { NAME, COMMON, NAME_LIKE, NON_PERSON, HONORIFIC, PARTICLE, SUFFIX, CUE_END } = WORD;
/** Marks a token whose class was looked up (class bits themselves may be 0). */
const CLASSIFIED = 256;
/** Marks a token inside a person found in this call (classified or not). */
const IN_PERSON = 512;
/** Marks a token whose barrelledAt answer was worked out, and that answer. */
const BARREL_READ = 1024;
const BARRELLED = 2048;
/** The WORD class bits of a token's entry (the marks above lie above them). */
const CLASS_BITS = 0xff;
/**
 * Phrases right before a name, as lookbehinds at the name's start. NAMING ones introduce a
 * person's name ("my name is", "call me", "named her", "dear"): after them even a common word
 * that is also a name is one ("my name is Grace"), though a thing's name can follow them too
 * ("product name: Iris"). STRONG ones (also a relative's "my kid", "my wife") make an unknown
 * capitalised word a name; the rest do so for chains of two or more words.
 */
const KIN = 'son daughter kid child wife husband partner friend mother father brother sister colleague boss manager';
const NAME_IS = String.raw`\bname(?:['’]s|\s+is|\s+was|:|\?)`;
const NAMING = String.raw`${NAME_IS}|\bnamed(?:\s+him|\s+her|\s+them)?|\bcalls?\s+me|\bdear`;
const STRONG = String.raw`${NAMING}|\bcalled|\bi['’]?m|\bi\s+am|\bthis\s+is|\battn|\bsays|\bsaid|\bdirected\s+by:?|\bmy\s+(?:${KIN.replaceAll(' ', '|')})`;
const lookbehind = (phrases: string): RegExp => new RegExp(String.raw`(?<=(?:${phrases})[,:]?\s*)`, 'iy');
const NAME_CUE_BEFORE = lookbehind(NAME_IS);
const NAMING_CUE_BEFORE = lookbehind(NAMING);
const STRONG_CUE_BEFORE = lookbehind(STRONG);
const CUE_BEFORE = lookbehind(
  String.raw`${STRONG}|\bhi|\bhello|\bhey|\bthanks|\bregards|\bsincerely|\bcontact|\bsigned|\bspoke\s+(?:to|with)|\bmeet|\bfrom|\bby|\bwith|\bto|\band|\bor`,
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
  'street st road rd avenue ave lane ln drive dr court ct way place pl union point pass park parks gateway square squares sq utca str extension extensions crescent close terrace boulevard blvd highway hwy row plaza walk ' +
    'fpo apo dpo',
);
/** The unit words of an address after its house number: "Zakrzowska 92 Apt. 399". */
const UNIT_WORDS = byHash('apt apartment suite ste unit box flat floor');
/** Legal-entity designators: "Conway Inc.", "Drake PLC" name a company, not a person. */
const COMPANY_WORDS = byHash('inc llc ltd limited plc corp corporation gmbh llp');
/** Whether the run of ASCII letters text[p, q) is one of `words` (lower case), in any ASCII casing. */
function isOneOf(words: ReadonlyMap<number, string>, text: string, p: number, q: number): boolean {
  const word = words.get(foldedHash(text, p, q));
  if (word === undefined || word.length !== q - p) return false;
  for (let k = p; k < q; k++) if ((text.charCodeAt(k) | 32) !== word.charCodeAt(k - p)) return false;
  return true;
}
/** How many digits run from p. */
function digitsFrom(text: string, p: number): number {
  let q = p;
  while (isDigit(codeAt(text, q))) q++;
  return q - p;
}
/** The end of the run of ASCII letters starting at p. */
function lettersFrom(text: string, p: number): number {
  while (isAsciiLetter(codeAt(text, p))) p++;
  return p;
}
function addressAfter(text: string, e: number, oneWord: boolean): boolean {
  let p = e;
  const c = codeAt(text, p);
  if (c === 44) p++;
  // One word before a number is as often a label ("Ref 9111…", "Room 12") as a street's name.
  else if (c === 32 && isDigit(codeAt(text, p + 1))) return oneWord || houseNumberAt(text, p + 1);
  if (codeAt(text, p) !== 32) return false;
  const q = lettersFrom(text, ++p);
  // "u." needs a word character after the dot for its \b; every other word needs none after it.
  if (q - p === 1 && (text.charCodeAt(p) | 32) === 117) return codeAt(text, q) === 46 && isAsciiWordChar(codeAt(text, q + 1));
  return isOneOf(STREET_WORDS, text, p, q) && !isAsciiWordChar(codeAt(text, q));
}
/**
 * A house number at p, after a street's name of two words or more ("Rua Diadema 1903.", "Via Roma 131\n", "ul.
 * Zakrzowska 92 Apt. 399"): one to five digits and a letter at most, then the end of the text
 * or line, punctuation, or a street or unit word. A phone, a time or a count after a name
 * leaves it a person's: "John Smith 415-555-2671", "Lisa Wong 14:00", "Maria Garcia 3 times".
 */
function houseNumberAt(text: string, p: number): boolean {
  let q = p + digitsFrom(text, p);
  if (q - p > 5) return false;
  if (isAsciiLetter(codeAt(text, q)) && !isAsciiLetter(codeAt(text, q + 1))) q++;
  const c = codeAt(text, q);
  // A postcode instead ("Quinta de São Tiago 3610-114", "ul. Narewska 61-695"), not a local phone's 3-4.
  if (c === 45 && (q - p === 4 || q - p === 2) && digitsFrom(text, q + 1) === 3) return true;
  // End, line end, ',', ';', ')' or '.' ("Industrie 4.0" is no person's either).
  if (c === -1 || c === 10 || c === 13 || c === 44 || c === 59 || c === 41 || c === 46) return true;
  if (c !== 32) return false;
  const r = lettersFrom(text, q + 1);
  return (isOneOf(STREET_WORDS, text, q + 1, r) || isOneOf(UNIT_WORDS, text, q + 1, r)) && !isAsciiWordChar(codeAt(text, r));
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
/**
 * Surname endings of the languages the census lists barely hold: Nordic patronymics (-son,
 * -dóttir, -sen after l, m, n or r), Slavic (-ski, -ska, -wicz, -vić, -ová, -ov, -eva, -enko, …),
 * Finnish -ainen, Greek -poulos, Romanian -escu, Georgian -shvili and -dze. A capitalised word
 * that no list holds and ends in one is a surname ("Arvidsson", "Tomaszewski", "Chloupková");
 * German nouns end in -ssen, -nen and -ich, so those are not among them.
 */
const SURNAME_ENDS = 'son dottir dóttir lsen msen nsen rsen ski ska sky cki cka wicz vich vic ić ič ová ov ova ev eva enko chuk ainen äinen poulos escu shvili dze'.split(' ');
/**
 * The endings' last three letters (two for the two-letter ones), by their low five bits as
 * tailOf packs them: most words end in none, and are ruled out by one lookup.
 */
const SURNAME_TAILS = new Uint32Array(1 << 10);
const tailOf = (c3: number, c2: number, c1: number): number => ((c3 & 31) << 10) | ((c2 & 31) << 5) | (c1 & 31);
const setTail = (tail: number): void => void (SURNAME_TAILS[tail >>> 5] |= 1 << (tail & 31));
for (const end of SURNAME_ENDS) {
  const [c2, c1] = [end.charCodeAt(end.length - 2), end.charCodeAt(end.length - 1)];
  if (end.length > 2) setTail(tailOf(end.charCodeAt(end.length - 3), c2, c1));
  else for (let c3 = 0; c3 < 32; c3++) setTail(tailOf(c3, c2, c1));
}
/** At the start of a line (after quote marks or spaces), as in transcripts and signatures. */
const LINE_START = /(?<=(?:^|\n)[>\s]*)/y;
/** A line ends at p: the end of the text or of a line. */
const lineEndAt = (text: string, p: number): boolean => p === text.length || text.charCodeAt(p) === 10 || (text.charCodeAt(p) === 13 && codeAt(text, p + 1) === 10);

/**
 * Cheap gates for the cue regexes, which run on every capitalised word the lexicon does not
 * know: a lookbehind cue ends with one of its last words right before the name (only
 * `[,:]?\s*` between), so the token before the name must be one of them; CUE_AFTER needs
 * "'s", or a space and one of its words' first letters right after the name. They only skip
 * regexes that could not match. Last words are kept as hashes of their folded letters (a
 * collision only lets the regex run).
 */
/** "im" ("i'?m"), "by" ("directed by") and the relatives ("my kid") end strong cues too, but are not CUE_END: a lower-case name after them is not looked for. */
const STRONG_LAST = `${STRONG_CUE_WORDS} im by ${KIN}`;
const NAME_CUE_LAST = byHash(NAME_CUE_WORDS);
const NAMING_CUE_LAST = byHash(NAMING_CUE_WORDS);
const STRONG_CUE_LAST = byHash(STRONG_LAST);
const CUE_LAST = byHash(`${STRONG_LAST} hi hello hey thanks regards sincerely contact signed to with meet from and or`);
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
const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
/** The regex \s (cue phrases take any white space between their words). */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
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
/**
 * The words of the full names found so far in this call (findRepeats looks for them alone), and
 * two bits of each one's hash (seedBits). Any number of names: a set, so findRepeats stays linear.
 */
const seedWords = new Set<string>();
let seedBits = 0;
/** One bit for each of two five-bit slices of a token hash: a token whose bits are not all among the seeds' is none of them. */
const hashBits = (h: number): number => (1 << (h & 31)) | (1 << ((h >>> 5) & 31));

/** Class bits of a token, looked up once per token and only where a decision needs them. */
function cls(k: number): number {
  if ((classes[k] & CLASSIFIED) === 0) classes[k] |= CLASSIFIED | tokenClass(cur, starts[k], ends[k], hashes[k], wide[k] === 1);
  return classes[k];
}
const has = (k: number, bits: number): boolean => (cls(k) & bits) !== 0;
/** has(k, bits) for small-list bits only: no probe of the big lexicon table unless the token was already classified. */
const hasSmall = (k: number, bits: number): boolean => smallClass(k, bits) !== 0;
/** hasSmall's answer as the bits found. */
function smallClass(k: number, bits: number): number {
  if (!mayBeSmall(bits, cur, starts[k], ends[k])) return 0;
  const known = classes[k];
  return ((known & CLASSIFIED) !== 0 ? known : smallTokenClass(cur, starts[k], ends[k], hashes[k], wide[k] === 1)) & bits;
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
  seedBits = 0;
  if (seedWords.size > 0) seedWords.clear(); // a call that threw may have left its seeds
  let cased = false;
  let capitals = false;
  let i = 0;
  while (i < n) {
    const capitalised = nameShaped(i) || isBareInitial(i);
    capitals ||= !capitalised && ends[i] - starts[i] >= 2 && isUpperChar(cur[starts[i]]);
    // Without a title or cue word before it, a word in lower case or capitals starts no name here.
    const before = capitalised || i === 0 ? 0 : smallClass(i - 1, HONORIFIC | CUE_END);
    const cued = before === 0 ? UNCUED : lowerNameAt(i, before);
    if (!capitalised && cued === UNCUED) {
      i++;
      continue;
    }
    cased ||= capitalised;
    // Grow a chain of name-shaped tokens (or, after a cue, of a name without its capitals).
    let j = i;
    while (j + 1 < n && j - i < 5 && joined(j, j + 1)) {
      const next = j + 1;
      let ok: boolean;
      if (cued === NAME_CUED) ok = nameGoesOn(j);
      else if (cued === STRONG_CUED) ok = has(next, NAME) || nameLikeAfter(j);
      else ok = nameShaped(next) || isBareInitial(next) || particlesBefore(next);
      if (!ok) break;
      j++;
    }
    const lowerStart = cued !== UNCUED;
    if (j > i || (!isBareInitial(i) && (lowerStart || mayBePerson(i)))) decide(i, j, lowerStart, out);
    i = j + 1;
  }
  if (capitals) findCapitalPairs(out);
  if (!cased) findLowerPairs(out);
  if (seedWords.size > 0) findRepeats(out);
  if (knownNames.length > 0) findKnownNames(text, knownNames, out);
  cur = ''; // hold no text between calls
  // Set.clear allocates a new table even for an empty set, and most texts seed no name.
  if (seedWords.size > 0) seedWords.clear();
}

/** One or two particles from token k, then a name-shaped word, all joined: "Maika van de Noort", "Jennifer de la Cruz". */
function particlesBefore(k: number): boolean {
  if (!hasSmall(k, PARTICLE) || k + 1 >= count || !joined(k, k + 1)) return false;
  if (nameShaped(k + 1)) return true;
  return k + 2 < count && hasSmall(k + 1, PARTICLE) && joined(k + 1, k + 2) && nameShaped(k + 2);
}
/** A word of two letters or more that no list holds but the names: a lexicon name, or a word the lexicon does not know. */
const namePart = (k: number): boolean => ends[k] - starts[k] >= 2 && !has(k, COMMON | NON_PERSON | HONORIFIC | PARTICLE | SUFFIX | CUE_END);
/** Without a cue, a lower-case name goes on over names (lexicon or a surname's ending), or an initial before one. */
const pairGoesOn = (j: number): boolean => nameAt(j + 1) || (ends[j + 1] - starts[j + 1] === 1 && j + 2 < count && joined(j + 1, j + 2) && nameAt(j + 2));
/** A common word that is also a name goes on a lexicon name: "john smith", "maria rose". */
const nameLikeAfter = (j: number): boolean => nameLikeAt(j + 1);
/** Token k is a common word that is also a name, after a lexicon name and any initials: "john smith", "JOHN A SMITH". */
function nameLikeAt(k: number): boolean {
  if (!has(k, NAME_LIKE)) return false;
  let p = k - 1;
  while (p > 0 && ends[p] - starts[p] === 1 && joined(p, p + 1)) p--;
  return p >= 0 && joined(p, p + 1) && has(p, NAME);
}
/**
 * After a name cue, the name goes on from token j to the next: a name part, a name-like word
 * after a lexicon name, or up to two initials or particles before a name part ("eric g.
 * samoylova", "jennifer de la cruz").
 */
function nameGoesOn(j: number): boolean {
  if (nameLikeAfter(j)) return true;
  for (let k = j + 1, bridges = 0; k < count && joined(k - 1, k); k++, bridges++) {
    if (namePart(k) || (bridges > 0 && nameLikeAt(k))) return true;
    if (bridges === 2 || (ends[k] - starts[k] !== 1 && !hasSmall(k, PARTICLE))) return false;
  }
  return false;
}

/** How a chain that is not name-shaped started (lowerNameAt). */
const UNCUED = 0;
const STRONG_CUED = 1;
const NAME_CUED = 2;
/**
 * Whether a name without its capitals starts at token k (which is not name-shaped), after
 * token k - 1 of the small-list classes `before` (HONORIFIC or CUE_END). After a
 * name cue ("my name is", "name:"), a lexicon name or a common word that is also one in any
 * casing, or a lower-case name part ("my name is borna jerković", "MY NAME IS VANESSA P.
 * HERTZOG", "my name is grace"); the name then goes on over name parts. After another strong
 * cue or a title, a lexicon name ("i'm jennifer", "mr. elliott"), and the name goes on over
 * lexicon names only: "call me asap", "named mvp", "I'm jennifer lol". Without a cue, see
 * findLowerPairs. All-capital words after a cue are names only in the lexicon: "Name: TBD",
 * "Dear AWS Support".
 */
function lowerNameAt(k: number, before: number): number {
  if (before === HONORIFIC) return titled(k) && has(k, NAME) ? STRONG_CUED : UNCUED;
  if (!strongCueEnds(k - 1)) return UNCUED;
  const name = has(k, NAME);
  if ((name || has(k, NAME_LIKE) || (lowerAt(k) && namePart(k))) && nameCueBefore(k)) return NAME_CUED;
  return name && at(STRONG_CUE_BEFORE, cur, starts[k]) ? STRONG_CUED : UNCUED;
}
/**
 * In a text without capitals, where case cannot mark a name, the names no cue introduces: a
 * lexicon name followed by an initial and a name ("codey m ross", "benjamin a seiler") or by an
 * unlisted word with a surname's ending ("olga krylova"); lexicon names alone are everyday
 * words of other languages ("frage mich", "wie viele leute"). A text with capitals leaves its
 * lower-case words to the cues.
 */
function findLowerPairs(out: Entity[]): void {
  for (let k = 0; k + 1 < count; k++) {
    if (!lowerPairAt(k) || (classes[k] & IN_PERSON) !== 0) continue;
    let j = k;
    while (j + 1 < count && j - k < 5 && joined(j, j + 1) && pairGoesOn(j)) j++;
    decide(k, j, true, out);
    k = j;
  }
}
/**
 * Names in capitals ("JOHN SMITH called", "Cardholder: JOHN A SMITH", "MEETING WITH MARIA GARCIA"),
 * which no cue introduces: a lexicon name that is no common word, then up to three name parts in
 * capitals (lexicon names, name-like words, unlisted words with a surname's ending), an initial
 * allowed between. One word alone is not enough: headings and acronyms are written so too.
 */
function findCapitalPairs(out: Entity[]): void {
  for (let k = 0; k + 1 < count; k++) {
    if ((classes[k] & IN_PERSON) !== 0 || !capitalsAt(k) || !has(k, NAME) || has(k, COMMON | NON_PERSON | HONORIFIC | PARTICLE | SUFFIX | CUE_END)) continue;
    let j = k;
    let m = k + 1;
    for (; m < count && m - k < 5 && joined(m - 1, m) && (classes[m] & IN_PERSON) === 0; m++) {
      if (ends[m] - starts[m] === 1 ? !isBareInitial(m) : !capitalsAt(m) || !capitalNamePart(m)) break;
      if (ends[m] - starts[m] > 1 && !has(m, PARTICLE)) j = m;
    }
    if (j === k) continue;
    // Words no list holds may go on the name as a street's ("RUA JOÃO PESSOA 1636"): where they end tells an address.
    let r = m - 1;
    while (r + 1 < count && joined(r, r + 1) && capitalsAt(r + 1) && (cls(r + 1) & CLASS_BITS) === 0) r++;
    if (r === j || !notPerson(k, r)) decide(k, j, true, out);
    k = r;
  }
}
/** Token k has two letters or more, all of them capitals ("JOHN", "GARCÍA-LÓPEZ"). */
function capitalsAt(k: number): boolean {
  const s = starts[k];
  const e = ends[k];
  if (e - s < 2 || !isUpperChar(cur[s])) return false;
  for (let p = s + 1; p < e; p++) {
    const c = cur.charCodeAt(p);
    if (c < 128 ? c >= 97 && c <= 122 : cur[p] !== cur[p].toUpperCase()) return false;
  }
  return true;
}
/** After a name in capitals, a part of the same name: not a place or thing the lexicon knows. */
const capitalNamePart = (k: number): boolean => !has(k, NON_PERSON | HONORIFIC | CUE_END) && (nameAt(k) || has(k, NAME_LIKE) || barrelledAt(k));

/** A lower-case pair of findLowerPairs starts at token k. */
function lowerPairAt(k: number): boolean {
  let m = k + 1;
  const initial = ends[m] - starts[m] === 1;
  if (initial && (++m >= count || !joined(k + 1, m))) return false;
  if (!joined(k, k + 1) || !lowerAt(k) || !lowerAt(m)) return false;
  return has(k, NAME) && (initial ? nameAt(m) : surnameAt(m));
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

/** ASCII case-insensitive: whether `word` (lower case) and white space end right before `p`. */
function wordBefore(p: number, word: string): boolean {
  let q = p;
  while (q > 0 && isSpace(cur.charCodeAt(q - 1))) q--;
  const s = q - word.length;
  if (q === p || s < 0) return false;
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
  if (tokenIs(k, 'is')) return wordBefore(p, 'name') || wordBefore(p, 'this');
  if (tokenIs(k, 'was')) return wordBefore(p, 'name');
  if (tokenIs(k, 'am')) return wordBefore(p, 'i');
  if (tokenIs(k, 'me')) return wordBefore(p, 'call') || wordBefore(p, 'calls');
  if (tokenIs(k, 'him') || tokenIs(k, 'her')) return wordBefore(p, 'named');
  return true;
}

/** Whether the token before token a is one of `last` (any token with a non-ASCII character may be). */
function afterCueWord(a: number, last: ReadonlyMap<number, string>): boolean {
  return a > 0 && (wide[a - 1] === 1 || last.has(hashes[a - 1]));
}
const strongCueBefore = (k: number): boolean => afterCueWord(k, STRONG_CUE_LAST) && at(STRONG_CUE_BEFORE, cur, starts[k]);
/** A naming cue (NAMING) right before token k. */
const namingCueBefore = (k: number): boolean => afterCueWord(k, NAMING_CUE_LAST) && at(NAMING_CUE_BEFORE, cur, starts[k]);
const nameCueBefore = (k: number): boolean => afterCueWord(k, NAME_CUE_LAST) && at(NAME_CUE_BEFORE, cur, starts[k]);
/** CUE_AFTER at the end e of a name ("Anna said", "Anna's"). */
const cueAfter = (e: number): boolean => mayCueAfter(e) && at(CUE_AFTER, cur, e);
function mayCueAfter(e: number): boolean {
  if (e + 1 >= cur.length) return false;
  let c = cur.charCodeAt(e);
  if (c === 39 || c === 0x2019) return true;
  if (c === 44) c = cur.charCodeAt(++e);
  return c === 32 && e + 1 < cur.length && CUE_AFTER_FIRST.has(cur.charCodeAt(e + 1));
}

/**
 * Whether decide could find a person in the one-word chain [k, k]: only a name (lexicon or a
 * surname's ending), a title before it, a cue or greeting around it or a name listed with it
 * can make one word a person. A lone initial ("I", "A") never is one (decide counts no word
 * in it). Saves the lexicon probe of the capitalised words that start sentences.
 */
function mayBePerson(k: number): boolean {
  const e = ends[k];
  return (
    tokenMayBeName(hashes[k], wide[k] === 1) ||
    (k > 0 && hasSmall(k - 1, HONORIFIC)) ||
    mayCueAfter(e) ||
    afterCueWord(k, STRONG_CUE_LAST) ||
    cur.startsWith(': ', e) ||
    surnameEndAt(k) ||
    addressed(k, k) ||
    listedWithName(k)
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
  if (gap === 1) return cur.charCodeAt(ends[a]) === 32;
  return gap === 2 && ends[a] - starts[a] === 1 && cur.charCodeAt(ends[a]) === 46 && cur.charCodeAt(ends[a] + 1) === 32;
}

/** The gap from token a to the next is one space. */
const spaceAfter = (a: number): boolean => a >= 0 && a + 1 < count && starts[a + 1] - ends[a] === 1 && cur.charCodeAt(ends[a]) === 32;
/** The gap from token a to the next is ", ". */
const commaAfter = (a: number): boolean => a >= 0 && a + 1 < count && starts[a + 1] - ends[a] === 2 && cur.charCodeAt(ends[a]) === 44 && cur.charCodeAt(ends[a] + 1) === 32;
/** Token k is `word` (lower case), in any ASCII casing. */
function tokenIs(k: number, word: string): boolean {
  if (k < 0 || ends[k] - starts[k] !== word.length) return false;
  for (let p = 0; p < word.length; p++) if ((cur.charCodeAt(starts[k] + p) | 32) !== word.charCodeAt(p)) return false;
  return true;
}
/**
 * Someone addressed: after a greeting word and before a comma, "!" or the line's end ("Hi
 * Victor,", "Hello Vinicio!"; "Hi Hope you are well" goes on as a sentence), or after a comma
 * and before "!" or "?" ("Don't go to town, Derrick!", "Remember me, Maria?").
 */
function addressed(a: number, b: number): boolean {
  const c = codeAt(cur, ends[b]);
  if ((c === 33 || c === 63) && commaAfter(a - 1)) return true;
  return (c === 44 || c === 33 || lineEndAt(cur, ends[b])) && spaceAfter(a - 1) && isGreeting(a - 1);
}

/** cur[s, e) has four letters or more and ends in the last letters of a surname's ending: the cheap part of surnameEnds. */
function mayEndSurname(s: number, e: number): boolean {
  if (e - s < 4) return false;
  const tail = tailOf(cur.charCodeAt(e - 3), cur.charCodeAt(e - 2), cur.charCodeAt(e - 1));
  return (SURNAME_TAILS[tail >>> 5] & (1 << (tail & 31))) !== 0;
}
/** A word no list holds, with a surname's ending. */
const surnameAt = (k: number): boolean => (cls(k) & CLASS_BITS) === 0 && surnameEndAt(k);
/** Token k ends in a surname's ending (SURNAME_ENDS, ASCII case aside) after two letters or more. */
const surnameEndAt = (k: number): boolean => surnameEnds(starts[k], ends[k]);
/** cur[s, e) ends in a surname's ending after two letters or more. */
const surnameEnds = (s: number, e: number): boolean => mayEndSurname(s, e) && endsIn(SURNAME_ENDS, s, e, 2);
/** cur[s, e) ends in one of `ends` (lower case; ASCII case aside) after `stem` letters or more. */
function endsIn(ends: readonly string[], s: number, e: number, stem: number): boolean {
  for (const end of ends) {
    const from = e - end.length;
    if (from - s < stem) continue;
    let p = 0;
    while (p < end.length && lowerAscii(cur.charCodeAt(from + p)) === end.charCodeAt(p)) p++;
    if (p === end.length) return true;
  }
  return false;
}
/**
 * Endings of English abstract nouns that no name has ("Authorization", "Escalation",
 * "Procurement", "Availability", "Partnership"): a word no list holds with one is a field's
 * label or a heading ("Authorization: Basic …"), not a surname the lexicon lacks.
 */
const NOUN_ENDS = 'tion sion ment ity ship ism'.split(' ');
const abstractNounAt = (k: number): boolean => (cls(k) & CLASS_BITS) === 0 && endsIn(NOUN_ENDS, starts[k], ends[k], 3);

/** A comma, " and" or " &" next to token k (read before the tokens around it: most words stand in no list). */
function mayBeListed(k: number): boolean {
  const s = starts[k];
  const e = ends[k];
  const after = codeAt(cur, e);
  const before = codeAt(cur, s - 2);
  return after === 44 || (after === 32 && (codeAt(cur, e + 1) === 97 || codeAt(cur, e + 1) === 38)) || (codeAt(cur, s - 1) === 32 && (before === 44 || before === 100 || before === 38));
}
/** The list item before token k ("A, k" or "A and k"), or -1. */
function itemBefore(k: number): number {
  if (commaAfter(k - 1)) return k - 1;
  return spaceAfter(k - 1) && spaceAfter(k - 2) && tokenIs(k - 1, 'and') ? k - 2 : -1;
}
/** The list item after token k ("k, B" or "k and B"), or -1. */
function itemAfter(k: number): number {
  if (commaAfter(k)) return k + 1;
  return spaceAfter(k) && spaceAfter(k + 1) && tokenIs(k + 1, 'and') ? k + 2 : -1;
}
/** List item k (not -1) is a capitalised name. */
const nameItem = (k: number): boolean => nameShaped(k) && (tokenMayBeName(hashes[k], wide[k] === 1) || surnameEndAt(k)) && nameAt(k);
/** A name part or name-like word listed next to a name is a name: "They had 6: Gaetane, Hannah, Sherry, …", "Lamovec and Morales were"; "Thomas and Sons" is a firm. */
function listedWithName(k: number): boolean {
  if (!mayBeListed(k)) return false;
  const before = itemBefore(k);
  let listed = before >= 0 && nameItem(before) && !companyAfter(cur, ends[before]);
  if (!listed) {
    const after = itemAfter(k);
    listed = after >= 0 && nameItem(after);
  }
  return listed && (namePart(k) || has(k, NAME_LIKE));
}

/** A lexicon name, or a word no list holds with a surname's ending. */
const nameAt = (k: number): boolean => has(k, NAME) || surnameAt(k);
/**
 * A double-barrelled name the lexicon does not hold whole ("Garcia-Lopez", "Smith-Jones"):
 * every part joined by '-' is a lexicon name, a common word that is also one, or a word no
 * list holds with a surname's ending, and one part is no common word ("Rose-Gold" is none).
 * Brands are written so too ("Coca-Cola", "Rolls-Royce"): one counts as a name only beside
 * another name, or where a cue makes any word one. Answered once per token.
 */
function barrelledAt(k: number): boolean {
  if ((classes[k] & BARREL_READ) === 0) classes[k] |= BARREL_READ | (barrelled(k) ? BARRELLED : 0);
  return (classes[k] & BARRELLED) !== 0;
}
function barrelled(k: number): boolean {
  const e = ends[k];
  let q = nextDash(starts[k], e);
  if (q === e || (cls(k) & CLASS_BITS) !== 0) return false;
  let name = false;
  for (let p = starts[k]; p < e; p = q + 1, q = nextDash(q + 1, e)) {
    if (q - p < 2) return false;
    const bits = wordClassAt(cur, p, q);
    if ((bits & NAME) !== 0 || ((bits & CLASS_BITS) === 0 && surnameEnds(p, q))) name = true;
    else if ((bits & NAME_LIKE) === 0) return false;
  }
  return name;
}
/** The next '-' in cur[p, e), or e (read within the token: an indexOf could run on to the text's end). */
function nextDash(p: number, e: number): number {
  while (p < e && cur.charCodeAt(p) !== 45) p++;
  return p;
}
/**
 * A word dropped from the edge of a chain: a common word, unless it is name-like next to a name
 * or initial of the chain ("Martin Karlsen", "Ken N. Fukuda"). A greeting is never part of the
 * name it greets ("Hi John", "Hey Anna").
 */
const wordy = (k: number, neighbour: number, i: number, j: number): boolean =>
  has(k, COMMON) &&
  (isGreeting(k) || !(has(k, NAME_LIKE) && neighbour >= i && neighbour <= j && (isBareInitial(neighbour) || nameAt(neighbour) || barrelledAt(neighbour))));
const isGreeting = (k: number): boolean => tokenIs(k, 'hi') || tokenIs(k, 'hey') || tokenIs(k, 'hello');

function decide(i: number, j: number, lowerStart: boolean, out: Entity[]): void {
  const text = cur;
  let a = i;
  let honorific = titled(i);
  // A title, or a naming cue, an address or a list of names around a common word that is also a
  // name, anchors the chain: "Mr. Young", "My name is Martin", "Hi Victor,", "Donna, Sherry, Donald".
  let anchored = honorific;
  while (a <= j && (has(a, HONORIFIC | NON_PERSON | PARTICLE | CUE_END) || wordy(a, a + 1, i, j))) {
    if (has(a, HONORIFIC)) honorific = anchored = true;
    else if (honorific && !has(a, NON_PERSON) && nameShaped(a)) break;
    // A place or month that is also a first name, before a name part that is a lexicon name or has a surname's ending
    // ("Jan Kowalski", "Jordan Peterson"), not after a number ("12 Jan Kowalski": the date's); it is anchored by a name cue only
    // ("My name is Jordan"), not by a greeting or list ("Hi Houston", "Austin, Dallas and Houston").
    else if (has(a, NON_PERSON) && has(a, NAME_LIKE) && a < j && namePart(a + 1) && nameAt(a + 1) && !addressBefore(cur, starts[a])) break;
    else if (has(a, NAME_LIKE) && (has(a, NON_PERSON) ? nameCueBefore(a) : namingCueBefore(a) || addressed(a, j) || (a === j && listedWithName(a)))) {
      anchored = true;
      break;
    }
    a++;
  }
  let b = j;
  while (b >= a && (has(b, NON_PERSON | SUFFIX) || isBareInitial(b) || wordy(b, b - 1, i, j)) && !(anchored && b === a)) b--;
  if (b < a) return;
  // A common word in the middle splits the chain; score each side on its own. A one-letter
  // token in the middle is an initial ("Vanessa M. Hertzog"), and two particles in a row are
  // particles ("Maika van de Noort"), whatever word they also spell ("Ich bin Selbstständiger" splits).
  for (let k = a + 1; k < b; k++) {
    if (ends[k] - starts[k] > 1 && has(k, COMMON | NON_PERSON) && !(has(k, PARTICLE) && (has(k - 1, PARTICLE) || has(k + 1, PARTICLE)))) {
      decide(a, k - 1, lowerStart, out);
      decide(k + 1, b, lowerStart, out);
      return;
    }
  }
  let words = 0;
  let lexHits = 0;
  let barrels = 0;
  let hasInitial = false;
  for (let k = a; k <= b; k++) {
    if (isBareInitial(k)) hasInitial = true;
    else if (!has(k, PARTICLE)) {
      words++;
      if (nameAt(k)) lexHits++;
      else if (barrelledAt(k)) barrels++;
    }
  }
  if (words === 0) return;
  if (words >= 2) lexHits += barrels;
  const s = starts[a];
  const e = ends[b];
  // Cheapest evidence first: most names end here on the lexicon, before any cue regex runs.
  const person =
    honorific ||
    lowerStart ||
    lexHits > 0 ||
    (words >= 2 && hasInitial) ||
    cueAfter(e) ||
    (words >= 2 && ((afterCueWord(a, CUE_LAST) && at(CUE_BEFORE, text, s)) || at(LINE_START, text, s))) ||
    strongCueBefore(a) ||
    addressed(a, b) ||
    (a === b && listedWithName(a)) ||
    (text.startsWith(': ', e) && at(LINE_START, text, s) && !nameAfterLabel(b) && !(a === b && abstractNounAt(a)));
  if (!person) return;
  if (notPerson(a, b)) {
    // A name that runs on into a street-first address is the words before the street's name, after a title too.
    // Elsewhere the whole chain stays a candidate: where an address found inside it is kept, find.ts keeps the name's letters outside it.
    const street = streetIn(a, b);
    if (street > a) decide(a, street - 1, lowerStart, out);
    if (street > a || !honorific) return;
  }
  out.push({ type: 'PERSON', start: s, end: e, value: text.slice(s, e) });
  for (let k = a; k <= b; k++) classes[k] |= IN_PERSON;
  if (words >= 2) seed(a, b, honorific || lowerStart || hasInitial || lexHits === words);
}

/**
 * Right after "Word: ", a lexicon name that is no common word and whose name fills the rest of the
 * line: the word is a field's label ("Cardholder: JOHN SMITH", "Assignee: Jane Doe"), not a
 * speaker in a transcript, whose line goes on ("Okafor: David and I agree").
 */
function nameAfterLabel(b: number): boolean {
  let k = b + 1;
  if (k >= count || starts[k] !== ends[b] + 2 || !(nameShaped(k) || capitalsAt(k)) || !has(k, NAME) || has(k, COMMON)) return false;
  while (k + 1 < count && k - b < 4 && joined(k, k + 1) && (nameShaped(k + 1) || capitalsAt(k + 1) || isBareInitial(k + 1))) k++;
  return lineEndAt(cur, ends[k]);
}

/**
 * A name found is not a person's after all: after a house number, or before a street word or
 * house number, it is part of an address (one word before any number is taken for a label);
 * before a designator, a company's.
 */
function notPerson(a: number, b: number): boolean {
  const e = ends[b];
  return addressBefore(cur, starts[a]) || addressAfter(cur, e, a === b) || companyAfter(cur, e);
}
/** The token in (a, b] where the street of a street-first address ends at token b starts ("Maria Schmidt Hauptstraße 5"), or -1. */
function streetIn(a: number, b: number): number {
  const p = ends[b] + 1;
  if (codeAt(cur, p - 1) !== 32 || !isDigit(codeAt(cur, p)) || houseNumberEnd(cur, p) === -1) return -1;
  const start = streetBefore(cur, p, true);
  for (let k = b; k > a; k--) if (starts[k] === start) return k;
  return -1;
}
/**
 * The full name [a, b] seeds findRepeats with its parts that are no common words, when more
 * than one lexicon word made it (`strong`: all its words are names, or a title, cue or initial
 * was there) or a cue around it does: "Zeit Online" does not.
 */
function seed(a: number, b: number, strong: boolean): void {
  if (!strong && !((afterCueWord(a, CUE_LAST) && at(CUE_BEFORE, cur, starts[a])) || cueAfter(ends[b]))) return;
  for (let k = a; k <= b; k++) {
    if (!namePart(k)) continue;
    seedWords.add(cur.slice(starts[k], ends[k]));
    seedBits |= hashBits(hashes[k]);
  }
}

/**
 * The parts of the full names found (no common words among them) name the same person where
 * they stand alone elsewhere in the text: "directed by Joakim Westgård and starring Westgård",
 * "my name is borna jerković but everyone calls me borna".
 */
function findRepeats(out: Entity[]): void {
  for (let k = 0; k < count; k++) {
    const bits = hashBits(hashes[k]);
    if ((seedBits & bits) !== bits || (classes[k] & IN_PERSON) !== 0) continue;
    const word = cur.slice(starts[k], ends[k]);
    if (seedWords.has(word)) out.push({ type: 'PERSON', start: starts[k], end: ends[k], value: word });
  }
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
