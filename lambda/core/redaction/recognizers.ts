/**
 * Pattern recognizers. Each scans with a bounded, anchored regex (or from an '@', plain or
 * obfuscated) and validates only the candidates, so matching stays linear in the input. Given the
 * text's scan, a recognizer skips what the scan shows cannot hold its entity (the number
 * recognizers run only from numbers long enough, the secret shapes only where their marker
 * is); without one, it reads the whole text (the reference the gated runs must equal).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Entity, EntityType } from './entities';
import { KEYWORD, scan, SHAPE, type Scan } from './scan';
import { houseNumberEnd, streetBefore } from './streets';
import { isCommonWord } from './lexicon';
import { cardDigitsValid, digitsOf, ibanValid, IBAN_LENGTHS, ipv6Valid, itinValid, luhn, ninoPrefixValid, ssnValid } from './validators';

type Out = Entity[];
const add = (out: Out, type: EntityType, text: string, start: number, end: number) =>
  out.push({ type, start, end, value: text.slice(start, end) });
const before = (text: string, at: number, n: number) => text.slice(Math.max(0, at - n), at).toLowerCase();
/** The first match of a global regex from the start of `text` (then `re.exec` for the next): matchAll would copy the regex on every call. */
const first = (re: RegExp, text: string): RegExpExecArray | null => {
  re.lastIndex = 0;
  return re.exec(text);
};

/**
 * Each match of global `re` that starts in a number of `s` with at least `min` digits, or at
 * most `lead` characters before it; without a scan, each match in the text. A match of the
 * number recognizers lies within one number, so the text between long enough numbers (and
 * any match there, which would have too few digits) can be skipped without changing the
 * matches found in them.
 */
function eachInNumbers(
  re: RegExp,
  text: string,
  out: Out,
  s: Scan | undefined,
  min: number,
  lead: number,
  visit: (text: string, m: RegExpExecArray, out: Out) => void,
): void {
  re.lastIndex = 0;
  if (s === undefined) {
    for (let m = re.exec(text); m !== null; m = re.exec(text)) visit(text, m, out);
    return;
  }
  let from = 0;
  for (let i = 0; i < s.numbers; ) {
    if (s.numDigits[i] < min || s.numEnds[i] <= from) {
      i++;
      continue;
    }
    re.lastIndex = Math.max(from, s.numStarts[i] - lead);
    const m = re.exec(text);
    if (m === null) return;
    visit(text, m, out);
    from = Math.max(re.lastIndex, m.index + 1);
  }
}

/**
 * Internationalised addresses too (RFC 6531/IDN: "jürgen@müller.de", "用户@例子.广告",
 * "info@example.xn--p1ai"): letters, marks and decimal digits in the local part and the domain
 * labels, a top-level domain of letters or punycode. Scripts written without spaces (CJK,
 * Thai) run straight into an address ("邮箱test@example.com电话"), so letters from U+0800 up
 * are read only where the alphabetic reading finds no local part, or no valid domain.
 *
 * Obfuscated addresses too, written to get past filters: the '@' or a '.' spelt as a word in
 * brackets ("john (at) example [dot] com", "john(@)example.com", "max [ät] firma (punkt) de")
 * or as AT and DOT in capitals ("john AT example DOT com"). The lower-case words are left out:
 * "look at this dot point" reads the same. An obfuscated address is read by the same rules
 * as a plain one, its domain checked (EMAIL_DOMAIN) with its dots put back.
 */
