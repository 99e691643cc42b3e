/**
 * Pattern recognizers. Each scans with a bounded, anchored regex (or from an '@' anchor)
 * and validates only the candidates, so matching stays linear in the input.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Entity, EntityType } from './entities';
import type { Scan } from './scan';
import { digitsOf, entropy, ibanValid, IBAN_LENGTHS, ipv6Valid, itinValid, luhn, ninoPrefixValid, ssnValid } from './validators';

type Out = Entity[];
const add = (out: Out, type: EntityType, text: string, start: number, end: number) =>
  out.push({ type, start, end, value: text.slice(start, end) });
const before = (text: string, at: number, n: number) => text.slice(Math.max(0, at - n), at).toLowerCase();
/** The first match of a global regex from the start of `text` (then `re.exec` for the next): matchAll would copy the regex on every call. */
const first = (re: RegExp, text: string): RegExpExecArray | null => {
  re.lastIndex = 0;
  return re.exec(text);
};

const LOCAL = /[A-Za-z0-9._%+'-]/;
const DOMAIN = /[A-Za-z0-9.-]/;
export function emails(text: string, out: Out): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    let s = at;
    while (s > 0 && at - s < 64 && LOCAL.test(text[s - 1])) s--;
    while (s < at && text[s] === '.') s++;
    let e = at + 1;
    while (e < text.length && e - at < 254 && DOMAIN.test(text[e])) e++;
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    const domain = text.slice(at + 1, e);
    if (s < at && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/.test(domain)) add(out, 'EMAIL', text, s, e);
    at = text.indexOf('@', Math.max(e, at + 1));
  }
}

const PHONE_CUE = /\b(?:phone|tel|call|mobile|cell|fax|whatsapp|contact|reach|ring|number|#|no\.?)\W{0,4}$/;
const NOT_PHONE_CUE = /\b(?:version|build|release|order|invoice|ticket|case|ref|sku|serial|tracking|id|isbn|po|v)\W{0,4}$/;
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?|00\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,15}(?:[ .-]\(?\d{1,8}\)?){0,6}(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6})?(?![\w:@]|[.-]\d)/g;
const STREET_AFTER = new RegExp(`^[ ,]+(?:[\\p{L}][\\p{L}'.-]*[ ]){0,4}(?:${'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Rue|Close|Terrace|Crescent|Square|Sq|Str|Suite|Apt'})\\b`, 'iu');
const DATE_SHAPE = /^(?:(?:19|20)\d\d[-./ ]\d\d?[-./ ]\d\d?|\d\d?[-./ ]\d\d?[-./ ](?:19|20)?\d\d)$/;
const YEAR_RANGE = /^(?:19|20)\d\d[- ](?:19|20)\d\d$/;
export function phones(text: string, out: Out): void {
  for (let m = first(PHONE, text); m !== null; m = PHONE.exec(text)) {
    const cand = m[0];
    const core = cand.replace(/[ ]?(?:x|ext\.?|extension)[ ]?\d+$/, '');
    const digits = digitsOf(core);
    if (digits.length < 7 || digits.length > 15) continue;
    const ctx = before(text, m.index, 20);
    const intl = cand.startsWith('+') || cand.startsWith('00');
    if (intl) {
      const parsed = parsePhoneNumberFromString(cand.startsWith('00') ? `+${core.slice(2)}` : core);
      if (parsed?.isPossible()) add(out, 'PHONE', text, m.index, m.index + cand.length);
      continue;
    }
    // National numbers stay within 12 digits; the SSN shape belongs to the ID recognizers.
    if (digits.length > 12 || /^\d{3}-\d{2}-\d{4}$/.test(core)) continue;
    if (NOT_PHONE_CUE.test(ctx) || DATE_SHAPE.test(core) || YEAR_RANGE.test(core) || /^\d{5}-\d{4}$/.test(core)) continue;
    if (/[$€£¥]\s?$/.test(ctx) || /^\d{4,5}-\d{3}$/.test(core)) continue;
    // "12 345 Main Street": house and unit numbers in front of a street are not a phone.
    const end = m.index + cand.length;
    if (/(?:apt|apartment|suite|ste|unit|box)\.?\s$/.test(ctx) || STREET_AFTER.test(text.slice(end, end + 60))) continue;
    const grouped = /[ .()-]/.test(core);
    const cue = PHONE_CUE.test(ctx);
    if (grouped || cue || (digits.length === 10 && parsePhoneNumberFromString(digits, 'US')?.isValid())) {
      add(out, 'PHONE', text, m.index, m.index + cand.length);
    }
  }
}

