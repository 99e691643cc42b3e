/**
 * Strips characters that render as nothing (or reorder what renders) from CRM free text, so
 * what an agent reads is what a human reviewer sees. Hidden text is a prompt-injection
 * carrier: Unicode tag characters spell ASCII invisibly ("ASCII smuggling"), zero-width and
 * bidi controls split or reorder words past filters.
 */

export interface SanitizeDetail {
  readonly text: string;
  /** Code points removed (not counting normalisation). */
  readonly removed: number;
  /** Of those, invisible format characters (zero-width, bidi, tags, variation-selector supplement). */
  readonly invisible: number;
  /** ASCII spelled by Unicode tag characters (U+E0020..U+E007E), '' when none. */
  readonly tagText: string;
}

/** Invisible format characters: zero-width, joiners, soft hyphen, fillers, invisible operators. */
const ZERO_WIDTH = new Set([
  0x00ad, 0x034f, 0x061c, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062,
  0x2063, 0x2064, 0x3164, 0xfeff, 0xffa0,
]);

const isBidiControl = (cp: number): boolean =>
  cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
const isTag = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;
/** The variation-selector supplement carries no visible glyph and is used to smuggle bytes. */
const isVariationSupplement = (cp: number): boolean => cp >= 0xe0100 && cp <= 0xe01ef;
const isControl = (cp: number): boolean =>
  (cp < 0x20 && cp !== 0x0a && cp !== 0x09) || (cp >= 0x7f && cp <= 0x9f);
/** Invisible characters (zero-width, fillers, bidi, tags, variation-selector supplement): what a reader cannot see at all. */
export const isInvisible = (cp: number): boolean => isTag(cp) || ZERO_WIDTH.has(cp) || isBidiControl(cp) || isVariationSupplement(cp);
/** Controls that break a line: vertical tab, form feed, NEL, and the Unicode line and paragraph separators ('\r' is handled with CRLF). */
export const isLineBreak = (cp: number): boolean => cp === 0x0b || cp === 0x0c || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;

/**
 * Compatibility forms used to disguise letters (fullwidth, mathematical alphanumerics,
 * ligatures, enclosed and letterlike symbols, typographic spaces). Only these get NFKC:
 * applying it everywhere would rewrite ordinary data such as "m²" or "½".
 */
const foldsSafely = (cp: number): boolean =>
  (cp >= 0xff01 && cp <= 0xffef) ||
  (cp >= 0x1d400 && cp <= 0x1d7ff) ||
  (cp >= 0xfb00 && cp <= 0xfb06) ||
  (cp >= 0x2460 && cp <= 0x24ff) ||
  (cp >= 0x1f130 && cp <= 0x1f189) ||
  (cp >= 0x2100 && cp <= 0x214f) ||
  (cp >= 0x2000 && cp <= 0x200a) ||
  cp === 0x00a0 ||
  cp === 0x202f ||
  cp === 0x205f ||
  cp === 0x3000;

/**
 * Fullwidth braces fold to ornament ones (❴ ❵), not to ASCII: "｛EMAIL_1｝" must not become a
 * placeholder a later step would resolve (placeholders.ts neutralises with the same ornaments).
 */
const BRACES = new Map([
  [0xff5b, '\u2774'],
  [0xff5d, '\u2775'],
]);

/**
 * Text made only of these is returned as is: none of them is removed, folded or changed by
 * NFC (no combining marks, no canonical decompositions), which a test checks code point by
 * code point. Ordinary Latin-script business text (umlauts, curly quotes, dashes, €) is.
 */
const UNCHANGED = /^[\t\n\x20-\x7e\xa1-\xac\xae-\u02ff\u2010-\u2027\u2030-\u205e\u20a0-\u20c0]*$/;

export function sanitizeDetailed(input: string): SanitizeDetail {
  if (UNCHANGED.test(input)) return { text: input, removed: 0, invisible: 0, tagText: '' };
  let out = '';
  let removed = 0;
  let invisible = 0;
  let tagText = '';
  // Walks code points; lone surrogates come through as single units and are dropped.
  for (let i = 0; i < input.length; ) {
    const cp = input.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (isTag(cp)) {
      removed++;
      invisible++;
      if (cp >= 0xe0020 && cp <= 0xe007e) tagText += String.fromCharCode(cp - 0xe0000);
    } else if (isInvisible(cp)) {
      removed++;
      invisible++;
    } else if (cp === 0x0d || isLineBreak(cp)) {
      // Line breaks become '\n' (CRLF collapses to one) rather than vanishing, so words stay apart.
      if (!(cp === 0x0d && input.charCodeAt(i) === 0x0a)) out += '\n';
    } else if (isControl(cp) || isSurrogate(cp)) {
      removed++;
    } else {
      out += BRACES.get(cp) ?? (foldsSafely(cp) ? ch.normalize('NFKC') : ch);
    }
  }
  // NFC last: removals and folds can leave a base letter next to a combining mark.
  return { text: out.normalize('NFC'), removed, invisible, tagText };
}

export function sanitize(text: string): { text: string; removed: number } {
  const { text: clean, removed } = sanitizeDetailed(text);
  return { text: clean, removed };
}
