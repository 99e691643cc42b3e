/**
 * What the recognizers read in place of a text whose characters a reader does not see as they
 * are stored. Characters that render as nothing are left out, so "078\u200b-05-1120" is one
 * number: format and control characters, lone surrogates, what sanitize calls invisible
 * (fillers, variation selectors, tags), and combining marks on anything but a letter
 * ("1\u0301", a keycap's "\uFE0F\u20E3"). A zero-width space between two letters is the word
 * break it stands for ("Anna\u200bSchmidt" is two words); line-breaking controls read as
 * '\n'. Digits of other scripts ("٠٧٨", "०७८"), spaces other than ' ' (no-break, thin,
 * braille blank) and the fullwidth and mathematical forms of ASCII ("ｊｏｈｎ＠", "𝟎𝟕𝟖")
 * read as that ASCII; superscripts stay as they are ("firma.de¹" is a footnote). A dash between
 * two digits ("078‐05‐1120", "415–555–0132") reads as '-'.
 *
 * CRM notes are often HTML (Salesforce ContentNote, HubSpot note bodies), and an agent reads
 * their markup as a browser renders it: a character reference reads as its character
 * ("john&#64;example.com", "4111&nbsp;1111"), an inline tag or a comment as nothing
 * ("4111 <b>1111</b>"), a block tag as a line break, a table cell's as a space. Only HTML's
 * own tag names are tags: "<John Smith>" in a quoted mail header stays text.
 *
 * The scan flags a text with any of these (scan.ts `needsView`); findEntities then reads its
 * view and maps what it finds back to the text.
 */
import { isInvisible, isLineBreak } from '../untrusted/sanitize';

/**
 * The characters above ASCII that the view may change, for the scan's gate (it may flag some
 * the view keeps, never miss one it changes). Letters and marks among them (fillers, variation
 * selectors, fullwidth letters) are flagged by the scan's letter loop (isChangedLetter); a mark
 * that starts a token follows no letter. A dash counts between two digits as written; one after a
 * digit that markup, a reference or a hidden character brings is flagged by those.
 */
const CHANGED = /[\p{Cc}\p{Cf}\p{Cs}\p{Nd}\p{Z}\u2800\uFF01-\uFF5E\u{1D400}-\u{1D7FF}]|(?<=\p{Nd})[\u2010-\u2015\u2212\uFE58\uFE63](?=\p{Nd})/uy;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}]/u;
/** Mongolian and standard variation selectors: marks that only pick a glyph. */
const isSelector = (cp: number): boolean => (cp >= 0x180b && cp <= 0x180f) || (cp >= 0xfe00 && cp <= 0xfe0f);
const MARK = /\p{M}/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /[\p{Z}\u2800]/u;
/** Hyphens, dashes and the minus sign that a word processor puts between digits ("415–555–0132"). */
const isDash = (cp: number): boolean => (cp >= 0x2010 && cp <= 0x2015) || cp === 0x2212 || cp === 0xfe58 || cp === 0xfe63;
const DIGIT_AT = /\p{Nd}/uy;
const digitAt = (text: string, k: number): boolean => {
  DIGIT_AT.lastIndex = k;
  return DIGIT_AT.test(text);
};

/**
 * The named HTML character references that read as ASCII punctuation, a space or nothing (the
 * numeric ones, "&#64;" and "&#x40;", read as any character).
 */
