import fc from 'fast-check';
import { BridgeError } from '../../lambda/core/errors';
import { errorResponse, json, MAX_BODY_BYTES, parseJsonBody } from '../../lambda/handlers/http';
import { caught } from '../support/failure';

const event = (body: string | null, headers: Record<string, string> = { 'content-type': 'application/json' }, isBase64Encoded = false) => ({ body, headers, isBase64Encoded });

/** A JSON document of exactly `bytes` UTF-8 bytes. */
const jsonOfBytes = (bytes: number, filler = 'a') => {
  const overhead = Buffer.byteLength('{"x":""}');
  const unit = Buffer.byteLength(filler);
  return `{"x":"${filler.repeat(Math.floor((bytes - overhead) / unit))}${'a'.repeat((bytes - overhead) % unit)}"}`;
};

describe('parseJsonBody', () => {
  it('accepts a body of exactly the limit and refuses one byte more with BODY_TOO_LARGE (413)', () => {
    // Prepare
    const atLimit = jsonOfBytes(MAX_BODY_BYTES);
    const overLimit = jsonOfBytes(MAX_BODY_BYTES + 1);
    // Act
    const parsed = parseJsonBody(event(atLimit));
    const error = caught(() => parseJsonBody(event(overLimit)));
    // Assess
    expect(parsed).toHaveProperty('x');
    expect(error).toMatchObject({ code: 'BODY_TOO_LARGE', status: 413, details: { limit: MAX_BODY_BYTES } });
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    // Prepare: under the limit in characters, over it in bytes.
    const body = jsonOfBytes(MAX_BODY_BYTES + 3, 'é');
    // Act
    const error = caught(() => parseJsonBody(event(body)));
    // Assess
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(error.code).toBe('BODY_TOO_LARGE');
  });

  it('decodes base64 bodies and applies the limit to the decoded bytes', () => {
    // Prepare
    const small = Buffer.from('{"object":"Contact"}').toString('base64');
    const large = Buffer.from(jsonOfBytes(MAX_BODY_BYTES + 1)).toString('base64');
    // Act
    const parsed = parseJsonBody(event(small, undefined, true));
    const error = caught(() => parseJsonBody(event(large, undefined, true)));
    // Assess
    expect(parsed).toEqual({ object: 'Contact' });
    expect(error.code).toBe('BODY_TOO_LARGE');
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'])('accepts the content type %p', (contentType) => {
    // Act
    const parsed = parseJsonBody(event('{"a":1}', { 'Content-Type': contentType }));
    // Assess
    expect(parsed).toEqual({ a: 1 });
  });

  it('accepts a body that names no content type', () => {
    // Act
    const parsed = parseJsonBody(event('[1]', {}));
    // Assess
    expect(parsed).toEqual([1]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x'])(
    'refuses the content type %p with UNSUPPORTED_MEDIA_TYPE (415)',
    (contentType) => {
      // Act
      const error = caught(() => parseJsonBody(event('{"a":1}', { 'CONTENT-TYPE': contentType })));
      // Assess
      expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    },
  );

  it('quotes at most 100 characters of a refused content type', () => {
    // Act
    const error = caught(() => parseJsonBody(event('{}', { 'content-type': `text/${'x'.repeat(5000)}` })));
    // Assess
    expect(error.message.length).toBeLessThan(200);
  });

  it.each([null, '', '   \n'])('refuses the empty body %p with VALIDATION_FAILED', (body) => {
    // Act
    const error = caught(() => parseJsonBody(event(body)));
    // Assess
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'request body is empty; send a JSON object' });
  });

  it('refuses malformed JSON with VALIDATION_FAILED without echoing the body', () => {
    // Act
    const error = caught(() => parseJsonBody(event('{"secret": "hunter2"')));
    // Assess
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(error.message).not.toContain('hunter2');
  });

  it('answers any body with a value or a typed 4xx, never another failure', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), fc.boolean(), (body, base64) => {
        // Act
        let outcome: unknown;
        try {
          parseJsonBody(event(body, undefined, base64));
          outcome = 'parsed';
        } catch (e) {
          outcome = e;
        }
        // Assess
        if (outcome !== 'parsed') {
          expect(outcome).toBeInstanceOf(BridgeError);
          expect((outcome as BridgeError).status).toBeLessThan(500);
        }
      }),
    );
  });
});

describe('errorResponse', () => {
  it('maps a BridgeError to its status with code, message, details and the request id', () => {
    // Act
    const response = errorResponse(new BridgeError('POLICY_DENIED', 'no', { decisionId: 'd1' }), 'req-1');
    // Assess
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'POLICY_DENIED', message: 'no', details: { decisionId: 'd1' }, requestId: 'req-1' } });
  });

  it.each([
    ['an Error', new Error('connect ECONNREFUSED 10.0.0.5:443 at /var/task/index.mjs:1:2')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'secret')")],
    ['a string', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm'],
    ['undefined', undefined],
  ])('maps %s to a generic INTERNAL 500 that leaks neither message nor stack', (_what, thrown) => {
    // Act
    const response = errorResponse(thrown, 'req-2');
    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'INTERNAL', message: 'The bridge could not complete the request.', requestId: 'req-2' } });
    expect(response.body).not.toMatch(/ECONNREFUSED|secret|index\.mjs|at /);
  });

  it('never includes a stack, even for a BridgeError', () => {
    // Act
    const response = errorResponse(new BridgeError('CRM_TIMEOUT', 'slow'), 'req-3');
    // Assess
    expect(response.body).not.toContain('stack');
    expect(response.body).not.toContain('.ts:');
  });
});

describe('json', () => {
  it('serialises the body with no-store, nosniff and a JSON content type', () => {
    // Act
    const response = json(202, { requestId: 'r' });
    // Assess
    expect(response).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      body: '{"requestId":"r"}',
    });
  });
});
