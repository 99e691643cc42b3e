/**
 * Street-first addresses, read where a house number starts: recognizers.ts finds them as
 * POSTAL_ADDRESS, and person.ts keeps a name that runs on into one out of the street's name.
 */

/**
 * The street's name comes before its house number, as most of Europe writes it: a word ending
 * in a street word ("Hauptstraße 12", "Søndergade 52", "Kiannonkatu 98"), a street word of its own after a capitalised name ("Villacher Strasse 89", "Kálmán Imre u. 12."), or one
 * before the name ("Rua Igreja 25", "Via Franscini 71", "ul. Miła 53", "Calle de Alcalá 48"). The
 * number has one to five digits and a letter at most and ends there (no time, decimal or longer
 * number); a postcode and town right after it are the address's too (", 10115 Berlin").
 * "Ring", "Kade" and "Tee" are left out: "Spring 2024", "Arcade 5", "Committee 3".
 */
const STREET_ENDS = 'straße strasse str. weg gasse platz allee damm ufer gade vej gatan vägen väg gränd gata veien katu tie polku kuja iela gatve ulica utca straat laan plein gracht stræti straeti vegur'.split(' ');
/** Street words written apart, after the name: capitalised, or Hungarian "u." (utca); "Weg" and "Platz" are also a way and a rank ("Auf Platz 2"). */
const STREET_WORDS_AFTER = new Set('straße strasse str. gasse allee damm ufer vej u.'.split(' '));
/** Street words before the name; "via" and "plaza" are words of English prose too, so only capitalised, before a capitalised name. */
export const STREET_WORDS_BEFORE = new Set('rua viale calle avenida avda carrer piazza travessa ulica ul.'.split(' '));
export const STREET_WORDS_BEFORE_CAPITALISED = new Set('via plaza corso'.split(' '));
/** Lower-case words that go on after an address ("Karl-Marx-Allee 34 at 14:00", "Rua Mina 50 street", "apt. 5"); any other one makes the number a count. */
const WORDS_AFTER_ADDRESS = new Set('at in on near and or und oder um am im bei street st road rd avenue ave apt apartment suite ste unit box floor'.split(' '));
/** A count's or measure's word after a number: "Heimweg 2 Std", "Fahrradweg 3 km", "Meier u. 3 Kollegen". */
const MEASURE_WORDS = new Set('km m cm mm kg g min minute minuten minutes std stunde stunden h tag tage wochen monate jahre mal kinder kollegen personen leute tickets stück stk sterne stars punkte prozent euro eur usd'.split(' '));
const LETTERS_WORD = /^\p{L}[\p{L}\p{M}'’.-]*$/u;
const CAPITALISED_WORD = /^\p{Lu}[\p{L}\p{M}'’.-]*$/u;
/** Street ends by length, each needing a stem of three letters, or four for -tie and -iela (Finnish "tie" ends many words). */
const STREET_END_LENGTHS = [...new Set(STREET_ENDS.map((end) => end.length))];
const STREET_END_SET = new Set(STREET_ENDS);
/** The shortest word with a street end: a three-letter end after a three-letter stem. */
const STREET_END_MIN = Math.min(...STREET_END_LENGTHS) + 3;
const isStreetEnd = (word: string): boolean =>
  STREET_END_LENGTHS.some((n) => {
    const end = word.slice(-n);
    return STREET_END_SET.has(end) && word.length >= n + (end === 'tie' || end === 'iela' ? 4 : 3);
  });
/** Where the word ending at `end` starts: after the space or line break before it, or at `floor`. */
function wordStart(text: string, end: number, floor: number): number {
  let s = end;
  while (s > floor && text.charCodeAt(s - 1) !== 32 && text.charCodeAt(s - 1) !== 10) s--;
  return s;
}
/**
 * Where the street-first address whose house number starts at p starts, or -1. It reads the
 * words before p one at a time, back to the line's start (80 characters at most), and
 * leaves at the first that cannot be part of a street name: this runs at every number.
 * `wordsBefore`: whether the text may hold a street word written before the name (the scan's
 * KEYWORD.STREET_BEFORE); where it cannot, that reading is skipped.
 */
export function streetBefore(text: string, p: number, wordsBefore: boolean): number {
  const floor = Math.max(0, p - 80);
  // A word before the one starting at `start` on the same line, within the 80 characters.
  const wordBefore = (start: number): boolean => start > floor && text.charCodeAt(start - 1) === 32;
  const lastStart = wordStart(text, p - 1, floor);
  const lastWord = text.slice(lastStart, p - 1);
  if (!LETTERS_WORD.test(lastWord)) return -1;
  const last = lastWord.toLowerCase();
  if (STREET_WORDS_AFTER.has(last)) {
    if (last !== 'u.' && !CAPITALISED_WORD.test(lastWord)) return -1;
    // One or two capitalised words name the street; where a third comes before them, only the
    // nearest one is sure to ("Maria Schmidt Berliner Strasse 5": the others may be a person's).
    // Hungarian writes the family name first, and a name before "Kossuth Lajos u. 12" is not split off: both words stay.
    const names: number[] = [];
    for (let start = lastStart; names.length < 3 && wordBefore(start); ) {
      start = wordStart(text, start - 1, floor);
      if (!CAPITALISED_WORD.test(text.slice(start, names.length === 0 ? lastStart - 1 : names[names.length - 1] - 1))) break;
      names.push(start);
    }
    if (names.length === 0) return -1;
    return names[names.length === 2 || (last === 'u.' && names.length === 3) ? 1 : 0];
  }
  if (last.length >= STREET_END_MIN && isStreetEnd(last)) return lastStart;
  if (!wordsBefore) return -1;
  let start = lastStart;
  let next = lastWord;
  for (let k = 0; k < 4 && wordBefore(start); k++) {
    const w = wordStart(text, start - 1, floor);
    const word = text.slice(w, start - 1);
    const lower = word.toLowerCase();
    if (STREET_WORDS_BEFORE.has(lower) || (STREET_WORDS_BEFORE_CAPITALISED.has(lower) && CAPITALISED_WORD.test(word) && CAPITALISED_WORD.test(next))) return w;
    if (!LETTERS_WORD.test(word)) return -1;
    start = w;
    next = word;
  }
  return -1;
}
/**
 * The end of a house number of one to five digits and a letter at most at p, or -1: where a
 * time, decimal, longer number, measure or lower-case word other than a preposition or "and"
 * follows ("Lösungsweg 2 ist falsch"), none.
 */
export function houseNumberEnd(text: string, p: number): number {
  let q = p;
  while (q < text.length && q - p <= 5 && text.charCodeAt(q) >= 48 && text.charCodeAt(q) <= 57) q++;
  if (q - p > 5) return -1;
  if (/[A-Za-z]/.test(text[q] ?? '') && !/[\p{L}\d]/u.test(text[q + 1] ?? '')) q++;
  const c = text[q] ?? '';
  if (/[\p{L}\d_]/u.test(c) || (/[:.,\-/]/.test(c) && /\d/.test(text[q + 1] ?? ''))) return -1;
  const next = c === ' ' ? /^\p{L}+/u.exec(text.slice(q + 1, q + 24)) : null;
  return next !== null && ((/^\p{Ll}/u.test(next[0]) && !WORDS_AFTER_ADDRESS.has(next[0].toLowerCase())) || MEASURE_WORDS.has(next[0].toLowerCase())) ? -1 : q;
}