const LOCAL_ASCII = /[A-Za-z0-9._%+'-]/;
const DOMAIN_ASCII = /[A-Za-z0-9.-]/;
const LETTER_MARK_DIGIT = /[\p{L}\p{M}\p{Nd}]/u;
const inAddress = (ascii: RegExp, ch: string, anyScript: boolean): boolean => {
  const c = ch.charCodeAt(0);
  return c < 128 ? ascii.test(ch) : (anyScript || c < 0x800) && LETTER_MARK_DIGIT.test(ch);
};
const EMAIL_DOMAIN = /^[\p{L}\p{M}\p{Nd}-]+(?:\.[\p{L}\p{M}\p{Nd}-]+)*\.(?:\p{L}[\p{L}\p{M}]{1,23}|xn--[a-z0-9-]{2,59})$/iu;
/** A regex source matching `word` in either case: the regex stays case-sensitive for " AT ". */
const anyCase = (word: string): string => word.replace(/\p{L}/gu, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
/** One of `words` in (), [], {} or <>, with at most one space inside and on each side. */
const bracketed = (words: readonly string[]): string =>
  `[ ]?(?:${['()', '[]', '{}', '<>'].map(([open, close]) => `\\${open}[ ]?(?:${words.map(anyCase).join('|')})[ ]?\\${close}`).join('|')})[ ]?`;
const OBFUSCATED_DOT = `${bracketed(['dot', '\\.', 'punkt', 'punto', 'point'])}| DOT `;
/** An obfuscated '@' (the scan's `obfuscatedAt` notes what every one starts with). */
const BRACKETED_AT = bracketed(['at', 'ät', '@', 'arroba', 'arobase']);
const OBFUSCATED_AT = new RegExp(`${BRACKETED_AT}| AT `);
const AT = new RegExp(`@|${OBFUSCATED_AT.source}`, 'g');
const DOT_AFTER = new RegExp(OBFUSCATED_DOT, 'y');
/** An obfuscated dot ending a slice of the text: the longest, " [ punkt ] ", is 11 characters. */
const DOT_BEFORE = new RegExp(`(?:${OBFUSCATED_DOT})$`);
const DOT_IN = new RegExp(OBFUSCATED_DOT);
/** The characters an obfuscated dot starts and ends with: next to any other, no regex looks for one. */
const DOT_FIRST = ' ([{<';
const DOT_LAST = ' )]}>';
function localStart(text: string, at: number, anyScript: boolean): number {
  let s = at;
  while (s > 0 && at - s < 64 && inAddress(LOCAL_ASCII, text[s - 1], anyScript)) s--;
  while (s < at && text[s] === '.') s++;
  return s;
}
function domainEnd(text: string, at: number, anyScript: boolean): number {
  let e = at + 1;
  while (e < text.length && e - at < 254 && inAddress(DOMAIN_ASCII, text[e], anyScript)) e++;
  while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
  return e;
}
/** The start of the local part ending at `at`, read across obfuscated dots ("john [dot] doe"). */
function localFrom(text: string, at: number, anyScript: boolean): number {
  let s = localStart(text, at, anyScript);
  while (s > 0 && s < at && at - s < 64 && DOT_LAST.includes(text[s - 1])) {
    const dot = DOT_BEFORE.exec(text.slice(Math.max(0, s - 11), s));
    if (dot === null) break;
    const end = s - dot[0].length;
    const t = localStart(text, end, anyScript);
    if (t === end) break;
    s = t;
  }
  return s;
}
/** Per run of labels read by domainTo: where it ends in the text, and the domain's length up to there. */
const labelEnds: number[] = [];
const domainLengths: number[] = [];
/**
 * The end of the domain starting at `from`, read across obfuscated dots, or -1: the longest
 * reading whose domain, dots put back, is valid ("x@y.com (dot) 5" is still "x@y.com").
 */
function domainTo(text: string, from: number, anyScript: boolean, capitals: boolean): number {
  let domain = '';
  let n = 0;
  for (let p = from; ; n++) {
    const e = domainEnd(text, p - 1, anyScript);
    domain += text.slice(p, e);
    labelEnds[n] = e;
    domainLengths[n] = domain.length;
    DOT_AFTER.lastIndex = e;
    const dot = e > p && e < text.length && domain.length < 254 && DOT_FIRST.includes(text[e]) ? DOT_AFTER.exec(text) : null;
    if (dot === null) break;
    // An obfuscated dot joins only a label that follows it.
    const next = e + dot[0].length;
    if (next >= text.length || !inAddress(DOMAIN_ASCII, text[next], anyScript)) break;
    p = next;
    domain += '.';
  }
  for (; n >= 0; n--) {
    const read = domain.slice(0, domainLengths[n]);
    if (EMAIL_DOMAIN.test(read) && (!capitals || capitalsTld(read))) return labelEnds[n];
  }
  return -1;
}
/**
 * The top-level domains an address written in capitals with AT and DOT may end in: the country
 * codes and the common generic ones. Capitals prose has AT and DOT as words ("STATUS AT RISK
 * DOT NOT OK"); a local part with a lower-case letter, a bracketed or a real '@' needs no such
 * check ("john AT acme DOT solutions").
 */
const CAPITALS_TLDS = new Set(
  ('ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv bw by bz ca cc cd cf cg ch ' +
    'ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm ' +
    'gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb ' +
    'lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu ' +
    'nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx ' +
    'sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw ' +
    'com org net edu gov mil int info biz name pro mobi app dev online site tech store shop cloud email xyz').split(' '),
);
const LOWER = /[a-z]/;
const capitalsTld = (domain: string): boolean => CAPITALS_TLDS.has(domain.slice(domain.lastIndexOf('.') + 1).toLowerCase());
/** An '@' or a bracketed one ending a slice of the text: the longest, " [ arobase ] ", is 13 characters. */
const AT_BEFORE = new RegExp(`(?:@|${BRACKETED_AT})$`);
/**
 * Where an address whose local part starts at s starts, with the local parts chained before it
 * by an '@' of no address of their own ("a@b.c@d.com", "john.smith(at)x@example.com"); within
 * an address's length, so each call reads a bounded stretch.
 */
function chainStart(text: string, s: number): number {
  for (const limit = s - 254; s > limit + 1; ) {
    const at = AT_BEFORE.exec(text.slice(Math.max(0, s - 13, limit), s));
    if (at === null) break;
    const t = localFrom(text, s - at[0].length, false);
    if (t === s - at[0].length || t < limit) break;
    s = t;
  }
  return s;
}
export function emails(text: string, out: Out): void {
  // The address added last: in a chain ("x@y.com(at)z.org") the next reads its domain as a local part, and both are one
  // address. Not after a capital AT, which prose has too: "EMAIL ME AT JOHN DOT SMITH@EXAMPLE.COM".
  let last = -1;
  let chains = false;
  for (let m = first(AT, text); m !== null; m = AT.exec(text)) {
    const at = m.index;
    const after = at + m[0].length;
    let s = localFrom(text, at, false);
    if (s === at) s = localFrom(text, at, true);
    if (s === at) continue;
    // AT in capitals is a word of its own in upper-case text ("MEET AT NOON"): only with an obfuscated dot is it an
    // address, and after a local part in capitals only with a known top-level domain ("STATUS AT RISK DOT NOT OK").
    const capitalAt = m[0] === ' AT ';
    const capitals = capitalAt && !LOWER.test(text.slice(s, at));
    let e = domainTo(text, after, false, capitals);
    if (e === -1) e = domainTo(text, after, true, capitals);
    if (e !== -1 && (!capitalAt || DOT_IN.test(text.slice(s, e)))) {
      if (chains && s < out[last].end) s = out[last].start;
      else {
        s = chainStart(text, s);
        last = out.length;
      }
      out[last] = { type: 'EMAIL', start: s, end: e, value: text.slice(s, e) };
      chains = !capitalAt;
      AT.lastIndex = e;
    }
  }
}

const PHONE_CUE = /\b(?:phone|tel|call|mobile|cell|fax|whatsapp|contact|reach|ring|number|#|no\.?)\W{0,4}$/;
const NOT_PHONE_CUE = /\b(?:version|build|release|order|invoice|ticket|case|ref|sku|serial|tracking|id|isbn|po|v)\W{0,4}$/;
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?|00\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,15}(?:[ .-](?:\(\d{1,8}(?:[ .-]\d{1,8}){0,3}\)|\d{1,8})){0,6}(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6})?(?![\w:@]|[.-]\d)/g;
const STREET_AFTER = new RegExp(`^[ ,]+(?:[\\p{L}][\\p{L}'.-]*[ ]){0,4}(?:${'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Rue|Close|Terrace|Crescent|Square|Sq|Str|Suite|Apt'})\\b`, 'iu');
const DATE_SHAPE = /^(?:(?:19|20)\d\d[-./ ]\d\d?[-./ ]\d\d?|\d\d?[-./ ]\d\d?[-./ ](?:19|20)?\d\d)$/;
const YEAR_RANGE = /^(?:19|20)\d\d[- ](?:19|20)\d\d$/;
export function phones(text: string, out: Out, s?: Scan): void {
  eachInNumbers(PHONE, text, out, s, 7, 1, phone);
}
const EXTENSION = /[ ]?(?:x|ext\.?|extension)[ ]?\d+$/;
const countDigits = (s: string): number => {
  let n = 0;
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) n++;
  return n;
};
function phone(text: string, m: RegExpExecArray, out: Out): void {
  const cand = m[0];
  // Every extension form holds an 'x'.
  const core = cand.includes('x') ? cand.replace(EXTENSION, '') : cand;
  const digits = countDigits(core);
  if (digits < 7 || digits > 15) return;
  const intl = cand.startsWith('+') || cand.startsWith('00');
  if (intl) {
    const parsed = parsePhoneNumberFromString(cand.startsWith('00') ? `+${core.slice(2)}` : core);
    if (parsed?.isPossible()) add(out, 'PHONE', text, m.index, m.index + cand.length);
    return;
  }
  if (areaCodePhone(text, m.index, cand, out)) return;
  // National numbers stay within 12 digits; the SSN shape belongs to the ID recognizers.
  if (digits > 12 || /^\d{3}-\d{2}-\d{4}$/.test(core)) return;
  const ctx = before(text, m.index, 20);
  if (NOT_PHONE_CUE.test(ctx) || DATE_SHAPE.test(core) || YEAR_RANGE.test(core) || /^\d{5}-\d{4}$/.test(core)) return;
  if (/[$€£¥]\s?$/.test(ctx) || /^\d{4,5}-\d{3}$/.test(core)) return;
  // "12 345 Main Street": house and unit numbers in front of a street are not a phone.
  const end = m.index + cand.length;
  if (/(?:apt|apartment|suite|ste|unit|box)\.?\s$/.test(ctx)) return;
  // STREET_AFTER starts with a space or comma: without one, no slice and no Unicode regex.
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if ((after === 32 || after === 44) && STREET_AFTER.test(text.slice(end, end + 60))) return;
  const grouped = /[ .()-]/.test(core);
  if (grouped || PHONE_CUE.test(ctx) || (digits === 10 && parsePhoneNumberFromString(digitsOf(core), 'US')?.isValid())) {
    add(out, 'PHONE', text, m.index, m.index + cand.length);
  }
}

