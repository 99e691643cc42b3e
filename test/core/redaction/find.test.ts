import fc from 'fast-check';
import { findEntities } from '../../../lambda/core/redaction';
import { scan } from '../../../lambda/core/redaction/scan';

/** Each decimal digit 0–9 of a few scripts, and spaces other than ' ', as a reader sees them. */
const ZEROS = { arabicIndic: 0x660, extendedArabicIndic: 0x6f0, devanagari: 0x966, bengali: 0x9e6, thai: 0xe50, fullwidth: 0xff10 };
const SPACES = ['\u00a0', '\u2009', '\u202f', '\u3000'];
const inScript = (text: string, zero: number): string => text.replace(/\d/g, (d) => String.fromCharCode(zero + Number(d)));
const fullwidth = (text: string): string => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const shapes = (text: string) => findEntities(text).map((e) => [e.type, e.start, e.end]);

describe('findEntities on characters that read as ASCII', () => {
  const samples = [
    'SSN 078-05-1120 on file',
    'Call +44 20 7946 0958 after lunch',
    'Card 4111 1111 1111 1111 was charged',
    'Reach her on (415) 555-2671 ext 12',
    'Server 192.168.10.20 is down',
    'Contact Mr. John Smith today',
  ];

  it.each(Object.entries(ZEROS))('finds in %s digits what it finds in ASCII ones, at the same offsets, with the original values', (_, zero) => {
    for (const ascii of samples) {
      // Prepare
      const text = inScript(ascii, zero);
      // Act
      const found = findEntities(text);
      // Assess
      expect(found.map((e) => [e.type, e.start, e.end])).toEqual(shapes(ascii));
      for (const e of found) expect(e.value).toBe(text.slice(e.start, e.end));
    }
  });

  it('reads no-break, thin and ideographic spaces as spaces, and fullwidth forms as ASCII', () => {
    for (const ascii of [...samples, 'Mail jane.doe@example.org today', 'Dear Ms. Ada Lovelace,']) {
      for (const space of SPACES) expect([ascii, shapes(ascii.replace(/ /g, space))]).toEqual([ascii, shapes(ascii)]);
      expect([ascii, shapes(fullwidth(ascii))]).toEqual([ascii, shapes(ascii)]);
    }
  });

  it('finds the same entities whatever mix of scripts writes the digits and whatever spaces separate the words', () => {
    const zeros = Object.values(ZEROS);
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.nat(zeros.length), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(SPACES.length), { minLength: 40, maxLength: 40 }),
        (ascii, digitScripts, spaceKinds) => {
          // Prepare: each digit in a script of its own choosing (or ASCII), each space likewise.
          let d = 0;
          let s = 0;
          const text = ascii.replace(/[\d ]/g, (c) => {
            if (c === ' ') {
              const kind = spaceKinds[s++ % spaceKinds.length];
              return kind === SPACES.length ? ' ' : SPACES[kind];
            }
            const script = digitScripts[d++ % digitScripts.length];
            return script === zeros.length ? c : String.fromCharCode(zeros[script] + Number(c));
          });
          // Act / Assess
          expect(shapes(text)).toEqual(shapes(ascii));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('reads mathematical digits, two UTF-16 units each, and maps the entity back onto them', () => {
    // Prepare
    const text = 'SSN \u{1D7CE}\u{1D7D5}\u{1D7D6}-\u{1D7CE}\u{1D7D3}-\u{1D7CF}\u{1D7CF}\u{1D7D0}\u{1D7CE} on file';
    // Act
    const found = findEntities(text);
    // Assess
    expect(found).toEqual([{ type: 'US_SSN', start: 4, end: text.length - ' on file'.length, value: text.slice(4, text.length - ' on file'.length) }]);
  });

  it('finds PII that characters rendering as nothing split, and the entity keeps them', () => {
    // (A zero-width space between letters is a word break: the next test.)
    const hidden = ['\u200d', '\u2060', '\u00ad', '\u202e', '\ufeff', '\u0007', '\u{E0041}', '\ud800', '\u034f', '\u3164', '\ufe0f', '\u180b'];
    const strip = (t: string) => Array.from(t).filter((c) => !hidden.includes(c)).join('');
    fc.assert(
      fc.property(fc.constantFrom(...samples, 'Mail jane.doe@example.org today'), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...hidden)), { maxLength: 6 }), (ascii, inserts) => {
        // Prepare: hidden characters between any two characters.
        const chars = Array.from(ascii);
        for (const [at, ch] of inserts) chars.splice(at % (chars.length + 1), 0, ch);
        const text = chars.join('');
        // Act
        const found = findEntities(text);
        // Assess: the same entities, their spans in the text as given, nothing hidden left out of them.
        expect(found.map((e) => [e.type, strip(e.value)])).toEqual(findEntities(ascii).map((e) => [e.type, e.value]));
        for (const e of found) expect(e.value).toBe(text.slice(e.start, e.end));
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it.each<[string, string, string]>([
    ['a zero-width space between names is a word break', 'ask for Anna\u200bSchmidt today', 'PERSON:Anna\u200bSchmidt'],
    ['a zero-width space inside a number is nothing', 'SSN 078\u200b-05-1120 on file', 'US_SSN:078\u200b-05-1120'],
    ['a vertical tab ends a line', 'SSN 078-05-1120\u000b2 copies', 'US_SSN:078-05-1120'],
    ['a form feed ends a line', 'SSN 078-05-1120\u000c2 copies', 'US_SSN:078-05-1120'],
    ['a variation selector is nothing', 'SSN 078-05-1\ufe0f120', 'US_SSN:078-05-1\ufe0f120'],
    ['a combining mark on a digit is nothing', 'SSN 078-05-1\u0301120', 'US_SSN:078-05-1\u0301120'],
    ['a keycap on a digit is nothing', 'SSN 0\ufe0f\u20e378-05-1120', 'US_SSN:0\ufe0f\u20e378-05-1120'],
    ['a Hangul filler is nothing', 'SSN 078-05-1\u3164120', 'US_SSN:078-05-1\u3164120'],
  ])('reads what a reader sees: %s', (_, text, want) => {
    // Act / Assess
    expect(findEntities(text).map((e) => `${e.type}:${e.value}`)).toEqual([want]);
  });

  it("finds the record's own names however the text or the name field spells them", () => {
    // Prepare: a sanitized note is composed (NFC); the name field may be decomposed or hold a hidden character.
    const note = 'Spoke with Zülfikarova and Okonkwo.'.normalize('NFC');
    // Act
    const found = findEntities(note, { knownNames: ['Zu\u0308lfikarova', 'Okonkwo\u200b'] });
    // Assess
    expect(found.map((e) => e.value)).toEqual(['Zülfikarova'.normalize('NFC'), 'Okonkwo']);
    expect(findEntities('spoke to qx\u200bzyw today', { knownNames: ['Qx\u200bZyw'] }).map((e) => e.value)).toEqual(['qx\u200bzyw']);
  });

  it('reads line ends and tabs as they are, and a text of other scripts without digits finds nothing', () => {
    // Act / Assess
    expect(scan('Call\r\n(415) 555-2671\tnow').needsView).toBe(false);
    expect(findEntities('Call\r\n(415) 555-2671\tnow').map((e) => e.value)).toEqual(['(415) 555-2671']);
    expect(findEntities('Привет, как дела? こんにちは — “quoted” …')).toEqual([]);
  });
});

describe('findEntities on HTML, as a browser renders it', () => {
  const samples = [
    'SSN 078-05-1120 on file',
    'Call +44 20 7946 0958 after lunch',
    'Card 4111 1111 1111 1111 was charged',
    'Mail jane.doe@example.org today',
    'Contact Mr. John Smith today',
  ];
  /** Each character of `ascii` at the chosen positions as a decimal, hex or named reference, in inline tags (one with a quoted '>'), or before a comment; and where each character went. */
  const REFS: Record<string, string> = { ' ': '&nbsp;', '@': '&commat;', '-': '&hyphen;', '.': '&period;', '+': '&plus;' };
  const encode = (ascii: string, picks: number[]): { html: string; at: number[] } => {
    let html = '<p>';
    const at: number[] = [];
    Array.from(ascii).forEach((c, i) => {
      const pick = picks[i % picks.length];
      const before = pick === 4 ? '<b>' : pick === 6 ? '<b title="a>b">' : '';
      at.push(html.length + before.length);
      html += [c, `&#${c.charCodeAt(0)};`, `&#x${c.charCodeAt(0).toString(16)};`, REFS[c] ?? c, `<b>${c}</b>`, `${c}<!-- -->`, `<b title="a>b">${c}</b>`][pick];
    });
    return { html: `${html}</p>`, at };
  };

  it('leaves no letter or digit of an entity of the plain text out of an entity, wherever references, inline tags and comments stand', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.nat(6), { minLength: 1, maxLength: 40 }), (ascii, picks) => {
        // Prepare
        const { html, at } = encode(ascii, picks);
        // Act
        const found = findEntities(html);
        // Assess: every letter and digit of each plain entity lies in a found entity, whose value is its span of the markup.
        for (const e of findEntities(ascii)) {
          for (let i = e.start; i < e.end; i++) {
            if (/[\p{L}\p{N}]/u.test(ascii[i])) expect([e.type, i, found.some((f) => f.start <= at[i] && at[i] < f.end)]).toEqual([e.type, i, true]);
          }
        }
        for (const e of found) expect(e.value).toBe(html.slice(e.start, e.end));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it.each<[string, string, string[]]>([
    ['a numeric reference', 'mail john&#64;example.com', ['EMAIL:john&#64;example.com']],
    ['no-break spaces', 'Card 4111&nbsp;1111&nbsp;1111&nbsp;1111 ok', ['CREDIT_CARD:4111&nbsp;1111&nbsp;1111&nbsp;1111']],
    ['a tag inside an address', 'john<span>@</span>example.com', ['EMAIL:john<span>@</span>example.com']],
    ['a comment between digit groups', '4111 1111<!-- x -->1111 1111', ['CREDIT_CARD:4111 1111<!-- x -->1111 1111']],
    ['an address in an attribute', '<a href="mailto:ann@example.org">write</a>', ['EMAIL:ann@example.org']],
    ['a name around a link that holds an address', 'Ask Anna <a href="mailto:anna.smith@example.com">Smith</a> today', ['PERSON:Anna', 'EMAIL:anna.smith@example.com', 'PERSON:Smith']],
    ['a card around a tag that holds an address', 'Card 4111 1111 <span title="ann@example.org">1111 1111</span>', ['CREDIT_CARD:4111 1111', 'EMAIL:ann@example.org', 'CREDIT_CARD:1111 1111']],
    ['an entity glued to the next cell as rendered, apart as written', '<span>078-05-1120</span><span>SSN</span>', ['US_SSN:078-05-1120']],
    ['a tag of any name', '4111<x></x>1111<x></x>1111<x></x>1111', ['CREDIT_CARD:4111<x></x>1111<x></x>1111<x></x>1111']],
    ['references without their semicolon', 'john&#64example.com, 4111&nbsp1111&nbsp1111&nbsp1111', ['EMAIL:john&#64example.com', 'CREDIT_CARD:4111&nbsp1111&nbsp1111&nbsp1111']],
    ['an empty comment', 'SSN 078-05<!-->-1120', ['US_SSN:078-05<!-->-1120']],
    ['table cells side by side', '<tr><td>Anna</td><td>Smith</td></tr>', ['PERSON:Anna</td><td>Smith']],
    ['dashes between digits', 'SSN 078\u201005\u20101120, call 415\u2013555\u20130132', ['US_SSN:078\u201005\u20101120', 'PHONE:415\u2013555\u20130132']],
    ['a dash reference between digits', 'SSN 078&ndash;05&ndash;1120', ['US_SSN:078&ndash;05&ndash;1120']],
    ['a dash before a comment or a character that reads as nothing', 'SSN 078\u2013<!-- -->05\u2013&#8203;1120, 415\u2013&shy;555\u2013\u200b0132', ['US_SSN:078\u2013<!-- -->05\u2013&#8203;1120', 'PHONE:415\u2013&shy;555\u2013\u200b0132']],
    ['tags whose quoted attributes hold "<" or ">"', 'SSN 078-05<span class=">">-</span>1120, mail john<i title=\'<\'>@</i>example.com', ['US_SSN:078-05<span class=">">-</span>1120', "EMAIL:john<i title='<'>@</i>example.com"]],
    ['a tag whose quotes open no value, which ends at its first ">"', 'SSN <b ="x>078-05<i>-</i>1120 y">, <b a=x=" >078-05<i>-</i>1120 ">', ['US_SSN:078-05<i>-</i>1120', 'US_SSN:078-05<i>-</i>1120']],
    ['a name in angle brackets, which is no tag', 'From: <Anna Smith> wrote', ['PERSON:Anna Smith']],
    ['a comment that never closes', '<!-- 078-05-1120', ['US_SSN:078-05-1120']],
    ['text inside a comment, which the agent reads in the markup', 'Hello<!-- SSN 078-05-1120 --> there', ['US_SSN:078-05-1120']],
    ['a name in a title attribute', '<span title="Contact Anna Smith">see notes</span>', ['PERSON:Anna Smith']],
    ['a digit that a hidden reference glues onto a card', '<p>Card 4111 1111 1111 1111&#8203;7, IBAN DE89370400440532013000&#49;</p>', ['CREDIT_CARD:4111 1111 1111 1111', 'IBAN:DE89370400440532013000']],
    ['entities that a hidden character glues together', 'SSN 078-05-1120\u200b078-05-1120, card 4111 1111 1111 1111\u200b7', ['US_SSN:078-05-1120', 'US_SSN:078-05-1120', 'CREDIT_CARD:4111 1111 1111 1111']],
    ['a reference inside an attribute', '<a href="mailto:john&#64;example.com">write</a>', ['EMAIL:john&#64;example.com']],
    ['references inside an attribute and a comment', '<span title="415&#45;555&#45;0132">x</span><!-- 078&#45;05&#45;1120 -->', ['PHONE:415&#45;555&#45;0132', 'US_SSN:078&#45;05&#45;1120']],
  ])('reads %s as a reader does', (_, text, want) => {
    // Act / Assess
    expect(findEntities(text).map((e) => `${e.type}:${e.value}`)).toEqual(want);
  });

  it('reads a word that a reference ends as the whole word, never its written part', () => {
    // Act / Assess: "Mai" alone is a name; "Mail" is not.
    expect(findEntities('<p>Mai&#108; me the form</p>')).toEqual([]);
  });

  it('leaves ampersands, comparisons and dashes in prose as they are', () => {
    // Act / Assess
    for (const text of ['AT&T and R&D, P&L; a < b > c', 'From 10 \u2013 20 people \u2014 or so', 'x &unknownref; y']) {
      expect(scan(text).needsView).toBe(false);
      expect(findEntities(text)).toEqual([]);
    }
  });
});
