/**
 * What the recognizers read in place of a text whose characters a reader does not see as they
 * are stored: format and control characters that render as nothing (zero-width, joiners, bidi
 * controls, soft hyphen, tag characters, lone surrogates) are left out, so "078\u200b-05-1120" is one number;
 * digits of other scripts ("٠٧٨", "०७८"), spaces other than ' ' (no-break, thin) and the
 * fullwidth and mathematical forms of ASCII ("ｊｏｈｎ＠", "𝟎𝟕𝟖") read as the ASCII they look
 * like; other line breaks read as '\n'. The scan flags a text with such a character (scan.ts
 * `needsView`); findEntities then reads its view and maps what it finds back to the text.
 */

/**
 * A character the view changes: controls but \t \n \r, format characters, lone surrogates,
 * decimal digits, separators, fullwidth ASCII and mathematical alphanumerics. Only asked of
 * characters above ASCII (isHiddenControl answers for ASCII).
 */
const CHANGED_IN_VIEW = /[\p{Cc}\p{Cf}\p{Cs}\p{Nd}\p{Z}\uFF01-\uFF5E\u{1D400}-\u{1D7FF}]/u;

export interface View {
  readonly text: string;
  /** For each UTF-16 unit of the view, where the character it reads came from: [from, to) in the text. */
  readonly from: Int32Array;
  readonly to: Int32Array;
}

const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const DIGIT = /\p{Nd}/u;
const LINE_BREAK = new Set([0x0b, 0x0c, 0x85, 0x2028, 0x2029]);
/**
 * What each code point above ASCII reads as in the view: one character, '' for nothing, null
 * for itself. Memoised: a few hundred code points at most.
 */
const readsAs = new Map<number, string | null>();
function readingOf(cp: number): string | null {
  let reading = readsAs.get(cp);
  if (reading !== undefined) return reading;
  const ch = String.fromCodePoint(cp);
  if (LINE_BREAK.has(cp)) reading = '\n';
  else if (HIDDEN.test(ch)) reading = '';
  else if (DIGIT.test(ch)) {
    // Unicode encodes every script's digits 0–9 as ten consecutive code points.
    let zero = cp;
    while (DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
    reading = String((cp - zero) % 10);
  } else if (/\p{Z}/u.test(ch)) reading = ' ';
  else {
    // Fullwidth and mathematical forms: their compatibility form, where that is one ASCII character.
    const folded = ch.normalize('NFKC');
    reading = folded.length === 1 && folded.charCodeAt(0) < 128 ? folded : null;
  }
  readsAs.set(cp, reading);
  return reading;
}

/** An ASCII control the view leaves out (all but \t \n \r). */
export const isHiddenControl = (c: number): boolean => (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127;
/** Whether the view changes the character at k, which is above ASCII; a surrogate pair is answered at its first unit. */
export function changedInView(text: string, k: number): boolean {
  const cp = text.codePointAt(k) as number;
  if (cp >= 0xdc00 && cp <= 0xdfff && k > 0 && isHighSurrogate(text.charCodeAt(k - 1))) return false;
  return CHANGED_IN_VIEW.test(String.fromCodePoint(cp));
}
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

export function viewOf(text: string): View {
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  const parts: string[] = [];
  let v = 0;
  let copied = 0;
  for (let k = 0; k < text.length; ) {
    const c = text.charCodeAt(k);
    const cp = c < 128 ? c : (text.codePointAt(k) as number);
    const units = cp > 0xffff ? 2 : 1;
    const reading = c < 128 ? (isHiddenControl(c) ? '' : null) : changedInView(text, k) ? readingOf(cp) : null;
    if (reading === null) {
      // Read as it is: each unit maps to itself.
      for (let u = 0; u < units; u++, v++) {
        from[v] = k + u;
        to[v] = k + u + 1;
      }
    } else {
      parts.push(text.slice(copied, k), reading);
      copied = k + units;
      if (reading !== '') {
        from[v] = k;
        to[v] = k + units;
        v++;
      }
    }
    k += units;
  }
  parts.push(text.slice(copied));
  return { text: parts.join(''), from: from.subarray(0, v), to: to.subarray(0, v) };
}