/** An area code starting 0 and a '/' right before a number, as German numbers are written: "030/12345678". */
const AREA_CODE = /(?<![\w+./-])0\d{1,4}[ ]?\/[ ]?$/;
/** A trailing extension after a dash ("0221/123456-789"): not counted among the number's digits. */
const DASH_EXTENSION = /-\d{1,5}$/;
/**
 * The national number `cand` at `at` with the area code before its '/' ("030/12345678",
 * "0221/123456-789"), when the two hold nine to twelve digits ("0815/4711" is a reference). Else
 * false, and the number after the '/' is judged on its own, as without the area code.
 */
function areaCodePhone(text: string, at: number, cand: string, out: Out): boolean {
  if (at < 3 || (text.charCodeAt(at - 1) !== 47 && text.charCodeAt(at - 2) !== 47)) return false;
  const area = AREA_CODE.exec(before(text, at, 8));
  if (area === null) return false;
  const digits = countDigits(area[0]) + countDigits(cand.replace(DASH_EXTENSION, ''));
  if (digits < 9 || digits > 12) return false;
  add(out, 'PHONE', text, at - area[0].length, at + cand.length);
  return true;
}

/** Digits grouped by spaces, dashes or dots ("4111.1111.1111.1111"): a grouped number must have a card's groups (CARD_GROUPS). */
const CARD = /(?<![\w+.-])\d(?:[ .-]?\d){11,18}(?![\w]|[.-]\d)/g;
const CARD_GROUPS = /^(?:\d{4}([ .-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ .-])\d{6}\2\d{4,5}|\d{4}([ .-])\d{4}\3\d{4}|\d{4}([ .-])\d{4}\4\d{4}\4\d{2,3})$/;
/**
 * Other groupings pass when every group has four digits or more and the number starts as a major
 * scheme's do (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay): "41111111 1111 1111",
 * or "4111 11111111 1111" where markup between two groups was left out (view.ts).
 */