const NAMED_REFS = new Map<string, number>(
  Object.entries({
    amp: 38, AMP: 38, lt: 60, LT: 60, gt: 62, GT: 62, quot: 34, QUOT: 34, apos: 39, commat: 64, period: 46, hyphen: 0x2010, dash: 0x2010,
    ndash: 0x2013, mdash: 0x2014, minus: 0x2212, plus: 43, lpar: 40, rpar: 41, num: 35, colon: 58, sol: 47, bsol: 92, lowbar: 95,
    equals: 61, comma: 44, semi: 59, excl: 33, quest: 63, ast: 42, percnt: 37, dollar: 36, lsqb: 91, rsqb: 93, lbrack: 91, rbrack: 93,
    lcub: 123, rcub: 125, lbrace: 123, rbrace: 125, verbar: 124, vert: 124, nbsp: 0xa0, NonBreakingSpace: 0xa0, ensp: 0x2002,
    emsp: 0x2003, numsp: 0x2007, puncsp: 0x2008, thinsp: 0x2009, hairsp: 0x200a, Tab: 9, NewLine: 10, shy: 0xad,
    ZeroWidthSpace: 0x200b, zwnj: 0x200c, zwj: 0x200d, lrm: 0x200e, rlm: 0x200f, NoBreak: 0x2060,
  }),
);
/** Numeric references, which browsers also read without their ';' ("&#64"), and named ones (the common few without it too). */
const CHAR_REF = /&(?:#0{0,8}([0-9]{1,7});?|#[xX]0{0,8}([0-9a-fA-F]{1,6});?|([A-Za-z]{2,16});|(nbsp|amp|lt|gt|quot))/y;
/** The code point of the character reference at k ("&#64;", "&#x40;", "&commat;"), and where it ends; -1 if none. */
let refEnd = -1;
function charRefAt(text: string, k: number): number {
  CHAR_REF.lastIndex = k;
  const m = CHAR_REF.exec(text);
  refEnd = -1;
  if (m === null) return -1;
  const name = m[3] ?? m[4];
  const cp = name !== undefined ? (NAMED_REFS.get(name) ?? -1) : parseInt(m[1] ?? m[2], m[1] !== undefined ? 10 : 16);
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  refEnd = CHAR_REF.lastIndex;
  return cp;
}
/**
 * Whether the next character read from k is a digit: written out, as a reference, or after up
 * to four characters that read as nothing ("078–&#8203;05") and, rendered, tags and comments
 * ("078&ndash;<b>05</b>", "078&ndash;<!-- -->05"). Written, markup stays between the dash and
 * the digit, and the look-ahead stops at it.
 */
function digitReadAt(text: string, k: number, markup: MarkupReading): boolean {
  for (let hops = 0; hops < 4 && k < text.length; hops++) {
    const c = text.charCodeAt(k);
    let next = -1;
    if (c === 38) {
      const cp = charRefAt(text, k);
      if (cp >= 0 && refReading(cp, false) !== NOTHING) return digitAt(String.fromCodePoint(cp), 0);
      next = cp >= 0 ? refEnd : -1;
    } else if (c === 60 && markup === 'rendered') {
      next = text.startsWith('<!--', k) ? commentEnd(text, k) : tagAt(text, k);
    } else if (c > 127 || isChangedControl(c)) {
      const cp = text.codePointAt(k) as number;
      if (readingOf(cp) === NOTHING) next = k + (cp > 0xffff ? 2 : 1);
    }
    if (next < 0) return digitAt(text, k);
    k = next;
  }
  return false;
}
/**
 * Where the comment opened at k ends, or -1 if it never closes ("<!-->" and "<!--->" close at
 * once, as browsers read them). The "-->" found last in the text viewOf reads is remembered, so
 * that a text with many comments and none closed is read in linear time.
 */
let closeFrom = -1;
let closeAt = -1;
function commentEnd(text: string, k: number): number {
  const from = k + 2;
  if (closeFrom === -1 || from < closeFrom || (closeAt !== -1 && closeAt < from)) {
    closeFrom = from;
    closeAt = text.indexOf('-->', from);
  }
  return closeAt === -1 ? -1 : closeAt + 3;
}
/** HTML's tag names by how a browser lays them out: a line of their own, a cell beside the next; any other tag is inline. */
const BLOCK_TAGS = 'address article aside blockquote body br caption center dd details dialog div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html legend li main nav ol p pre section summary table tbody tfoot thead title tr ul';
const CELL_TAGS = 'td th';
const TAG_READING = new Map<string, string>([...BLOCK_TAGS.split(' ').map((t) => [t, '\n'] as const), ...CELL_TAGS.split(' ').map((t) => [t, ' '] as const)]);
/**
 * A tag of any name, unknown ones too ("<x>", Outlook's "<st1:place>"): a browser shows none of
 * them. What the view then hides that is no markup ("<Anna Smith>") is read as written
 * (find.ts), as is every attribute.
 */
const TAG_NAME = /<\/?([A-Za-z][A-Za-z0-9:-]{0,31})(?=[\s/>])/y;
const isHtmlSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
/** How the last tag tagAt found reads. */
let tagReading = '';
/**
 * Where the HTML tag at k ends, -1 if none is there; tagReading is how it reads. Its attributes
 * are read as a browser's tokenizer reads them (tagClose), so a value quoted after an
 * attribute's '=' holds any '<' or '>' (`<b title=">">`), while a quote elsewhere (`<b ="x>`,
 * `<b a=x"y>`) is an ordinary character. A tag the text ends inside (a quote that never closes)
 * is read as a reader who does not track quotes reads it: it ends at its first '>'.
 */
function tagAt(text: string, k: number): number {
  TAG_NAME.lastIndex = k;
  const m = TAG_NAME.exec(text);
  if (m === null) return -1;
  const from = TAG_NAME.lastIndex;
  let end = tagClose(text, from);
  if (end === UNCLOSED) {
    end = -1;
    for (let p = from; p < text.length && end === -1; p++) {
      const c = text.charCodeAt(p);
      if (c === 60) break;
      if (c === 62) end = p + 1;
    }
  }
  if (end >= 0) tagReading = TAG_READING.get(m[1].toLowerCase()) ?? NOTHING;
  return end;
}
const UNCLOSED = -2;
/**
 * The tokenizer's states inside a tag after its name, those that read alike merged: between
 * attributes (HTML's before-attribute-name, after-quoted-value and self-closing states), in or
 * after a name, before a value, in an unquoted value. Only a quote right after a name's '='
 * opens a quoted value.
 */
const BETWEEN = 0;
const NAME = 1;
const BEFORE_VALUE = 2;
const UNQUOTED = 3;
/**
 * Where a tag whose name ends at p closes (after its '>'): -1 at a '<' outside a quoted value
 * (a browser would read it into a name or value; here the tag is no tag, and the '<' may start
 * the next), UNCLOSED if the text ends inside the tag. What follows a closing quote does not
 * depend on where the tag started, so its answer is kept for the other tags that reach it
 * (afterQuote): however the quotes lie, each character is read a bounded number of times.
 */
function tagClose(text: string, p: number): number {
  let seen: number[] | undefined;
  let end = UNCLOSED;
  for (let state = BETWEEN; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === 60 || c === 62) {
      end = c === 62 ? p + 1 : -1;
      break;
    }
    const space = isHtmlSpace(c);
    if (state === BETWEEN) state = space || c === 47 ? BETWEEN : NAME;
    else if (state === NAME) state = c === 61 ? BEFORE_VALUE : c === 47 ? BETWEEN : NAME;
    else if (state === UNQUOTED) state = space ? BETWEEN : UNQUOTED;
    else if (c === 34 || c === 39) {
      const close = text.indexOf(c === 34 ? '"' : "'", p + 1);
      if (close === -1) break;
      if (seen === undefined) {
        seen = [];
        if (quotesOf !== text) {
          quotesOf = text;
          if (afterQuote.length <= text.length) afterQuote = new Int32Array(text.length + 1);
          else afterQuote.fill(0, 0, text.length + 1);
        }
      }
      const known = afterQuote[close + 1];
      if (known !== 0) {
        end = known - 3;
        break;
      }
      seen.push(close + 1);
      p = close;
      state = BETWEEN;
    } else if (!space) state = UNQUOTED;
  }
  if (seen !== undefined) for (const q of seen) afterQuote[q] = end + 3;
  return end;
}
/** tagClose's answers, by the position after a closing quote (answer + 3; 0: not known), for the text quotesOf. */
let quotesOf = '';
let afterQuote = new Int32Array(0);
/**
 * Whether the '&' or '<' at k may start a character reference, tag or comment of the view: the
 * scan's gate for the two ASCII characters the view may change (it may flag a comment that never
 * closes, which the view leaves as it is).
 */