const CARD = /(?<![\w+.-])\d(?:[ -]?\d){11,18}(?![\w]|[.-]\d)/g;
const CARD_GROUPS = /^(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{4}([ -])\d{4}\3\d{4}|\d{4}([ -])\d{4}\4\d{4}\4\d{2,3})$/;
export function cards(text: string, out: Out): void {
  for (let m = first(CARD, text); m !== null; m = CARD.exec(text)) {
    const digits = digitsOf(m[0]);
    if (digits.length < 12 || digits.length > 19 || /^(\d)\1+$/.test(digits) || !luhn(digits)) continue;
    if (/[ -]/.test(m[0]) && !CARD_GROUPS.test(m[0])) continue;
    if (NOT_PHONE_CUE.test(before(text, m.index, 16))) continue;
    add(out, 'CREDIT_CARD', text, m.index, m.index + m[0].length);
  }
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

const SSN = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;
const SSN_CUE = /(?:ssn|social security|social sec|ss#|itin|taxpayer|tin)\W{0,12}[\w ]{0,12}$/;
export function usIds(text: string, out: Out): void {
  for (let m = first(SSN, text); m !== null; m = SSN.exec(text)) {
    const [, area, sep, group, serial] = m;
    if (sep === '' && !SSN_CUE.test(before(text, m.index, 40))) continue;
    if (ssnValid(area, group, serial)) add(out, 'US_SSN', text, m.index, m.index + m[0].length);
    else if (itinValid(area, group)) add(out, 'US_ITIN', text, m.index, m.index + m[0].length);
  }
}

const NINO = /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
export function ninos(text: string, out: Out): void {
  for (let m = first(NINO, text); m !== null; m = NINO.exec(text)) if (ninoPrefixValid(m[1])) add(out, 'UK_NINO', text, m.index, m.index + m[0].length);
}

const SIN = /(?<![\w-])\d{3}([- ])\d{3}\1\d{3}(?![\w-])/g;
export function caSins(text: string, out: Out): void {
  for (let m = first(SIN, text); m !== null; m = SIN.exec(text)) {
    if (/(?:\bsin|social insurance)\W{0,12}[\w ]{0,12}$/.test(before(text, m.index, 40)) && luhn(digitsOf(m[0]))) {
      add(out, 'CA_SIN', text, m.index, m.index + m[0].length);
    }
  }
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::)[0-9A-Fa-f:]{1,38}(?![\w:])/g;
const IPV6_HINT = /[0-9A-Fa-f]:[0-9A-Fa-f:]|::/;
export function ips(text: string, out: Out): void {
  for (let m = first(IPV4, text); m !== null; m = IPV4.exec(text)) {
    if (/(?:version|ver|v|build|release)\W{0,2}$/.test(before(text, m.index, 10))) continue;
    add(out, 'IP_ADDRESS', text, m.index, m.index + m[0].length);
  }
  if (IPV6_HINT.test(text)) for (let m = first(IPV6, text); m !== null; m = IPV6.exec(text)) if (ipv6Valid(m[0])) add(out, 'IP_ADDRESS', text, m.index, m.index + m[0].length);
}

const URL_CREDS = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}:\/\/[^\s:@/]{1,128}:[^\s@/]{1,128}@[A-Za-z0-9.-]{1,253}/g;
const TOKEN_SHAPES: ReadonlyArray<[EntityType, RegExp]> = [
  ['AWS_ACCESS_KEY', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g],
  ['JWT', /\beyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{10,1024}/g],
  ['SLACK_TOKEN', /\bxox[abposr]-[A-Za-z0-9-]{10,200}|https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,120}/g],
  ['STRIPE_KEY', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,99}\b/g],
  ['GITHUB_TOKEN', /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255})\b/g],
  ['HUBSPOT_TOKEN', /\bpat-(?:na|eu|ap)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g],
  ['SALESFORCE_TOKEN', /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,255}/g],
  ['URL_CREDENTIALS', URL_CREDS],
];
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
const KEYWORD_SECRET =
  /\b(password|passwd|pwd|passcode|secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|token|bearer)\b["']?\s{0,3}[:=]?\s{0,3}["']?([^\s"',;]{6,200})/dgi;

/** Literal markers every token shape and private key holds (case-sensitive, like the shapes). */
const SHAPE_HINT = /AKIA|ASIA|ABIA|ACCA|eyJ|xox|_live_|_test_|gh[pousr]_|github_pat_|pat-|00D|:\/\/|-----BEGIN/;
const BEARER = /bearer/i;