const WIDE_GROUPS = /^\d{4,19}([ .-])\d{4,15}(?:\1\d{4,11}){0,2}$/;
const SCHEME = /^(?:4|5[1-5]|2[2-7]|3[0478]|35|6(?:011|4[4-9]|5|2))/;
export function cards(text: string, out: Out, s?: Scan): void {
  eachInNumbers(CARD, text, out, s, 12, 0, card);
}
/** A card candidate starting exactly at lastIndex (a later digit group of a rejected run). */
const CARD_AT = /\d(?:[ .-]?\d){11,18}(?![\w]|[.-]\d)/y;
function card(text: string, m: RegExpExecArray, out: Out): void {
  if (isCard(text, m.index, m[0])) {
    add(out, 'CREDIT_CARD', text, m.index, m.index + m[0].length);
    return;
  }
  // A run that is not one card may still hold one: ending before its CVV or expiry ("4111 1111 1111 1111 123"), or
  // after another number ("SSN 078-05-1120 4111 1111 1111 1111"). The longest wins: a 4-4-4 start that passes Luhn
  // must not leave the rest of a card in clear ("2024 4111 1111 1111 1111").
  let start = m.index;
  let end = start;
  for (let i = m[0].length - 1; i > 0; i--) {
    const c = m[0].charCodeAt(i);
    if (c !== 32 && c !== 45 && c !== 46) continue;
    const head = m[0].slice(0, i);
    // A card's groups before a cut have four digits or more ("1 1 1 …" tries none).
    if (/\d{4}$/.test(head) && isCard(text, m.index, head)) {
      end = m.index + i;
      break;
    }
  }
  for (let i = 1; i < m[0].length; i++) {
    const c = m[0].charCodeAt(i - 1);
    if (c !== 32 && c !== 45 && c !== 46) continue;
    CARD_AT.lastIndex = m.index + i;
    const later = CARD_AT.exec(text);
    if (later && later[0].length > end - start && isCard(text, later.index, later[0])) {
      start = later.index;
      end = start + later[0].length;
      break;
    }
  }
  if (end > start) add(out, 'CREDIT_CARD', text, start, end);
}
/** Whether `value` at `index` is a card: valid digits, grouped as cards are, and, unless grouped 4-4-4-4 from a card scheme, after no reference word ("Order 4111111111111111"). */
const FOUR_GROUPS = /^\d{4}([ .-])\d{4}\1\d{4}\1\d{4}$/;
function isCard(text: string, index: number, value: string): boolean {
  if (!cardDigitsValid(value)) return false;
  const grouped = /[ .-]/.test(value);
  if (grouped && !CARD_GROUPS.test(value) && !(WIDE_GROUPS.test(value) && SCHEME.test(value))) return false;
  return (SCHEME.test(value) && FOUR_GROUPS.test(value)) || !NOT_PHONE_CUE.test(before(text, index, 16));
}

const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}/g;
export function ibans(text: string, out: Out): void {
  for (let m = first(IBAN, text); m !== null; m = IBAN.exec(text)) {
    const want = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
    if (!want) continue;
    // Take exactly the country's length of alphanumerics; trailing words are not part of it.
    let compact = '';
    let end = 0;
    for (let k = 0; k < m[0].length && compact.length < want; k++) {
      if (m[0][k] !== ' ') compact += m[0][k].toUpperCase();
      end = k + 1;
    }
    const nextCh = text[m.index + end];
    if (nextCh !== undefined && /[A-Za-z0-9]/.test(nextCh)) continue;
    if (ibanValid(compact)) add(out, 'IBAN', text, m.index, m.index + end);
  }
}

const SSN = /(?<![\w-])(\d{3})([- .]?)(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;
/** At the end of the lower-cased text before a number: one of the cue `words` (not inside a word: "customer_ssn", not "martin" or "since"), then up to four words and their punctuation ("SSN: ", "SSN number: ", "social security no. "). */
const idCue = (words: string): RegExp => new RegExp(String.raw`(?<![a-z\d])(?:${words})(?![a-z])[\W_]{0,24}(?:\w+\W{1,3}){0,4}$`);
const SSN_CUE = idCue('ssn|social security|social sec|ss#|itin|taxpayer|tin');
export function usIds(text: string, out: Out, s?: Scan): void {
  eachInNumbers(SSN, text, out, s, 9, 0, usId);
}
function usId(text: string, m: RegExpExecArray, out: Out): void {
  const [, area, sep, group, serial] = m;
  // Unseparated or dotted, nine digits are many things; beside an SSN cue they are one ("ssn 078.05.1120", not a phone).
  if ((sep === '' || sep === '.') && !SSN_CUE.test(before(text, m.index, 40))) return;
  if (ssnValid(area, group, serial)) add(out, 'US_SSN', text, m.index, m.index + m[0].length);
  else if (itinValid(area, group)) add(out, 'US_ITIN', text, m.index, m.index + m[0].length);
}

const NINO = /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
export function ninos(text: string, out: Out, s?: Scan): void {
  // The two letters and a space come before the number.
  eachInNumbers(NINO, text, out, s, 6, 3, nino);
}
function nino(text: string, m: RegExpExecArray, out: Out): void {
  if (ninoPrefixValid(m[1])) add(out, 'UK_NINO', text, m.index, m.index + m[0].length);
}

const SIN = /(?<![\w-])\d{3}([- .]?)\d{3}\1\d{3}(?![\w-]|\.\d)/g;
const SIN_CUE = idCue('sin|social insurance');
/** What caSins cannot find a SIN without: its cue words, bounded as idCue bounds them. */
export const SIN_HINT = /(?<![a-z\d])sin(?![a-z])|social insurance/i;
export function caSins(text: string, out: Out, s?: Scan): void {
  eachInNumbers(SIN, text, out, s, 9, 0, caSin);
}
function caSin(text: string, m: RegExpExecArray, out: Out): void {
  if (SIN_CUE.test(before(text, m.index, 40)) && luhn(digitsOf(m[0]))) {
    add(out, 'CA_SIN', text, m.index, m.index + m[0].length);
  }
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::)[0-9A-Fa-f:]{1,38}(?![\w:])/g;
const IPV6_HINT = /[0-9A-Fa-f]:[0-9A-Fa-f:]|::/;
function ipv4(text: string, m: RegExpExecArray, out: Out): void {
  if (!/(?:version|ver|v|build|release)\W{0,2}$/.test(before(text, m.index, 10))) add(out, 'IP_ADDRESS', text, m.index, m.index + m[0].length);
}
export function ips(text: string, out: Out, s?: Scan): void {
  if (s === undefined || (s.dotted && s.maxNumber >= 4)) {
    eachInNumbers(IPV4, text, out, s, 4, 0, ipv4);
  }
  if ((s === undefined || s.colon) && IPV6_HINT.test(text)) {
    for (let m = first(IPV6, text); m !== null; m = IPV6.exec(text)) if (ipv6Valid(m[0])) add(out, 'IP_ADDRESS', text, m.index, m.index + m[0].length);
  }
}

/** The user may be empty: "redis://:password@host". */
const URL_CREDS = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}:\/\/[^\s:@/]{0,128}:[^\s@/]{1,128}@[A-Za-z0-9.-]{1,253}/g;
/**
 * Each shape with the SHAPE marker (scan.ts) it cannot match without. Vendors' documented shapes
 * (README, Data protection); a bare prefix ("sk-8", "SG. Smith") is too short to match.
 */
