/**
 * The typed client against a recording HTTP server on loopback: what goes on the wire (SigV4 checked by an
 * independent computation, the local principal header), client-side validation, error mapping, timeouts,
 * retries and the guards on where each auth mode may send requests.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { BridgeClient, BridgeClientError, type BridgeClientOptions } from '../../client/bridge-client';
import { LOCAL_PRINCIPAL_HEADER } from '../../local/http-front';

interface Captured {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'hang';

async function recordingServer(reply: (req: Captured, n: number) => Reply = () => ({ status: 200, body: { ok: true } })) {
  const requests: Captured[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(captured);
    const r = reply(captured, requests.length);
    if (r === 'hang') return;
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.raw ?? JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const CLOCK = new Date('2024-03-01T12:34:56Z');
const SUPPORT = 'arn:aws:iam::000000000000:role/support-agent';
const QUERY = { object: 'Contact' as const, fields: ['Id', 'Email'], limit: 5, purpose: 'support' };

const sigv4 = (endpoint: string, over: Partial<BridgeClientOptions> = {}) =>
  new BridgeClient({ endpoint, auth: { mode: 'sigv4', region: 'eu-west-1', credentials: CREDENTIALS }, clock: () => CLOCK, ...over });
const local = (endpoint: string, over: Partial<BridgeClientOptions> = {}) => new BridgeClient({ endpoint, auth: { mode: 'local', principal: SUPPORT }, ...over });

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/**
 * SigV4 as the AWS documentation defines it, written independently of the signer under test: canonical request
 * from what arrived on the wire, string to sign, derived key, signature.
 */
function recomputeSignature(req: Captured, secret: string, region: string, service: string, body = req.body): string {
  const auth = String(req.headers.authorization);
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1] ?? '';
  const [rawPath, rawQuery = ''] = req.url.split('?');
  // Every service but S3 encodes each (already encoded) path segment once more.
  const canonicalUri = rawPath
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => p.split('=').map((x) => rfc3986(decodeURIComponent(x))))
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join('\n');
  const amzDate = String(req.headers['x-amz-date']);
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}
const signatureOf = (req: Captured) => /Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization))?.[1];

async function rejection(p: Promise<unknown>): Promise<BridgeClientError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BridgeClientError);
  return e as BridgeClientError;
}