/** `separator`: whether the text holds ':' or '=' (a keyword secret needs one, or "bearer"). */
export function secrets(text: string, out: Out, separator: boolean): void {
  if (SHAPE_HINT.test(text)) {
    for (const [type, re] of TOKEN_SHAPES) for (let m = first(re, text); m !== null; m = re.exec(text)) add(out, type, text, m.index, m.index + m[0].length);
    for (let m = first(PRIVATE_KEY, text); m !== null; m = PRIVATE_KEY.exec(text)) {
      const endMarker = text.indexOf('-----END', m.index + m[0].length);
      const close = endMarker === -1 ? -1 : text.indexOf('-----', endMarker + 8);
      // No end marker: redact to the end of the text rather than leak the rest of the key.
      add(out, 'PRIVATE_KEY', text, m.index, close === -1 ? text.length : close + 5);
    }
  }
  if (!separator && !BEARER.test(text)) return;
  for (let m = first(KEYWORD_SECRET, text); m !== null; m = KEYWORD_SECRET.exec(text)) {
    const word = m[1].toLowerCase();
    const value = m[2];
    const isPassword = word.startsWith('pass') || word === 'pwd';
    const separated = /[:=]/.test(m[0].slice(m[1].length, m[0].length - value.length)) || word === 'bearer';
    const strong = value.length >= 16 && entropy(value) >= 3.5 && /\d/.test(value) && /[A-Za-z]/.test(value);
    if ((isPassword && separated) || (separated && strong) || (word === 'bearer' && value.length >= 16)) {
      const [s, e] = m.indices![2];
      add(out, 'SECRET', text, s, e);
    }
  }
}

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE = new RegExp(
  `(?<![\\w/.-])(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:19|20)?\\d{2}|(?:19|20)\\d{2}-\\d{1,2}-\\d{1,2}|\\d{1,2}(?:st|nd|rd|th)? ${MONTH}\\.?,? (?:19|20)\\d{2}|${MONTH}\\.? \\d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\\d{2})(?![\\w/])`,
  'gi',
);
const BIRTH_CUE = /(?:born|birth|dob|d\.o\.b\.?|birthday|geboren|née)\b[^.\n]{0,20}$/;
export function birthDates(text: string, out: Out): void {
  for (let m = first(DATE, text); m !== null; m = DATE.exec(text)) if (BIRTH_CUE.test(before(text, m.index, 32))) add(out, 'DATE_OF_BIRTH', text, m.index, m.index + m[0].length);
}

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Crescent|Close|Gardens|Grove|Row|Alley|Plaza|Walk|Rue|Via|Calle|Straße|Strasse|Weg|Gasse|Platz|Allee|Vej|Gatan|Gate|Katu|Tie';
const STREET = new RegExp(
  `(?<![\\w-])\\d{1,6}[A-Za-z]?(?:[ ]\\d{1,6})?(?:[ ][\\p{L}][\\p{L}'.-]{0,30}){1,4}[ ](?:${STREET_TYPES})\\b\\.?(?:,?[ ](?:Apt|Apartment|Suite|Ste|Unit|#)\\.?[ ]?[A-Za-z0-9-]{1,6})?`,
  'giu',
);
const UNIT = /\b(?:Apt|Apartment|Suite|Ste|Unit)\.?[ ]\d{1,6}[A-Za-z]?\b|\bP\.?O\.? Box \d{1,7}\b/g;
const UK_POSTCODE = /\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b/g;
const US_STATE_ZIP =
  /\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY),? \d{5}(?:-\d{4})?\b/g;
/** Each address shape with what the scan must have seen for it to match at all. */
const ADDRESS_SHAPES: ReadonlyArray<readonly [RegExp, (s: Scan) => boolean]> = [
  [STREET, (s) => s.numberWord],
  [UNIT, (s) => s.digits > 0],
  [UK_POSTCODE, (s) => s.upperDigit && s.digits >= 2],
  [US_STATE_ZIP, (s) => s.maxRun >= 5],
];
/** After an address cue, the rest of the line (bounded) is the address when it holds a number. */
const ADDRESS_CUE = /\b(?:lives at|living at|located at|address(?: is)?:?|send (?:it )?to|sent to|moved to|ship(?:ped)? to|deliver(?:ed)? to)[ \t]*\n?[ \t]*/gi;
export function addresses(text: string, out: Out, scanned: Scan): void {
  for (const [re, possible] of ADDRESS_SHAPES) {
    if (!possible(scanned)) continue;
    for (let m = first(re, text); m !== null; m = re.exec(text)) add(out, 'POSTAL_ADDRESS', text, m.index, m.index + m[0].length);
  }
  for (let m = first(ADDRESS_CUE, text); m !== null; m = ADDRESS_CUE.exec(text)) {
    const start = m.index + m[0].length;
    const line = /^[^\n]{4,80}/.exec(text.slice(start, start + 80));
    if (line && /\d/.test(line[0]) && /\p{L}{3}/u.test(line[0])) add(out, 'POSTAL_ADDRESS', text, start, start + line[0].trimEnd().length);
  }
}