const TOKEN_SHAPES: ReadonlyArray<readonly [EntityType, RegExp, number]> = [
  ['AWS_ACCESS_KEY', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, SHAPE.AWS],
  ['JWT', /\beyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10,1024}/g, SHAPE.JWT],
  // xapp-: an app-level token ("xapp-1-A052FGTS2DL-5171572773297-610b6a11…").
  ['SLACK_TOKEN', /\b(?:xox[abposr]|xapp-\d)-[A-Za-z0-9-]{10,200}|https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,120}/g, SHAPE.SLACK],
  ['STRIPE_KEY', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,99}\b/g, SHAPE.UNDERSCORE],
  ['GITHUB_TOKEN', /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255})\b/g, SHAPE.UNDERSCORE],
  ['HUBSPOT_TOKEN', /\bpat-(?:na|eu|ap)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, SHAPE.HUBSPOT],
  ['SALESFORCE_TOKEN', /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,255}/g, SHAPE.BANG],
  ['URL_CREDENTIALS', URL_CREDS, SHAPE.URL],
  ['SECRET', /\bAIza[\w-]{35}(?![\w-])/g, SHAPE.GOOGLE],
  ['SECRET', /\bSG\.[\w-]{22}\.[\w-]{43}(?![\w-])/g, SHAPE.SENDGRID],
  // A routable personal token goes on after a dot ("glpat-….01.0w1x2y3z4").
  ['SECRET', /\b(?:glpat-[\w-]{20,300}(?:\.[\w-]{1,300}){0,2}|glptt-[0-9a-f]{40}|gldt-[\w-]{20,300})/g, SHAPE.GITLAB],
  ['SECRET', /\b(?:npm_[A-Za-z0-9]{36}|whsec_[A-Za-z0-9]{32,256})\b/g, SHAPE.UNDERSCORE],
  // OpenAI project, service-account, admin and unscoped keys, Anthropic keys; a legacy key is 48 letters and digits.
  ['SECRET', /\bsk-(?:(?:proj|svcacct|admin|None|ant)-[\w-]{40,300}|[A-Za-z0-9]{32,300})/g, SHAPE.SK],
];
/** Whether base64 `b64` decodes to "user:password", as RFC 7617 Basic credentials do: printable, with a colon. */
function basicCredentials(b64: string): boolean {
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  return decoded.includes(':') && !/[\p{Cc}\ufffd]/u.test(decoded);
}
/** The end of an Authorization header's name, lower-cased, before its value. */
const AUTHORIZATION = /authorization["']?[ \t]{0,3}[:=][ \t]{0,3}["']?$/;
/** Of curl's "-u user:password" (or -U, its proxy's), the password; the user when the password is empty (a key as user, "-u sk_test_…:"). */
function curlSecret(text: string, m: RegExpExecArray): readonly [number, number] | undefined {
  if (!/\bcurl\b/i.test(text.slice(Math.max(0, m.index - 300), m.index))) return undefined;
  const [start, end] = m.indices![2];
  const colon = text.indexOf(':', start);
  const [s, e] = colon + 1 < end ? [colon + 1, end] : [start, colon];
  const value = text.slice(s, e);
  // "-u user:$PASSWORD", "-u <user>:<password>": shell variables and placeholders name no value.
  return value.length >= 3 && !value.startsWith('$') && !PLACEHOLDER.test(value) ? [s, e] : undefined;
}
/**
 * Credentials read after their word (scan.ts KEYWORD.CREDENTIAL): each with what the scan must
 * have seen and the span of its value in a match, if the match holds one.
 */
const VALUE_SHAPES: ReadonlyArray<readonly [RegExp, (s: Scan) => boolean, (text: string, m: RegExpExecArray) => readonly [number, number] | undefined]> = [
  // HTTP Basic: the base64 of "user:password", or any base64 after an Authorization header's name.
  [
    /\bbasic[ \t]{1,3}([A-Za-z0-9+/]{8,2048}={0,2})/dgi,
    (s) => (s.keywords & KEYWORD.CREDENTIAL) !== 0,
    (text, m) => (basicCredentials(m[1]) || AUTHORIZATION.test(before(text, m.index, 24)) ? m.indices![1] : undefined),
  ],
  // Azure connection strings: a storage account key (88 characters of base64), a Service Bus or Event Hubs key.
  [
    /\b(?:AccountKey|SharedAccessKey)["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([A-Za-z0-9+/]{20,200}={0,2})/dgi,
    (s) => (s.keywords & KEYWORD.CREDENTIAL) !== 0,
    (_, m) => m.indices![1],
  ],
  // The signature of an Azure SAS URL or token, URL-encoded base64 ("…&sig=aBBK…%2F…%3D").
  [/[?&]sig=([\w%+/-]{16,300}={0,2})/dgi, (s) => (s.keywords & KEYWORD.CREDENTIAL) !== 0, (_, m) => m.indices![1]],
  [/(?<![\w-])(?:-[uU]|--(?:proxy-)?user)(?:=|[ \t]{1,5})(["']?)([^\s"':]{0,128}:[^\s"']{0,128})\1/dg, (s) => s.colon && (s.keywords & KEYWORD.CREDENTIAL) !== 0, curlSecret],
];
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
/**
 * A word naming a secret that ends a key name ("DB_PASSWORD", "refresh_token", "SecretAccessKey",
 * "API key", "mot de passe": the key's last word, so "password_policy" and "passport" are none;
 * `keyStarts` checks its start), then ':', '=', "is", "was" or "set to" (after "bearer", white space
 * too), then the value: quoted, or up to white space.
 */
const KEYWORD_SECRET = new RegExp(
  `((?:api|access|secret|private)[ _-]?key|(?:client)?secret|(?:auth|access|refresh)?token|pass(?:word|wd|code|phrase|wort|e)?|pwd?|kennwort|wachtwoord|senha|contrase(?:ñ|n)a|l(?:ö|o)senord|bearer)` +
    `["']?(\\s{0,3}(?:=>|[:=])\\s{0,3}|\\s{1,3}(?:is|was|(?:set|changed|reset) to)\\s{1,3}|(?<=bearer)\\s{1,3})(?:"([^"\\n]{1,200})"|'([^'\\n]{1,200})'|["']?(\\S{1,200}))`,
  'dgi',
);
/**
 * Whether a key found at `i` starts its word, or (`camel`) a camel-case part of it
 * ("dbPassword"): "bypass", "compass" and "DBPassword" hold no key.
 */
function keyStarts(text: string, i: number, camel: boolean): boolean {
  const prev = i === 0 ? 0 : text.charCodeAt(i - 1);
  if ((prev | 32) < 97 || (prev | 32) > 122) return true;
  const c = text.charCodeAt(i);
  return camel && prev >= 97 && c >= 65 && c <= 90;
}
/** A small letter then a capital: where a camel-case key may start. */
const CAMEL = /[a-z][A-Z]/;
/** Trailing punctuation, which ends a sentence more often than a value. */
const TRAILING = /[.,;:!?'")\]}>]+$/;
/** A digit, a capital after a small letter, or a symbol ('-' and apostrophes joining letters are none: "case-sensitive"). */
const MADE_UP = /\d|\p{Ll}\p{Lu}|[^\p{L}\d'’-]|(?<!\p{L})['’-]|['’-](?!\p{L})/u;
/** A value standing in for one: one symbol repeated ("********"), or a bracketed word ("<redacted>", "${DB_PASSWORD}"). */
const PLACEHOLDER = /^([^\p{L}\p{N}])\1*$|^\$?[(<[{]+[\p{L}\d_-]*[)>\]}]+$/u;
/**
 * Whether a value after a secret key is one: six characters at least, no placeholder, and
 * quoted, or made up (MADE_UP), or after ':' or '=': any word after a password's key (people
 * choose words, "password: sunshine"; "Password: required" is redacted too, the cheaper
 * mistake), no common English word after another key ("token: expired"). Prose names no value:
 * "password is required".
 */
function secretValue(value: string, quoted: boolean, labelled: boolean, password: boolean): boolean {
  const core = quoted ? value : value.replace(TRAILING, '');
  // A value ending in ':' is the next key ("password: token: 9f8e7d6c").
  if (value.length < 6 || PLACEHOLDER.test(value) || (!quoted && value.endsWith(':'))) return false;
  return quoted || MADE_UP.test(core) || (labelled && (password || !isCommonWord(core)));
}
/** The keys of KEYWORD_SECRET that name a password. */
const PASSWORD_KEY = /^(?:pass|pw|kennwort|wachtwoord|senha|contrase|l[öo]senord)/i;

export function secrets(text: string, out: Out, s?: Scan): void {
  const shapes = s === undefined ? -1 : s.shapes;
  if (shapes !== 0) {
    for (const [type, re, marker] of TOKEN_SHAPES) {
      if ((shapes & marker) !== 0) for (let m = first(re, text); m !== null; m = re.exec(text)) add(out, type, text, m.index, m.index + m[0].length);
    }
    if ((shapes & SHAPE.PRIVATE_KEY) !== 0) {
      for (let m = first(PRIVATE_KEY, text); m !== null; m = PRIVATE_KEY.exec(text)) {
        const endMarker = text.indexOf('-----END', m.index + m[0].length);
        const close = endMarker === -1 ? -1 : text.indexOf('-----', endMarker + 8);
        // No end marker: redact to the end of the text rather than leak the rest of the key.
        add(out, 'PRIVATE_KEY', text, m.index, close === -1 ? text.length : close + 5);
      }
    }
  }
  for (const [re, possible, valueOf] of VALUE_SHAPES) {
    if (s !== undefined && !possible(s)) continue;
    for (let m = first(re, text); m !== null; m = re.exec(text)) {
      const span = valueOf(text, m);
      if (span !== undefined) add(out, 'SECRET', text, span[0], span[1]);
    }
  }
  // Without a key word the scan saw, only a camel-case key name can match: keyStarts takes one only as a label, before ':' or '='.
  if (s !== undefined && (s.keywords & KEYWORD.SECRET) === 0 && !((s.colon || s.equals) && CAMEL.test(text))) return;
  for (let m = first(KEYWORD_SECRET, text); m !== null; m = KEYWORD_SECRET.exec(text)) {
    const [start, keyEnd] = m.indices![1];
    const group = m[3] !== undefined ? 3 : m[4] !== undefined ? 4 : 5;
    const value = m[group];
    const labelled = /[:=]/.test(m[2]);
    const found =
      keyStarts(text, start, labelled) && (m[1].toLowerCase() === 'bearer' ? value.length >= 16 : secretValue(value, group !== 5, labelled, PASSWORD_KEY.test(m[1])));
    if (found) {
      const [s, e] = m.indices![group];
      add(out, 'SECRET', text, s, e);
    } else {
      // What was read as the value may hold the next key ("password: token: 9f8e7d6c").
      KEYWORD_SECRET.lastIndex = keyEnd;
    }
  }
}

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY = '\\d{1,2}(?:st|nd|rd|th)?';
/**
 * "12.03.1985", "3/12/85", "1985/03/12", "12-MAR-1985", "12th of March 1985", "12 Mar 85", "March 3rd, 1971", and (group
 * `compact`) "19850312". A year alone ("born in 1985") is no date of birth.
 */
const DATE = new RegExp(
  `(?<![\\w/.-])(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:19|20)?\\d{2}|(?:19|20)\\d{2}[/.-]\\d{1,2}[/.-]\\d{1,2}|${DAY}(?: of)?[ -]${MONTH}\\.?,?[ -](?:19|20)?\\d{2}|${MONTH}\\.? ${DAY},? (?:19|20)?\\d{2}|(?<compact>(?:19|20)\\d\\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])))(?![\\w/])`,
  'gi',
);
/** Birth labels and words, in English, German, Dutch, French, Spanish, Portuguese, Italian, Danish, Norwegian, Swedish, Finnish. */
const BIRTH_WORD = `(?<![\\p{L}\\p{M}])(?:(?:${'born|birth|birthdate|birthday|dob|d\\.o\\.b|geboren|geburtsdatum|geburtstag|geboortedatum|née|né le|naissance|nacimiento|nacid[oa]|nascimento|nascid[oa]|nascita|født|fødselsdato|född|födelsedatum|syntymäaika|syntynyt'})(?![\\p{L}\\p{M}])|(?:d\\.o\\.b|geb)\\.)`;
/** "b." is born only after a bracket or comma and right before the date: "Jane (b. 1985-03-12)", "Jane, b. 12 March 1985". */
const BORN_ABBR = '[(,][ ]?b\\.';
/** What birthDates cannot find a date of birth without. */
export const BIRTH_HINT = new RegExp(`${BIRTH_WORD}|${BORN_ABBR}`, 'iu');
/** A label ends within 20 characters before the date, no sentence, line or other date between ("DOB 12/03/1985, joined 01/02/2010"); "b." right before it. */
const BIRTH_CUE = new RegExp(`(?:${BIRTH_WORD})(?:(?!\\d[/-]\\d)[^.\\n]){0,20}$|(?:${BORN_ABBR})[ ]?$`, 'iu');
/** Eight digits are a date only right after the label ("DOB: 19850312"): elsewhere they are any number. */
const BIRTH_LABEL = new RegExp(`(?:${BIRTH_WORD}|${BORN_ABBR})[ \\t:=(-]{0,3}$`, 'iu');
export function birthDates(text: string, out: Out): void {
  for (let m = first(DATE, text); m !== null; m = DATE.exec(text)) {
    // 40 characters: more than the longest cue (13 + 20), so a cue never starts the slice and its look-behind sees the text.
    const cue = m.groups!.compact === undefined ? BIRTH_CUE : BIRTH_LABEL;
    if (cue.test(text.slice(Math.max(0, m.index - 40), m.index))) add(out, 'DATE_OF_BIRTH', text, m.index, m.index + m[0].length);
  }
}

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Crescent|Close|Gardens|Grove|Row|Alley|Plaza|Walk|Rue|Via|Calle|Straße|Strasse|Weg|Gasse|Platz|Allee|Vej|Gatan|Gate|Katu|Tie';
const STREET_UNIT = "(?:,?[ ](?:Apt|Apartment|Suite|Ste|Unit|#)\\.?[ ]?[A-Za-z0-9-]{1,6})?";
const STREET = new RegExp(
  `(?<![\\w-])\\d{1,6}[A-Za-z]?(?:[ ]\\d{1,6})?(?:[ ][\\p{L}][\\p{L}'.-]{0,30}){1,4}[ ](?:${STREET_TYPES})\\b\\.?${STREET_UNIT}`,
  'giu',
);
/**
 * US numbered streets, "350 5th Avenue", "100 W 34th St", "1 East 42nd Street": an ordinal after a
 * direction at most, then a type that only names a street ("1st Place", "2nd row", "3rd Way" are ranks).
 */
const ORDINAL_STREET = new RegExp(
  `(?<![\\w-])\\d{1,6}[A-Za-z]?(?:[ ](?:[NSEW]|North|South|East|West)\\.?)?[ ]\\d{1,3}(?:st|nd|rd|th)[ ](?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Parkway|Pkwy|Terrace)\\b\\.?${STREET_UNIT}`,
  'giu',
);
const UNIT = /\b(?:Apt|Apartment|Suite|Ste|Unit)\.?[ ]\d{1,6}[A-Za-z]?\b|\bP\.?O\.? Box \d{1,7}\b/g;
const UK_POSTCODE = /\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b/g;
const US_STATE_ZIP =
  /\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY),? \d{5}(?:-\d{4})?\b/g;
/** A postcode and town after a street, the address's too: ", 10115 Berlin", " 69002 Lyon". */
const POSTCODE_TOWN_SOURCE = ',?[ ]\\d{4,5}[ ]\\p{Lu}[\\p{L}\\p{M}-]+';
const POSTCODE_TOWN = new RegExp(`^${POSTCODE_TOWN_SOURCE}`, 'u');
/** French words as a text writes them: lower case, capitalised or in capitals (the regex is case-sensitive for its capitalised names). */
const frenchCased = (words: string): string => [...new Set(words.split('|').flatMap((w) => [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()]))].join('|');
/**
 * French, Belgian, Swiss and Québec streets, the house number first: "12 rue de la Paix, 75002 Paris", "14 bis, rue
 * Victor Hugo", "5 avenue du Général de Gaulle". A house number (no time's or decimal's: "12:30 rue Lepic"), a street
 * type, then one to four capitalised name words, each after an article at most. Only a French street type in lower
 * case needs no article before the name: capitalised, "Avenue" and "Boulevard" start English names too ("Top 5 Avenue
 * Restaurants"), and "place", "square", "passage", "route", "cours" and "bd" (bedrooms) are English words in any case
 * ("2 place settings", "10 Route Options", "850 square Feet"), so those count only before an article ("Place de la Concorde").
 */
const FRENCH_STREET_TYPES = 'rue|avenue|av\\.|boulevard|allée|allee|impasse|chemin|quai|faubourg|fbg\\.?|voie|sentier|rond-point';
const FRENCH_ENGLISH_TYPES = 'place|pl\\.?|square|passage|route|cours|bd\\.?';
const FRENCH_ARTICLE = `(?:${frenchCased('de la|des|de|du|la|les|le')})[ ]|(?:${frenchCased('de l|l|d')})['’]`;
/** A unit word ends the name: "63 Avenue du Golf Arabe Suite 910" leaves "Suite 910" to UNIT. */
const FRENCH_UNIT = frenchCased('suite|apt|apartment|unit|appt|appartement|bâtiment|bât|étage|escalier');
const FRENCH_NAME_WORD = `(?!(?:${FRENCH_UNIT})(?![\\p{L}\\p{M}]))\\p{Lu}[\\p{L}\\p{M}]{0,30}(?:['’-]\\p{L}[\\p{L}\\p{M}]{0,30}){0,3}`;
const FRENCH_STREET = new RegExp(
  `(?<![\\w.,:/-])\\d{1,4}(?:[ ]?(?:${frenchCased('bis|ter|quater')})|[A-Za-z])?,?[ ]` +
    `(?:(?:${FRENCH_STREET_TYPES})[ ](?:${FRENCH_ARTICLE})?|(?:${frenchCased(`${FRENCH_STREET_TYPES}|${FRENCH_ENGLISH_TYPES}`)})[ ](?:${FRENCH_ARTICLE}))` +
    `${FRENCH_NAME_WORD}(?:[ ](?:${FRENCH_ARTICLE})?${FRENCH_NAME_WORD}){0,3}(?![\\p{L}\\p{M}])(?:${POSTCODE_TOWN_SOURCE})?`,
  'gu',
);
/** Each address shape with what the scan must have seen for it to match at all. */
const streetTyped = (s: Scan): boolean => s.numberWord && (s.keywords & (KEYWORD.STREET | KEYWORD.WIDE)) !== 0;
const ADDRESS_SHAPES: ReadonlyArray<readonly [RegExp, (s: Scan) => boolean]> = [
  [STREET, streetTyped],
  [ORDINAL_STREET, streetTyped],
  [UNIT, (s) => s.digits > 0 && (s.keywords & KEYWORD.UNIT) !== 0],
  [UK_POSTCODE, (s) => s.upperDigit && s.digits >= 2],
  [US_STATE_ZIP, (s) => s.maxRun >= 5 && (s.keywords & KEYWORD.UPPER_PAIR) !== 0],
  [FRENCH_STREET, (s) => (s.keywords & KEYWORD.FRENCH_STREET) !== 0],
];
/** Street-first addresses from the numbers of `s`; `wordsBefore` as streetBefore takes it. */
function streetsFirst(text: string, out: Out, s: Scan, wordsBefore: boolean): void {
  for (let i = 0; i < s.numbers; i++) {
    const p = s.numStarts[i];
    if (p < 3 || text.charCodeAt(p - 1) !== 32) continue;
    const start = streetBefore(text, p, wordsBefore);
    const end = start === -1 ? -1 : houseNumberEnd(text, p);
    if (end === -1) continue;
    const town = POSTCODE_TOWN.exec(text.slice(end, end + 48));
    add(out, 'POSTAL_ADDRESS', text, start, end + (town === null ? 0 : town[0].length));
  }
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
/** After an address cue, the rest of the line (bounded) is the address when it holds a number. */
const ADDRESS_CUE = /\b(?:lives at|living at|located at|address(?: is)?:?|send (?:it )?to|sent to|moved to|ship(?:ped)? to|deliver(?:ed)? to)[ \t]*\n?[ \t]*/gi;
export function addresses(text: string, out: Out, s?: Scan): void {
  for (const [re, possible] of ADDRESS_SHAPES) {
    if (s !== undefined && !possible(s)) continue;
    for (let m = first(re, text); m !== null; m = re.exec(text)) add(out, 'POSTAL_ADDRESS', text, m.index, m.index + m[0].length);
  }
  // Street-first addresses start at the scan's numbers; without a scan (the ungated tests) one is made here, and its keywords do not gate.
  streetsFirst(text, out, s ?? scan(text), s === undefined || (s.keywords & KEYWORD.STREET_BEFORE) !== 0);
  if (s !== undefined && (s.keywords & KEYWORD.ADDRESS_CUE) === 0) return;
  for (let m = first(ADDRESS_CUE, text); m !== null; m = ADDRESS_CUE.exec(text)) {
    const start = m.index + m[0].length;
    const line = /^[^\n]{4,80}/.exec(text.slice(start, start + 80));
    if (line === null || !/\d/.test(line[0]) || !/\p{L}{3}/u.test(line[0])) continue;
    // A word the 80 characters end inside is the address's to its end: no part of it is left in clear.
    let end = start + line[0].trimEnd().length;
    while (end < text.length && end - start < 120 && WORD_CHAR.test(text[end]) && WORD_CHAR.test(text[end - 1])) end++;
    add(out, 'POSTAL_ADDRESS', text, start, end);
  }
}
