/**
 * The one linear candidate pass over a text, before any recognizer runs: word tokens (for
 * PERSON), the digit count and the marker characters '@', ':', '=' and "1.2" (for the
 * pattern recognizers). A recognizer whose prerequisites are absent does not run at all.
 * Results live in module-level buffers reused across calls (the engine is synchronous and
 * not re-entrant), so a scan allocates nothing for ordinary texts.
 */

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
/** Letter-or-mark flags of the first 2048 code points (Latin, Greek, Cyrillic, Hebrew, Arabic), computed once. */
const WORD_CHARS = Uint8Array.from({ length: 0x800 }, (_, c) => (LETTER_OR_MARK.test(String.fromCharCode(c)) ? 1 : 0));
const isWordChar = (c: number, text: string, k: number): boolean => (c < 0x800 ? WORD_CHARS[c] === 1 : LETTER_OR_MARK.test(text[k]));
const isJoiner = (c: number): boolean => c === 39 || c === 45 || c === 0x2019; // ' - ’
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const letterAt = (text: string, k: number): boolean => k < text.length && isWordChar(text.charCodeAt(k), text, k);

export interface Scan {
  /** Word tokens: /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*\/u, a trailing possessive "'s" left out. */
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  tokens: number;
  digits: number;
  at: boolean;
  colon: boolean;
  equals: boolean;
  /** A digit, '.', a digit: the only way an IPv4 address starts. */
  dotted: boolean;
  /** A letter right before a digit (IBAN, "GB82…"); an upper-case one (UK postcode, "SW1A"). */
  letterDigit: boolean;
  upperDigit: boolean;
  /** The longest run of digits. */
  maxRun: number;
  /** A number then a word ("12 Main", "12B Main"): the way a street address starts. */
  numberWord: boolean;
}

const state: Scan = {
  starts: new Int32Array(256),
  ends: new Int32Array(256),
  tokens: 0,
  digits: 0,
  at: false,
  colon: false,
  equals: false,
  dotted: false,
  letterDigit: false,
  upperDigit: false,
  maxRun: 0,
  numberWord: false,
};

const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
};

/** Scan `text`; the result is overwritten by the next call. */
export function scan(text: string): Scan {
  const len = text.length;
  let n = 0;
  let digits = 0;
  let at = false;
  let colon = false;
  let equals = false;
  let dotted = false;
  let letterDigit = false;
  let upperDigit = false;
  let run = 0;
  let maxRun = 0;
  let numberWord = false;
  let k = 0;
  while (k < len) {
    const c = text.charCodeAt(k);
    if (!isWordChar(c, text, k)) {
      if (!isDigit(c)) run = 0;
      if (isDigit(c)) {
        digits++;
        if (++run > maxRun) maxRun = run;
        if (!numberWord && k + 2 < len) {
          const d = text.charCodeAt(k + 1);
          numberWord = (d === 32 && letterAt(text, k + 2)) || (isAsciiLetter(d) && text.charCodeAt(k + 2) === 32 && letterAt(text, k + 3));
        }
      } else if (c === 64) at = true;
      else if (c === 58) colon = true;
      else if (c === 61) equals = true;
      else if (c === 46 && k > 0 && k + 1 < len && isDigit(text.charCodeAt(k - 1)) && isDigit(text.charCodeAt(k + 1))) dotted = true;
      k++;
      continue;
    }
    const s = k;
    k++;
    for (;;) {
      while (k < len && isWordChar(text.charCodeAt(k), text, k)) k++;
      if (k + 1 < len && isJoiner(text.charCodeAt(k)) && isWordChar(text.charCodeAt(k + 1), text, k + 1)) k += 2;
      else break;
    }
    run = 0;
    if (k < len && isDigit(text.charCodeAt(k))) {
      const last = text.charCodeAt(k - 1);
      if (isAsciiLetter(last)) letterDigit = true;
      if (last >= 65 && last <= 90) upperDigit = true;
    }
    let e = k;
    if (e - s > 2 && (text[e - 1] === 's' || text[e - 1] === 'S') && (text[e - 2] === "'" || text[e - 2] === '’')) e -= 2;
    if (n === state.starts.length) {
      state.starts = grow(state.starts);
      state.ends = grow(state.ends);
    }
    state.starts[n] = s;
    state.ends[n] = e;
    n++;
  }
  state.tokens = n;
  state.digits = digits;
  state.at = at;
  state.colon = colon;
  state.equals = equals;
  state.dotted = dotted;
  state.letterDigit = letterDigit;
  state.upperDigit = upperDigit;
  state.maxRun = maxRun;
  state.numberWord = numberWord;
  return state;
}
