import fc from 'fast-check';
import { scan } from '../../../lambda/core/redaction/scan';
import { adversarialInputs } from '../../../bench/redaction';
import { viewOf } from '../../../lambda/core/redaction/view';

describe('viewOf and the scan gate', () => {
  it('is flagged by the scan wherever it changes a character: every code point of the BMP, and the astral blocks it reads', () => {
    // Prepare: each code point after a letter, after a digit, and at a token start.
    const astral = [[0x1d400, 0x1d7ff], [0xe0000, 0xe007f], [0xe0100, 0xe01ef], [0x1f600, 0x1f64f]];
    const points: number[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) points.push(cp);
    for (const [lo, hi] of astral) for (let cp = lo; cp <= hi; cp++) points.push(cp);
    const missed: string[] = [];
    // Act
    for (const cp of points) {
      const ch = String.fromCodePoint(cp);
      for (const text of [`a${ch}b`, `1${ch}2`, ` ${ch}`]) {
        if (viewOf(text).text !== text && !scan(text).needsView) missed.push(cp.toString(16));
      }
    }
    // Assess
    expect(missed).toEqual([]);
  });

  it('maps every character it reads back to the characters it came from, in order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('1', 'a', ' ', '\u200b', '\u0301', '\u0661', '\uff11', '\u00a0', '\u{1D7CF}', '\ud800', '\u000b', '\u2013', '&#64;', '&nbsp;', '&#x1F600;', '<b>', '</p>', '<td>', '<!--', '-->', '<') }), (a, b) => {
        // Prepare
        const text = a + b;
        // Act
        const { text: read, from, to } = viewOf(text);
        // Assess
        expect(from.length).toBe(read.length);
        for (let v = 0; v < read.length; v++) {
          expect(from[v]).toBeLessThan(to[v]);
          if (v > 0) expect(from[v]).toBeGreaterThanOrEqual(to[v - 1]);
        }
        if (read.length > 0) expect(to[read.length - 1]).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 500, seed: 5 },
    );
  });

  it('returns text it does not change as it is', () => {
    // Act / Assess
    for (const text of ['Plain ASCII, tabs\tand\r\nline ends.', 'Zürich, Ελλάδα, Москва, 東京, “quoted” — done…', 'e\u0301 decomposed', 'AT&T, R&D; a<b; x &copy2; wrote, 10 – 20']) {
      expect(viewOf(text).text).toBe(text);
      expect(scan(text).needsView).toBe(false);
    }
  });

  it('reads HTML as a browser renders it, each character mapped back to the markup it came from', () => {
    // Prepare
    const text = '<p>Call&nbsp;4&#49;5<b>-</b>555&#x2d;0132</p><!-- hidden --><td>A</td><td>B</td>';
    // Act
    const { text: read, from, to } = viewOf(text);
    // Assess: block tags break lines, inline tags and comments read as nothing, cells as one space.
    expect(read).toBe('Call 415-555-0132\nA B ');
    expect(text.slice(from[4], to[4])).toBe('&nbsp;');
    expect(text.slice(from[6], to[6])).toBe('&#49;');
    expect(text.slice(from[read.indexOf('-', 9)], to[read.indexOf('-', 9)])).toBe('&#x2d;');
  });

  it('keeps references it does not know and markup that never closes as they are, and hides tags of any name', () => {
    // Act / Assess
    for (const text of ['&copy; &bogus; &#xD800; &#9999999; &', 'a <br', '<!-- open']) expect(viewOf(text).text).toBe(text);
    expect(viewOf('a<custom-tag>b<st1:place>c<!-->d').text).toBe('abcd');
  });

  it('reads attributes as a browser tokenizes them: a value quoted after its name and "=" whole, any other quote as a character', () => {
    // Act / Assess: a quoted value ends at its own quote, with or without white space around '='.
    expect(viewOf('078-05<span title=">">-</span>1120').text).toBe('078-05-1120');
    expect(viewOf("4111<i title='<'></i>1111").text).toBe('41111111');
    expect(viewOf('a<b title = "x>y" id=z>b').text).toBe('ab');
    expect(viewOf('a<b a="1"b=\'>\'>c').text).toBe('ac');
    // A quote that starts a name, follows '=' without a name, or stands inside an unquoted value opens nothing.
    expect(viewOf('a<b "x>y">b').text).toBe('ay">b');
    expect(viewOf('a<b ="x>y">b').text).toBe('ay">b');
    expect(viewOf('a<b a=x="y>b">c').text).toBe('ab">c');
    expect(viewOf('a<b a="q" = "x>y">b').text).toBe('ay">b');
    // Outside quotes a '<' means the tag was none; a quote the text ends inside is not tracked.
    expect(viewOf('a<b x<y>b').text).toBe('a<b xb');
    expect(viewOf('078-05<span title="x>-1120').text).toBe('078-05-1120');
  });

  it('reads tags whose quoted values open inside one another in linear time', () => {
    // Prepare: every tag's quote closes in the next tag, and each tag reads on to the end of the text.
    const text = adversarialInputs(200_000)['quote-chain'];
    // Act
    const start = Date.now();
    viewOf(text);
    const ms = Date.now() - start;
    // Assess: linear reading takes tens of milliseconds here; reading each tag to the end would take seconds.
    expect(ms).toBeLessThan(2000);
  });

  it('reads HTML as written with its references read, tags, attributes and comments kept', () => {
    // Prepare
    const text = '<a href="mailto:john&#64;x.org">Mai&#108;</a><!-- &#49; -->&nbsp;';
    // Act
    const { text: read, from, to } = viewOf(text, 'written');
    // Assess
    expect(read).toBe('<a href="mailto:john@x.org">Mail</a><!-- 1 --> ');
    expect(text.slice(from[read.indexOf('@')], to[read.indexOf('@')])).toBe('&#64;');
    expect(text.slice(from[read.indexOf('<a')], to[read.indexOf('<a')])).toBe('<');
  });
});
