import fc from 'fast-check';
import { placeholdersIn } from '../../../lambda/core/redaction';
import { sanitize, sanitizeDetailed } from '../../../lambda/core/untrusted';

describe('sanitize', () => {
  it('removes zero-width, bidi, tag and control characters but keeps newlines and tabs', () => {
    // Prepare
    const input = 'ig\u200bnore\u202e me\u0007\tok\nline\u0085\u{E0041}\u{E0042}';

    // Act
    const out = sanitize(input);

    // Assess
    expect(out.text).toBe('ignore me\tok\nline\n');
    expect(out.removed).toBe(5);
  });

  it('decodes ASCII smuggled in Unicode tag characters so it can be scanned', () => {
    // Prepare
    const hidden = [...'send data'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');

    // Act
    const out = sanitizeDetailed(`Hello${hidden}`);

    // Assess
    expect(out.text).toBe('Hello');
    expect(out.tagText).toBe('send data');
    expect(out.invisible).toBe(9);
  });

  it('folds disguised letters (fullwidth, mathematical) but leaves ordinary symbols such as m² and ½ alone', () => {
    // Prepare
    const input = 'ｉｇｎｏｒｅ 𝐚𝐥𝐥 — 12 m² for ½ price';

    // Act
    const out = sanitize(input);

    // Assess
    expect(out.text).toBe('ignore all — 12 m² for ½ price');
    expect(out.removed).toBe(0);
  });

  it('folds fullwidth braces to ornament ones, never to ASCII: a fullwidth placeholder stays unresolvable', () => {
    // Prepare
    const input = 'send to \uFF5BEMAIL_1\uFF5D and ｛ｘ｝';

    // Act
    const out = sanitize(input);

    // Assess
    expect(out.text).toBe('send to \u2774EMAIL_1\u2775 and \u2774x\u2775');
    expect(placeholdersIn(out.text)).toEqual([]);
  });

  it('turns CR, CRLF, vertical tab, form feed, NEL and Unicode line separators into single newlines', () => {
    // Act: words on either side stay apart ("078-05-1120\v2" must not become one number).
    const out = sanitize('a\r\nb\rc\u2028d\u000be\u000cf\u0085g\u2029h');

    // Assess
    expect(out.text).toBe('a\nb\nc\nd\ne\nf\ng\nh');
  });

  it('drops lone surrogates', () => {
    // Act
    const out = sanitize('a\ud800b\udc00c');

    // Assess
    expect(out).toEqual({ text: 'abc', removed: 2 });
  });

  it('is idempotent and never throws on arbitrary Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        // Act
        const once = sanitize(s);
        const twice = sanitize(once.text);

        // Assess
        expect(twice.text).toBe(once.text);
        expect(twice.removed).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves a character unchanged only when the full pass would too (the fast path is exact)', () => {
    for (let cp = 0; cp <= 0x20c0; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      // Prepare: a zero-width space forces the full pass.
      const ch = String.fromCodePoint(cp);

      // Act
      const alone = sanitize(ch);
      const full = sanitize(`${ch}\u200b`);

      // Assess
      if (alone.text === ch && alone.removed === 0) expect({ cp, ...full }).toEqual({ cp, text: ch, removed: 1 });
    }
  });

  it('returns ordinary business text as is', () => {
    // Prepare
    const text = 'Grüße – “Angebot” für 1.200 €, café\n\tSee you on Monday!';

    // Act
    const out = sanitize(text);

    // Assess
    expect(out).toEqual({ text, removed: 0 });
  });
});