describe('BridgeClient in SigV4 mode', () => {
  it('signs a POST so that an independent SigV4 computation verifies it, over the scope and headers AWS expects', async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 200, body: { records: [], meta: {} } }));
    try {
      // Act
      await sigv4(`${server.url}/live`).query(QUERY);

      // Assess
      const [req] = server.requests;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/live/v1/records/query');
      expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240301\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=/);
      const signed = /SignedHeaders=([^,]+)/.exec(String(req.headers.authorization))?.[1].split(';');
      expect(signed).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type', 'x-amz-content-sha256', 'x-amz-security-token']));
      expect(req.headers['x-amz-date']).toBe('20240301T123456Z');
      expect(req.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
      expect(req.headers['x-amz-content-sha256']).toBe(sha256(req.body));
      expect(JSON.parse(req.body)).toEqual(QUERY);
      expect(signatureOf(req)).toBe(recomputeSignature(req, CREDENTIALS.secretAccessKey, 'eu-west-1', 'execute-api'));
      // The check is sensitive: another body, secret or region gives another signature.
      expect(signatureOf(req)).not.toBe(recomputeSignature(req, CREDENTIALS.secretAccessKey, 'eu-west-1', 'execute-api', req.body.replace('support', 'sales')));
      expect(signatureOf(req)).not.toBe(recomputeSignature(req, 'another-secret', 'eu-west-1', 'execute-api'));
      expect(signatureOf(req)).not.toBe(recomputeSignature(req, CREDENTIALS.secretAccessKey, 'us-east-1', 'execute-api'));
      expect(req.headers[LOCAL_PRINCIPAL_HEADER]).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('signs query strings and keeps a path id to one encoded segment, as execute-api canonicalizes them', async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 200, body: { requestId: 'x' } }));
    const client = sigv4(server.url, { auth: { mode: 'sigv4', region: 'eu-west-1', credentials: CREDENTIALS, apiId: 'a1b2c3d4e5' } });
    try {
      // Act
      await client.listApprovals({ status: 'approved', limit: 5, cursor: "a b+c/d=e&f*'~" });
      await client.getRequest('req 1/../x');

      // Assess
      const [list, get] = server.requests;
      expect(list.url).toBe('/v1/approvals?status=approved&limit=5&cursor=a%20b%2Bc%2Fd%3De%26f%2A%27~');
      expect(get.url).toBe('/v1/requests/req%201%2F..%2Fx');
      expect(list.headers['x-apigw-api-id']).toBe('a1b2c3d4e5');
      for (const req of server.requests) expect(signatureOf(req)).toBe(recomputeSignature(req, CREDENTIALS.secretAccessKey, 'eu-west-1', 'execute-api'));
    } finally {
      await server.close();
    }
  });

  it('produces a verifiable signature for any approval-list cursor, or refuses it before sending', async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 200, body: { approvals: [] } }));
    const client = sigv4(server.url);
    try {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (cursor) => {
          const before = server.requests.length;
          // Act
          const outcome = await client.listApprovals({ cursor }).then(
            () => undefined,
            (e: unknown) => e,
          );
          // Assess
          if (outcome === undefined) {
            const req = server.requests[before];
            expect(signatureOf(req)).toBe(recomputeSignature(req, CREDENTIALS.secretAccessKey, 'eu-west-1', 'execute-api'));
            expect(new URL(req.url, server.url).searchParams.get('cursor')).toBe(cursor);
          } else {
            expect(outcome).toMatchObject({ code: 'VALIDATION_FAILED', status: 0 });
            expect(server.requests.length).toBe(before);
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await server.close();
    }
  });

  it('takes the region from an execute-api host name and refuses plain http to a remote host', () => {
    // Act
    const inferred = new BridgeClient({ endpoint: 'https://abc123.execute-api.eu-central-1.amazonaws.com/live', auth: { mode: 'sigv4', credentials: CREDENTIALS } });
    const vpce = new BridgeClient({ endpoint: 'https://vpce-0a1b-xyz.execute-api.ap-south-1.vpce.amazonaws.com/live', auth: { mode: 'sigv4', credentials: CREDENTIALS, apiId: 'abc123' } });
    const noRegion = () => new BridgeClient({ endpoint: 'https://bridge.example.com/live', auth: { mode: 'sigv4', credentials: CREDENTIALS } });
    const clear = () => new BridgeClient({ endpoint: 'http://abc123.execute-api.eu-central-1.amazonaws.com/live', auth: { mode: 'sigv4', credentials: CREDENTIALS } });

    // Assess
    expect(inferred.target).toEqual({ endpoint: 'https://abc123.execute-api.eu-central-1.amazonaws.com/live', mode: 'sigv4', region: 'eu-central-1' });
    expect(vpce.target.region).toBe('ap-south-1');
    expect(noRegion).toThrow(expect.objectContaining({ code: 'CLIENT_CONFIG', message: expect.stringContaining('pass a region') }));
    expect(clear).toThrow(expect.objectContaining({ code: 'CLIENT_CONFIG', message: expect.stringContaining('https') }));
  });

  it("signs with the default provider chain's credentials when none are given (here from the environment)", async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 200, body: { records: [], meta: {} } }));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'secret-from-env', AWS_SESSION_TOKEN: 'token-from-env' });
    delete process.env.AWS_PROFILE;
    try {
      // Act
      await new BridgeClient({ endpoint: server.url, auth: { mode: 'sigv4', region: 'eu-west-1' }, clock: () => CLOCK }).query(QUERY);

      // Assess
      const [req] = server.requests;
      expect(req.headers.authorization).toContain('Credential=AKIDFROMENV/20240301/eu-west-1/execute-api/aws4_request');
      expect(signatureOf(req)).toBe(recomputeSignature(req, 'secret-from-env', 'eu-west-1', 'execute-api'));
    } finally {
      process.env = saved;
      await server.close();
    }
  });

  it('reports credentials that cannot be resolved as CLIENT_CREDENTIALS and sends nothing', async () => {
    // Prepare
    const server = await recordingServer();
    const client = sigv4(server.url, {
      auth: {
        mode: 'sigv4',
        region: 'eu-west-1',
        credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
      },
    });
    try {
      // Act
      const e = await rejection(client.query(QUERY));

      // Assess
      expect(e).toMatchObject({ status: 0, code: 'CLIENT_CREDENTIALS', message: expect.stringContaining('Could not load credentials') });
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('BridgeClient in local mode', () => {
  it('sends the principal header and no signature', async () => {
    // Prepare
    const server = await recordingServer(() => ({ status: 202, body: { requestId: 'r-1', status: 'approval_required' } }));
    try {
      // Act
      const res = await local(server.url).query(QUERY);

      // Assess
      expect(res).toEqual({ requestId: 'r-1', status: 'approval_required' });
      const [req] = server.requests;
      expect(req.headers[LOCAL_PRINCIPAL_HEADER]).toBe(SUPPORT);
      expect(req.headers.authorization).toBeUndefined();
      expect(req.headers['content-type']).toBe('application/json');
    } finally {
      await server.close();
    }
  });

  it('refuses an endpoint off this machine unless the risk is accepted, and says why', () => {
    // Act
    const remote = () => new BridgeClient({ endpoint: 'https://bridge.example.com', auth: { mode: 'local', principal: SUPPORT } });
    const accepted = new BridgeClient({ endpoint: 'https://bridge.example.com', auth: { mode: 'local', principal: SUPPORT, acceptRemotePrincipalHeaderRisk: true } });
    const loopbacks = ['http://localhost:8787', 'http://127.0.0.2:1', 'http://[::1]:8787'].map((endpoint) => new BridgeClient({ endpoint, auth: { mode: 'local', principal: SUPPORT } }));
    const badArn = () => new BridgeClient({ endpoint: 'http://127.0.0.1:1', auth: { mode: 'local', principal: 'support-agent' } });

    // Assess
    expect(remote).toThrow(expect.objectContaining({ code: 'CLIENT_CONFIG', message: expect.stringMatching(/anyone can forge/) }));
    expect(accepted.target.mode).toBe('local');
    expect(loopbacks.map((c) => c.target.principal)).toEqual([SUPPORT, SUPPORT, SUPPORT]);
    expect(badArn).toThrow(expect.objectContaining({ code: 'CLIENT_CONFIG' }));
  });
});

describe('BridgeClient validation', () => {
  it("refuses bad input before sending it, with the bridge's code and problems by path", async () => {
    // Prepare
    const server = await recordingServer();
    const client = local(server.url);
    try {
      // Act
      const query = await rejection(client.query({ ...QUERY, fields: [], limit: 500 }));
      const action = await rejection(
        // IssueRefund with the params of a ProposeCreate: the union pairs each action with its own params.
        client.authorize({ action: 'IssueRefund', params: { object: 'Task', fields: { Subject: 'x' } } } as never),
      );
      const decision = await rejection(client.decide('r-1', { decision: 'edit', comment: 'ok' }));

      // Assess
      expect(query).toMatchObject({ status: 0, code: 'VALIDATION_FAILED' });
      expect((query.details?.problems as { path: string }[]).map((p) => p.path)).toEqual(expect.arrayContaining(['fields', 'limit']));
      expect(action).toMatchObject({ status: 0, code: 'VALIDATION_FAILED' });
      expect(decision.message).toContain('edits');
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('BridgeClient errors, timeouts and retries', () => {
  it('maps a bridge error body to a typed error with status, code, message, details and request id', async () => {
    // Prepare
    const body = { error: { code: 'POLICY_DENIED', message: 'policy does not allow the field(s) Birthdate', details: { fields: ['Birthdate'] }, requestId: 'req-42' } };
    const server = await recordingServer(() => ({ status: 403, body }));
    try {
      // Act
      const e = await rejection(local(server.url).query(QUERY));

      // Assess
      expect(e).toMatchObject({ status: 403, code: 'POLICY_DENIED', message: body.error.message, details: { fields: ['Birthdate'] }, requestId: 'req-42' });
    } finally {
      await server.close();
    }
  });

  it("maps API Gateway's own refusals and answers that break the contract", async () => {
    // Prepare
    const replies: Reply[] = [
      { status: 403, body: { message: 'Missing Authentication Token' }, headers: { 'x-amzn-requestid': 'gw-1' } },
      { status: 429, body: { message: 'Too Many Requests' } },
      { status: 200, raw: '<html>proxy</html>' },
      { status: 302, raw: '', headers: { location: 'https://elsewhere.example/' } },
    ];
    const server = await recordingServer((_r, n) => replies[n - 1]);
    const client = local(server.url);
    try {
      // Act
      const errors = [];
      for (let i = 0; i < replies.length; i++) errors.push(await rejection(client.propose({ object: 'Task', op: 'create', fields: { Subject: 'Call' }, reason: 'follow-up' })));

      // Assess
      expect(errors[0]).toMatchObject({ status: 403, code: 'GATEWAY_REJECTED', message: 'Missing Authentication Token', requestId: 'gw-1' });
      expect(errors[1]).toMatchObject({ status: 429, code: 'GATEWAY_REJECTED' });
      expect(errors[2]).toMatchObject({ status: 200, code: 'BAD_RESPONSE' });
      expect(errors[3]).toMatchObject({ status: 302, code: 'BAD_RESPONSE', message: expect.stringContaining('redirect') });
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('retries a GET after 503 but never a POST', async () => {
    // Prepare
    const server = await recordingServer((req, n) => (n === 1 || req.method === 'POST' ? { status: 503, body: { error: { code: 'CRM_RATE_LIMITED', message: 'busy' } } } : { status: 200, body: { requestId: 'r-1', status: 'approval_required' } }));
    const client = local(server.url);
    try {
      // Act
      const state = await client.getRequest('r-1');
      const before = server.requests.length;
      const e = await rejection(client.executeAction({ action: 'IssueRefund', params: { object: 'Case', recordId: '500A', amount: 10, currency: 'EUR', reason: 'late' }, token: 't' }));

      // Assess
      expect(state).toMatchObject({ requestId: 'r-1' });
      expect(before).toBe(2);
      expect(e).toMatchObject({ status: 503, code: 'CRM_RATE_LIMITED' });
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('times out, says a timed-out POST may still have run, and does not resend it', async () => {
    // Prepare
    const server = await recordingServer(() => 'hang');
    const client = local(server.url, { timeoutMs: 200 });
    try {
      // Act
      const post = await rejection(client.propose({ object: 'Task', op: 'create', fields: { Subject: 'Call' }, reason: 'follow-up' }));
      const get = await rejection(client.getRequest('r-1'));

      // Assess
      expect(post).toMatchObject({ status: 0, code: 'CLIENT_TIMEOUT', message: expect.stringContaining('may still have processed') });
      expect(get).toMatchObject({ status: 0, code: 'CLIENT_TIMEOUT' });
      expect(get.message).not.toContain('may still');
      expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("stops when the caller's signal fires and reports an unreachable bridge as a network error", async () => {
    // Prepare
    const server = await recordingServer(() => 'hang');
    const closed = await recordingServer();
    const deadUrl = closed.url;
    await closed.close();
    try {
      const controller = new AbortController();
      // Act
      const pending = rejection(local(server.url).query(QUERY, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 50);
      const aborted = await pending;
      const unreachable = await rejection(local(deadUrl, { getRetries: 1 }).getRequest('r-1'));

      // Assess
      expect(aborted).toMatchObject({ status: 0, code: 'CLIENT_ABORTED' });
      expect(unreachable).toMatchObject({ status: 0, code: 'CLIENT_NETWORK', message: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await server.close();
    }
  });
});
