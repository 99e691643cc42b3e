/**
 * The one linear candidate pass over a text, before any recognizer runs: word tokens with
 * their lexicon hashes (for PERSON), numbers (for the phone, card and ID recognizers), the digit count, the marker
 * characters (for the secret shapes) and the keywords of the regex recognizers. A recognizer whose prerequisites are absent does not run
 * at all, and a number recognizer runs only from the numbers long enough to hold its entity.
 * Results live in module-level buffers reused across calls (the engine is synchronous and
 * not re-entrant), so a scan allocates nothing for ordinary texts.
 */
import { FNV_OFFSET, FNV_PRIME, foldedHash, isWide } from './lexicon';
import { STREET_WORDS_BEFORE, STREET_WORDS_BEFORE_CAPITALISED } from './streets';
import { changedInView, isChangedLetter, isChangedControl, markupOrRefAt, marksNoLetter } from './view';

// Module constants: the letter loop reads them per character, and an imported binding is a property read in CommonJS.
const OFFSET = FNV_OFFSET;
const PRIME = FNV_PRIME;

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const LETTER = 1;
const DIGIT = 2;
/** What may separate the digit groups of one number: "(415) 555-2671", "4111 1111", "1.2.3.4", "12/05/1985". */
const GAP = 4;
/** A character `marker` looks at: @ : = . - _ ! & < ( [ { and one the view changes (view.ts) that is no letter. */
const MARKER = 8;
/** Classes of the first 2048 code points (Latin, Greek, Cyrillic, Hebrew, Arabic), computed once. */
const CLASS = Uint8Array.from({ length: 0x800 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (LETTER_OR_MARK.test(ch)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  const inView = c < 128 ? isChangedControl(c) : changedInView(ch, 0);
  return (' .-()/'.includes(ch) ? GAP : 0) | ('@:=.-_!&<([{'.includes(ch) || inView ? MARKER : 0);
});
const isLetter = (c: number, text: string, k: number): boolean => (c < 0x800 ? CLASS[c] === LETTER : LETTER_OR_MARK.test(text[k]));
const isJoiner = (c: number): boolean => c === 39 || c === 45 || c === 0x2019; // ' - ’
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const letterAt = (text: string, k: number): boolean => k < text.length && isLetter(text.charCodeAt(k), text, k);
/** text.charCodeAt(k), or -1 outside the text (reading out of bounds would deoptimise the scan). */
const codeAt = (text: string, k: number): number => (k >= 0 && k < text.length ? text.charCodeAt(k) : -1);

/** The secret shapes of recognizers.ts, by the marker each one cannot match without. */
export const SHAPE = {
  /** A word starting AKIA, ASIA, ABIA or ACCA. */
  AWS: 1,
  /** ".eyJ" */
  JWT: 2,
  /** "xox?-", "xapp-" or "://" */
  SLACK: 4,
  /** '_' (Stripe, GitHub, npm, Stripe webhook secrets) */
  UNDERSCORE: 8,
  /** "pat-" */
  HUBSPOT: 16,
  /** '!' before a token character (Salesforce session id) */
  BANG: 32,
  /** "://" */
  URL: 64,
  /** "-----BEGIN" */
  PRIVATE_KEY: 128,
  /** A word starting AIza (Google API key). */
  GOOGLE: 256,
  /** "SG." (SendGrid) */
  SENDGRID: 512,
  /** "glpat-", "glptt-" or "gldt-" (GitLab) */
  GITLAB: 1024,
  /** "sk-" (OpenAI, Anthropic) */
  SK: 2048,
} as const;

/**
 * Words some recognizer cannot match without, found as whole runs of ASCII letters (the
 * recognizers' regexes match ASCII case-insensitively, and a run of ASCII letters is what lies
 * between two of their \b). A bit may be set where the regex still finds nothing; never the
 * other way round.
 */
export const KEYWORD = {
  /**
   * A word each KEYWORD_SECRET key holds as a whole run where it starts a word ("password", "api"
   * of "api_key", "contrase" of "contraseña", "senord" of "lösenord"). A key starting inside a
   * word, camel case ("dbPassword"), holds none: recognizers.ts secrets looks for those itself.
   */
  SECRET: 1,
  /** The word of a credential read after it: "Basic", "AccountKey", "SharedAccessKey", "sig" (SAS), "curl" (its -u). */
  CREDENTIAL: 2,
  /** The first word of an ADDRESS_CUE ("lives", "ship", …), or a word starting "address". */
  ADDRESS_CUE: 4,
  /** Apt, Apartment, Suite, Ste, Unit, Box (UNIT). */
  UNIT: 8,
  /** A street type of STREET ("Street", "Ave", …). */
  STREET: 16,
  /** Two upper-case letters (a US state of US_STATE_ZIP). */
  UPPER_PAIR: 32,
  /**
   * A letter outside ASCII that STREET's street types can match under /iu: "ſ" and "K"
   * (Kelvin) fold to "s" and "k", and "ß" or "ẞ" spell "Straße". A text with one is not ruled
   * out by its ASCII words; no other letter folds to a letter of the street types.
   */
  WIDE: 64,
  /** A month name of recognizers.ts MONTH: a date with one and a two-digit year ("12 Mar 85") has no year run. */
  MONTH: 128,
  /** A street word written before the street's name ("Rua", "Via", "ul."): streets.ts streetBefore. */
  STREET_BEFORE: 256,
  /**
   * A French street type of recognizers.ts FRENCH_STREET ("rue", "bd", "rond" of "rond-point"), or "all" cut short by a
   * letter outside ASCII: "allée" is the run "all" and the run "e".
   */
  FRENCH_STREET: 512,
} as const;

/** Keyword hashes, open addressing (about 10% full, so a word no keyword mostly meets an empty slot). */
const KEYWORD_MASK = 1023;
const keywordHash = new Int32Array(KEYWORD_MASK + 1);
const keywordBits = new Uint16Array(KEYWORD_MASK + 1);
/** The slot of hash h, or the empty slot where it would go. */
function keywordSlot(h: number): number {
  let slot = h & KEYWORD_MASK;
  while (keywordBits[slot] !== 0 && keywordHash[slot] !== h) slot = (slot + 1) & KEYWORD_MASK;
  return slot;
}
/** By first letter (folded) and length (15: longer), whether a keyword has that shape: most runs are not hashed. */
const runShape = (first: number, len: number): number => ((first | 32) << 4) | (len < 15 ? len : 15);
const KEYWORD_SHAPES = new Uint8Array(128 << 4);
for (const [bit, words] of [
  [KEYWORD.SECRET, 'api apikey access accesskey accesstoken secret secretkey private privatekey clientsecret token authtoken refreshtoken pass password passwd passcode passphrase passwort passe pw pwd kennwort wachtwoord senha contrase contrasena senord losenord bearer'],
  [KEYWORD.CREDENTIAL, 'basic accountkey sharedaccesskey sig curl'],
  [KEYWORD.ADDRESS_CUE, 'lives living located send sent moved ship shipped deliver delivered'],
  [KEYWORD.UNIT, 'apt apartment suite ste unit box'],
  [KEYWORD.MONTH, 'jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october nov november dec december'],
  // The words' runs of ASCII letters: "ul." is the run "ul".
  [KEYWORD.STREET_BEFORE, [...STREET_WORDS_BEFORE, ...STREET_WORDS_BEFORE_CAPITALISED].map((w) => w.replace('.', '')).join(' ')],
  [KEYWORD.FRENCH_STREET, 'rue avenue av bd boulevard place pl allee impasse chemin quai route cours square passage faubourg fbg voie sentier rond'],
  [KEYWORD.STREET, 'street st avenue ave road rd boulevard blvd lane ln drive dr court ct way place pl terrace parkway pkwy highway hwy circle cir square sq trail crescent close gardens grove row alley plaza walk rue via calle strasse weg gasse platz allee vej gatan gate katu tie'],
] as const) {
  for (const w of words.split(' ')) {
    const h = foldedHash(w, 0, w.length);
    const slot = keywordSlot(h);
    keywordHash[slot] = h;
    keywordBits[slot] |= bit;
    KEYWORD_SHAPES[runShape(w.charCodeAt(0), w.length)] = 1;
  }
}
const ADDRESS_HASH = foldedHash('address', 0, 7);
const ALL_HASH = foldedHash('all', 0, 3);
/** Whether s[start, start + 7) is "address" in any ASCII casing. */
const isAddress = (s: string, start: number): boolean => foldedHash(s, start, start + 7) === ADDRESS_HASH;
/** The KEYWORD bits of the run of ASCII letters s[start, end), whose foldedHash is `h`. */
function runKeywords(s: string, start: number, end: number, h: number): number {
  const len = end - start;
  const first = s.charCodeAt(start);
  let bits = KEYWORD_SHAPES[runShape(first, len)] === 0 ? 0 : keywordBits[keywordSlot(h)];
  if (len >= 7 && (first | 32) === 97 && isAddress(s, start)) bits |= KEYWORD.ADDRESS_CUE;
  if (len === 2 && first < 91 && s.charCodeAt(start + 1) < 91) bits |= KEYWORD.UPPER_PAIR;
  return bits;
}

export interface Scan {
  /** Word tokens: /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*\/u, a trailing possessive "'s" left out. */
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  /**
   * Each token's lexicon hash (lexicon.ts foldedHash of [start, end)), read with its letters;
   * 0 where `wide` is set.
   */
  hashes: Int32Array<ArrayBuffer>;
  /** 1 where the token has a character above '~': the lexicon looks such words up as strings. */
  wide: Uint8Array<ArrayBuffer>;
  tokens: number;
  /**
   * Numbers: digit groups joined by at most three of ` .-()/` (or an extension marker
   * "x", "ext", "extension"), with their digit count. A phone, card, SSN, SIN, NINO, IP or
   * date lies within one number, so its recognizer starts only from numbers with its digits.
   */
  numStarts: Int32Array<ArrayBuffer>;
  numEnds: Int32Array<ArrayBuffer>;
  numDigits: Int32Array<ArrayBuffer>;
  numbers: number;
  /** The most digits of one number. */
  maxNumber: number;
  digits: number;
  at: boolean;
  /**
   * What an obfuscated '@' starts with (recognizers.ts OBFUSCATED_AT): a bracket before an 'a',
   * 'ä' or '@' ("(at)", "[ät]", "(@)"), or the word "AT" in capitals.
   */
  obfuscatedAt: boolean;
  colon: boolean;
  equals: boolean;
  /** A digit, '.', a digit: the only way an IPv4 address starts. */
  dotted: boolean;
  /** A letter right before a digit (IBAN, "GB82…"); an upper-case one (UK postcode, "SW1A"). */
  letterDigit: boolean;
  upperDigit: boolean;
  /** The longest run of digits. */
  maxRun: number;
  /** A number then a word ("12 Main", "12B Main", and "ſ" or "K" (Kelvin), which STREET reads as a letter under /iu), or an ordinal ("5th Avenue"): the ways a street address starts. */
  numberWord: boolean;
  /** SHAPE bits: the secret shapes whose marker the text holds. */
  shapes: number;
  /** KEYWORD bits: the words the text holds. */
  keywords: number;
  /**
   * A run of four or eight digits starting 19 or 20 ("1985", "19850312"), three digit groups
   * joined by single '/', '.' or '-', or a month name: what every date shape of recognizers.ts DATE holds.
   */
  dateLike: boolean;
  /** A character the view changes (view.ts: hidden, read as ASCII, HTML markup): none of the above counts one. */
  needsView: boolean;
  /** An HTML tag, comment or character reference: the view renders it, and the text is read as written too. */
  markup: boolean;
}

const state: Scan = {
  starts: new Int32Array(256),
  ends: new Int32Array(256),
  hashes: new Int32Array(256),
  wide: new Uint8Array(256),
  tokens: 0,
  numStarts: new Int32Array(64),
  numEnds: new Int32Array(64),
  numDigits: new Int32Array(64),
  numbers: 0,
  maxNumber: 0,
  digits: 0,
  at: false,
  obfuscatedAt: false,
  colon: false,
  equals: false,
  dotted: false,
  letterDigit: false,
  upperDigit: false,
  maxRun: 0,
  numberWord: false,
  shapes: 0,
  keywords: 0,
  dateLike: false,
  needsView: false,
  markup: false,
};

const grow = <T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T => {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
};

function addNumber(n: number, start: number, end: number, digits: number): void {
  if (n === state.numStarts.length) {
    state.numStarts = grow(state.numStarts);
    state.numEnds = grow(state.numEnds);
    state.numDigits = grow(state.numDigits);
  }
  state.numStarts[n] = start;
  state.numEnds[n] = end;
  state.numDigits[n] = digits;
}

const AWS_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA'];
/** The shapes of a word starting 'A' at `k`: an AWS key id, a Google API key. */
const capitalAShapes = (text: string, k: number): number =>
  (AWS_PREFIXES.some((p) => text.startsWith(p, k)) ? SHAPE.AWS : 0) | (text.startsWith('AIza', k) ? SHAPE.GOOGLE : 0);
/** The phone extension markers of recognizers.ts PHONE: a number goes on across them. */
const isExtension = (text: string, s: number, e: number): boolean =>
  e - s === 1 ? codeAt(text, s) === 120 : (e - s === 3 || e - s === 9) && text.startsWith(e - s === 3 ? 'ext' : 'extension', s);
const GITLAB_PREFIXES = ['glpat', 'glptt', 'gldt'];
/** The shapes a '-' at `k` marks: "-----BEGIN", and after letters "pat-", "xox?-", "xapp-", "glpat-", "glptt-", "gldt-", "sk-". */
function dashShapes(text: string, k: number): number {
  const begin = text.startsWith('-----BEGIN', k) ? SHAPE.PRIVATE_KEY : 0;
  // Most dashes follow a digit or a space: every other shape has a letter before its dash.
  if (k < 2 || !isAsciiLetter(text.charCodeAt(k - 1))) return begin;
  return (
    begin |
    (k >= 3 && text.startsWith('pat', k - 3) ? SHAPE.HUBSPOT : 0) |
    (k >= 4 && (text.startsWith('xox', k - 4) || text.startsWith('xapp', k - 4)) ? SHAPE.SLACK : 0) |
    (GITLAB_PREFIXES.some((p) => k >= p.length && text.startsWith(p, k - p.length)) ? SHAPE.GITLAB : 0) |
    (text.startsWith('sk', k - 2) ? SHAPE.SK : 0)
  );
}
/** A run of four digits at `k` that starts 19 or 20, as a year. */
const isYear = (text: string, k: number): boolean => (text.charCodeAt(k) === 49 && text.charCodeAt(k + 1) === 57) || (text.charCodeAt(k) === 50 && text.charCodeAt(k + 1) === 48);
/** Whether the digit run of length `run` ending at `end` is a year or a year, month and day ("19850312"). */
const yearRun = (text: string, end: number, run: number): boolean => (run === 4 || run === 8) && isYear(text, end - run);
/** Whether a, b are an ordinal's letters: st, nd, rd or th in any case, or "ſt", which /iu reads as "st" (recognizers.ts STREET). */
const isOrdinalEnd = (a: number, b: number): boolean => {
  const x = a | 32;
  const y = b | 32;
  return ((x === 115 || a === 0x17f) && y === 116) || ((x === 110 || x === 114) && y === 100) || (x === 116 && y === 104);
};
/** After '!': a character of a Salesforce session id. */
const isTokenChar = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 46 || c === 95 || c === 45;

// The scan's yes/no findings, as bits of one number while it runs; SHAPE bits sit above them.
const AT = 1;
const COLON = 2;
const EQUALS = 4;
const DOTTED = 8;
const LETTER_DIGIT = 16;
const UPPER_DIGIT = 32;
const NUMBER_WORD = 64;
const DATE_LIKE = 128;
const NEEDS_VIEW = 256;
const MARKUP = 512;
const MAYBE_OBFUSCATED_AT = 1024;
const SHAPE_SHIFT = 16;

/** MAYBE_OBFUSCATED_AT if the bracket at k, then at most one space, comes before an 'a', 'ä' or '@'. */
function bracketAt(text: string, k: number): number {
  let c = codeAt(text, k + 1);
  if (c === 32) c = codeAt(text, k + 2);
  return (c | 32) === 97 || c === 64 || (c | 32) === 0xe4 ? MAYBE_OBFUSCATED_AT : 0;
}

/** The findings of the MARKER character `c` at `k`. */
function marker(text: string, k: number, c: number): number {
  switch (c) {
    case 64: // @
      return AT;
    case 58: // :
      return codeAt(text, k + 1) === 47 && codeAt(text, k + 2) === 47 ? COLON | ((SHAPE.URL | SHAPE.SLACK) << SHAPE_SHIFT) : COLON;
    case 61: // =
      return EQUALS;
    case 46: // .
      if (isDigit(codeAt(text, k - 1)) && isDigit(codeAt(text, k + 1))) return DOTTED;
      return ((text.startsWith('eyJ', k + 1) ? SHAPE.JWT : 0) | (k >= 2 && text.startsWith('SG', k - 2) ? SHAPE.SENDGRID : 0)) << SHAPE_SHIFT;
    case 45: // -
      return dashShapes(text, k) << SHAPE_SHIFT;
    case 95: // _
      return SHAPE.UNDERSCORE << SHAPE_SHIFT;
    case 33: // !
      return isTokenChar(codeAt(text, k + 1)) ? SHAPE.BANG << SHAPE_SHIFT : 0;
    case 38: // & (a character reference)
      return markupOrRefAt(text, k) ? NEEDS_VIEW | MARKUP : 0;
    case 60: // < (an HTML tag or comment, or an obfuscated '@')
      return (markupOrRefAt(text, k) ? NEEDS_VIEW | MARKUP : 0) | bracketAt(text, k);
    case 40: // (
    case 91: // [
    case 123: // {
      return bracketAt(text, k);
    default:
      return NEEDS_VIEW;
  }
}

/** Scan `text`; the result is overwritten by the next call. */
export function scan(text: string): Scan {
  const len = text.length;
  let starts = state.starts;
  let ends = state.ends;
  let hashes = state.hashes;
  let wides = state.wide;
  let n = 0;
  let numbers = 0;
  let digits = 0;
  let flags = 0;
  let run = 0;
  let maxRun = 0;
  // The number being read: its start, end and digits, and the GAP characters since its last digit (-1: none can follow).
  let numStart = 0;
  let numEnd = 0;
  let numDigits = 0;
  let maxNumber = 0;
  let gap = -1;
  // Digit groups of the current number joined by one '/', '.' or '-' (a date's), and whether the gap being read is one.
  let dateGroups = 0;
  let dateGap = false;
  let keywords = 0;
  let k = 0;
  while (k < len) {
    const c = text.charCodeAt(k);
    const t = c < 0x800 ? CLASS[c] : LETTER_OR_MARK.test(text[k]) ? LETTER : changedInView(text, k) ? MARKER : 0;
    if (t === LETTER) {
      const s = k;
      if (c >= 0x300 && marksNoLetter(text, k)) flags |= NEEDS_VIEW;
      // An AWS or Google key starts at a \b: a token start, after a joiner, or after a non-ASCII letter.
      if (c === 65) flags |= capitalAShapes(text, k) << SHAPE_SHIFT;
      // The token has a character above '~' (`wide`), or a joiner (its hash is not its one run's).
      let wide = 0;
      let joined = false;
      let h = OFFSET;
      for (;;) {
        // The letters of the token; `d` ends as the character after them (-1 at the end).
        // `ascii`: where the run of ASCII letters being read starts; `h`: that run's foldedHash.
        let d = -1;
        let ascii = k;
        h = OFFSET;
        while (k < len) {
          const x = text.charCodeAt(k);
          if (x < 128) {
            if (CLASS[x] !== LETTER) {
              d = x;
              break;
            }
            h = Math.imul(h ^ (x | 32), PRIME);
          } else {
            if (!isLetter(x, text, k)) {
              d = x;
              break;
            }
            if (ascii < k) keywords |= runKeywords(text, ascii, k, h) | (h === ALL_HASH ? KEYWORD.FRENCH_STREET : 0);
            ascii = k + 1;
            h = OFFSET;
            wide = 1;
            if (x === 0x17f || x === 0x212a || x === 0xdf || x === 0x1e9e) keywords |= KEYWORD.WIDE;
            else if (isChangedLetter(x)) flags |= NEEDS_VIEW;
            if (codeAt(text, k + 1) === 65) flags |= capitalAShapes(text, k + 1) << SHAPE_SHIFT;
          }
          k++;
        }
        if (ascii < k) keywords |= runKeywords(text, ascii, k, h);
        if (isJoiner(d) && k + 1 < len && isLetter(text.charCodeAt(k + 1), text, k + 1)) {
          joined = true;
          if (d === 0x2019) wide = 1;
          if (d === 45) flags |= dashShapes(text, k) << SHAPE_SHIFT;
          if (text.charCodeAt(k + 1) === 65) flags |= capitalAShapes(text, k + 1) << SHAPE_SHIFT;
          k++;
        } else break;
      }
      if (yearRun(text, s, run)) flags |= DATE_LIKE;
      run = 0;
      // A phone extension ("555-2671 ext. 12") continues its number; any other word ends it.
      gap = gap >= 0 && gap <= 3 && isExtension(text, s, k) ? 0 : -1;
      const last = text.charCodeAt(k - 1);
      if (k < len && isDigit(text.charCodeAt(k))) {
        if (isAsciiLetter(last)) flags |= LETTER_DIGIT;
        if (last >= 65 && last <= 90) flags |= UPPER_DIGIT;
      }
      if (k - s === 2 && text.charCodeAt(s) === 65 && last === 84) flags |= MAYBE_OBFUSCATED_AT; // "AT"
      let e = k;
      if ((last === 115 || last === 83) && e - s > 2) {
        const quote = text.charCodeAt(e - 2);
        if (quote === 39 || quote === 0x2019) e -= 2;
      }
      if (n === starts.length) {
        starts = state.starts = grow(starts);
        ends = state.ends = grow(ends);
        hashes = state.hashes = grow(hashes);
        wides = state.wide = grow(wides);
      }
      starts[n] = s;
      ends[n] = e;
      // A possessive "'s" is cut after a joiner: only a token of one run is hashed as it was read
      // (and a cut "’s" may have been the token's only character above '~').
      if (joined && wide === 1 && e < k && !isWide(text, s, e)) wide = 0;
      hashes[n] = wide === 1 ? 0 : joined ? foldedHash(text, s, e) : h;
      wides[n] = wide;
      n++;
      continue;
    }
    if (t === DIGIT) {
      digits++;
      if (++run > maxRun) maxRun = run;
      if (gap === 1 && dateGap) {
        if (++dateGroups >= 2) flags |= DATE_LIKE;
      } else if (gap !== 0) dateGroups = 0;
      dateGap = false;
      if (gap >= 0 && gap <= 3) numDigits++;
      else {
        if (numDigits > 0) {
          addNumber(numbers++, numStart, numEnd, numDigits);
          if (numDigits > maxNumber) maxNumber = numDigits;
        }
        numStart = k;
        numDigits = 1;
      }
      numEnd = k + 1;
      gap = 0;
      if ((flags & NUMBER_WORD) === 0 && k + 2 < len) {
        const d = text.charCodeAt(k + 1);
        if (
          (d === 32 && letterAt(text, k + 2)) ||
          ((isAsciiLetter(d) || d === 0x17f || d === 0x212a) && codeAt(text, k + 2) === 32 && letterAt(text, k + 3)) ||
          (isOrdinalEnd(d, text.charCodeAt(k + 2)) && codeAt(text, k + 3) === 32)
        )
          flags |= NUMBER_WORD;
      }
      k++;
      continue;
    }
    if (yearRun(text, k, run)) flags |= DATE_LIKE;
    run = 0;
    dateGap = gap === 0 && (c === 47 || c === 46 || c === 45);
    if (gap >= 0) gap = (t & GAP) !== 0 ? gap + 1 : -1;
    if ((t & MARKER) !== 0) flags |= marker(text, k, c);
    k++;
  }
  if (numDigits > 0) {
    addNumber(numbers++, numStart, numEnd, numDigits);
    if (numDigits > maxNumber) maxNumber = numDigits;
  }
  if (yearRun(text, len, run)) flags |= DATE_LIKE;
  state.tokens = n;
  state.numbers = numbers;
  state.maxNumber = maxNumber;
  state.digits = digits;
  state.at = (flags & AT) !== 0;
  state.obfuscatedAt = (flags & MAYBE_OBFUSCATED_AT) !== 0;
  state.colon = (flags & COLON) !== 0;
  state.equals = (flags & EQUALS) !== 0;
  state.dotted = (flags & DOTTED) !== 0;
  state.letterDigit = (flags & LETTER_DIGIT) !== 0;
  state.upperDigit = (flags & UPPER_DIGIT) !== 0;
  state.maxRun = maxRun;
  state.numberWord = (flags & NUMBER_WORD) !== 0;
  state.shapes = flags >>> SHAPE_SHIFT;
  state.keywords = keywords;
  state.dateLike = (flags & DATE_LIKE) !== 0 || (keywords & KEYWORD.MONTH) !== 0;
  state.needsView = (flags & NEEDS_VIEW) !== 0;
  state.markup = (flags & MARKUP) !== 0;
  return state;
}
