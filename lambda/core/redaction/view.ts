/**
 * What the recognizers read in place of a text whose characters a reader does not see as they
 * are stored. Characters that render as nothing are left out, so "078\u200b-05-1120" is one
 * number: format and control characters, lone surrogates, what sanitize calls invisible
 * (fillers, variation selectors, tags), and combining marks on anything but a letter
 * ("1\u0301", a keycap's "\uFE0F\u20E3"). A zero-width space between two letters is the word
 * break it stands for ("Anna\u200bSchmidt" is two words); line-breaking controls read as
 * '\n'. Digits of other scripts ("٠٧٨", "०७८"), spaces other than ' ' (no-break, thin,
 * braille blank) and the fullwidth and mathematical forms of ASCII ("ｊｏｈｎ＠", "𝟎𝟕𝟖")
 * read as that ASCII; superscripts stay as they are ("firma.de¹" is a footnote). The scan
 * flags a text with such a character (scan.ts `needsView`); findEntities then reads its view
 * and maps what it finds back to the text.
 */
import { isInvisible, isLineBreak } from '../untrusted/sanitize';

/**
 * The characters above ASCII that the view may change, for the scan's gate (it may flag some
 * the view keeps, never miss one it changes). Letters and marks among them (fillers, variation
 * selectors, fullwidth letters) are flagged by the scan's letter loop (isChangedLetter); a mark
 * that starts a token follows no letter.
 */
const CHANGED = /[\p{Cc}\p{Cf}\p{Cs}\p{Nd}\p{Z}\u2800\uFF01-\uFF5E\u{1D400}-\u{1D7FF}]/uy;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}]/u;
/** Mongolian and standard variation selectors: marks that only pick a glyph. */
const isSelector = (cp: number): boolean => (cp >= 0x180b && cp <= 0x180f) || (cp >= 0xfe00 && cp <= 0xfe0f);
const MARK = /\p{M}/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /[\p{Z}\u2800]/u;

/** An ASCII control the view changes: all but \t \n \r (\v and \f read as '\n', the rest as nothing). */
export const isChangedControl = (c: number): boolean => (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127;
/**
 * A letter or mark that the view changes wherever it stands (scan.ts reads it inside a token):
 * what sanitize calls invisible (CGJ, Hangul and Khmer fillers), the variation selectors and
 * the fullwidth Latin letters. None lies below U+034F, so most letters fail the first test.
 * A test checks every code point.
 */
export const isChangedLetter = (cp: number): boolean => cp >= 0x34f && (isInvisible(cp) || isSelector(cp) || (cp >= 0xff21 && cp <= 0xff5a));
/** Whether the character at k, which starts a token, is a mark: it follows no letter, and the view leaves it out. */
export const marksNoLetter = (text: string, k: number): boolean => {
  MARK_AT.lastIndex = k;
  return MARK_AT.test(text);
};
const MARK_AT = /\p{M}/uy;
/** Whether the view may change the character at k, which is above ASCII; a surrogate pair is answered at its first unit. */
export function changedInView(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c >= 0xdc00 && c <= 0xdfff && k > 0 && isHighSurrogate(text.charCodeAt(k - 1))) return false;
  if (c === 0xdb40) return true; // U+E0000–E03FF: the tags and the variation-selector supplement
  CHANGED.lastIndex = k;
  return CHANGED.test(text);
}
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

export interface View {
  readonly text: string;
  /** For each UTF-16 unit of the view, where the character it reads came from: [from, to) in the text. */
  readonly from: Int32Array;
  readonly to: Int32Array;
}

/** Leave the character out, as distinct from a reading of one character. */
const NOTHING = '';
/**
 * What each code point above ASCII reads as in the view, marks aside: one character, NOTHING, or
 * null for itself. Memoised; bounded by the code points above (a few thousand at most).
 */
const readsAs = new Map<number, string | null>();
function readingOf(cp: number): string | null {
  let reading = readsAs.get(cp);
  if (reading !== undefined) return reading;
  const ch = String.fromCodePoint(cp);
  if (isLineBreak(cp)) reading = '\n';
  else if (isInvisible(cp) || isSelector(cp) || HIDDEN.test(ch)) reading = NOTHING;
  else if (DIGIT.test(ch)) {
    // Unicode encodes every script's digits 0–9 as ten consecutive code points.
    let zero = cp;
    while (DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
    reading = String((cp - zero) % 10);
  } else if (SPACE.test(ch)) reading = ' ';
  else if ((cp >= 0xff01 && cp <= 0xff5e) || (cp >= 0x1d400 && cp <= 0x1d7ff)) {
    const folded = ch.normalize('NFKC');
    reading = folded.length === 1 && folded.charCodeAt(0) < 128 ? folded : null;
  } else reading = null;
  readsAs.set(cp, reading);
  return reading;
}

export function viewOf(text: string): View {
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  const parts: string[] = [];
  let v = 0;
  let copied = 0;
  // Whether the last character read is a letter (or a mark on one): a mark after anything else renders as nothing useful.
  let afterLetter = false;
  for (let k = 0; k < text.length; ) {
    const c = text.charCodeAt(k);
    const cp = c < 128 ? c : (text.codePointAt(k) as number);
    const units = cp > 0xffff ? 2 : 1;
    let reading: string | null;
    if (c < 128) reading = !isChangedControl(c) ? null : c === 11 || c === 12 ? '\n' : NOTHING;
    else if (c === 0x200b && afterLetter && LETTER.test(String.fromCodePoint(text.codePointAt(k + 1) ?? 32))) reading = ' ';
    else {
      const ch = text.slice(k, k + units);
      reading = MARK.test(ch) && !afterLetter ? NOTHING : readingOf(cp);
    }
    if (reading === null) {
      for (let u = 0; u < units; u++, v++) {
        from[v] = k + u;
        to[v] = k + u + 1;
      }
    } else {
      parts.push(text.slice(copied, k), reading);
      copied = k + units;
      if (reading !== NOTHING) {
        from[v] = k;
        to[v] = k + units;
        v++;
      }
    }
    if (reading !== NOTHING) {
      const read: string = reading ?? text.slice(k, k + units);
      const r: number = read.charCodeAt(0);
      afterLetter = r < 128 ? (r >= 65 && r <= 90) || (r >= 97 && r <= 122) : LETTER.test(read) || (afterLetter && MARK.test(read));
    }
    k += units;
  }
  parts.push(text.slice(copied));
  return { text: parts.join(''), from: from.subarray(0, v), to: to.subarray(0, v) };
}