export const markupOrRefAt = (text: string, k: number): boolean =>
  text.charCodeAt(k) === 38 ? charRefAt(text, k) >= 0 : text.startsWith('<!--', k) || tagAt(text, k) >= 0;

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

/** Where the view's span [start, end) came from in `text`, the text it is a view of; an empty span, where its position came from. */
export function spanInText(view: View, text: string, start: number, end: number): { start: number; end: number } {
  const from = start < view.from.length ? view.from[start] : text.length;
  return { start: from, end: end > start ? view.to[end - 1] : from };
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

/**
 * Where the tags and comments of `text` start and end, in order (flat: start, end, start, …).
 * A comment that never closes runs to the end.
 */
export function markupSpans(text: string): number[] {
  const spans: number[] = [];
  for (let k = text.indexOf('<'); k !== -1; k = text.indexOf('<', k + 1)) {
    let end: number;
    if (text.startsWith('<!--', k)) {
      const close = text.indexOf('-->', k + 2);
      end = close === -1 ? text.length : close + 3;
    } else end = tagAt(text, k);
    if (end < 0) continue;
    spans.push(k, end);
    k = end - 1;
  }
  return spans;
}

/** How a character reference's code point reads (see viewOf), or null to leave the reference as it is. */
function refReading(cp: number, afterLetter: boolean): string | null {
  if (cp < 128) return !isChangedControl(cp) ? String.fromCharCode(cp) : cp === 11 || cp === 12 ? '\n' : NOTHING;
  const ch = String.fromCodePoint(cp);
  if (MARK.test(ch) && !afterLetter) return NOTHING;
  // A character of two units that reads as itself stays a reference: every unit of the view maps to its own range.
  return readingOf(cp) ?? (cp <= 0xffff ? ch : null);
}

/**
 * How a view reads HTML tags and comments: `rendered` as a browser shows them (left out, or a
 * line break or space), `written` as they stand, attributes and comment text included. Either
 * way character references are read as their characters: `<a href="mailto:john&#64;x.org">`
 * written is `<a href="mailto:john@x.org">`, and "Mai&#108;" is "Mail".
 */
export type MarkupReading = 'rendered' | 'written';

export function viewOf(text: string, markup: MarkupReading = 'rendered'): View {
  closeFrom = -1; // commentEnd remembers nothing of another text
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  const parts: string[] = [];
  let v = 0;
  let copied = 0;
  // Whether the last character read is a letter (or a mark on one): a mark after anything else renders as nothing useful.
  let afterLetter = false;
  // Whether the last character read is a digit: a dash between digits reads as '-'.
  let afterDigit = false;
  // Whether the last character read is white space (or none was): a tag adds no second break ("</td><td>" is one).
  let afterSpace = true;
  for (let k = 0; k < text.length; ) {
    const c = text.charCodeAt(k);
    const cp = c < 128 ? c : (text.codePointAt(k) as number);
    let end = k + (cp > 0xffff ? 2 : 1);
    let reading: string | null = null;
    if (c === 38) {
      const ref = charRefAt(text, k);
      if (ref >= 0) {
        reading = refReading(ref, afterLetter);
        if (reading !== null) end = refEnd;
        if (afterDigit && isDash(ref) && digitReadAt(text, end, markup)) reading = '-';
      }
    } else if (c === 60 && markup === 'rendered') {
      if (text.startsWith('<!--', k)) {
        const commentClose = commentEnd(text, k);
        if (commentClose >= 0) {
          reading = NOTHING;
          end = commentClose;
        }
      } else {
        const tagEnd = tagAt(text, k);
        if (tagEnd >= 0) {
          reading = afterSpace ? NOTHING : tagReading;
          end = tagEnd;
        }
      }
    } else if (c < 128) reading = !isChangedControl(c) ? null : c === 11 || c === 12 ? '\n' : NOTHING;
    else if (c === 0x200b && afterLetter && LETTER.test(String.fromCodePoint(text.codePointAt(k + 1) ?? 32))) reading = ' ';
    else if (afterDigit && isDash(cp) && digitReadAt(text, end, markup)) reading = '-';
    else {
      const ch = text.slice(k, end);
      reading = MARK.test(ch) && !afterLetter ? NOTHING : readingOf(cp);
    }
    if (reading === null) {
      for (let u = k; u < end; u++, v++) {
        from[v] = u;
        to[v] = u + 1;
      }
    } else {
      parts.push(text.slice(copied, k), reading);
      copied = end;
      // A reading is one UTF-16 unit, or none.
      if (reading !== NOTHING) {
        from[v] = k;
        to[v] = end;
        v++;
      }
    }
    if (reading !== NOTHING) {
      const read: string = reading ?? text.slice(k, end);
      const r: number = read.charCodeAt(0);
      afterLetter = r < 128 ? (r >= 65 && r <= 90) || (r >= 97 && r <= 122) : LETTER.test(read) || (afterLetter && MARK.test(read));
      afterDigit = r >= 48 && r <= 57;
      afterSpace = r === 32 || r === 10 || r === 9 || r === 13;
    }
    k = end;
  }
  parts.push(text.slice(copied));
  return { text: parts.join(''), from: from.subarray(0, v), to: to.subarray(0, v) };
}
