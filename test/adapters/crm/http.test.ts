import { CircuitBreaker, type Clock } from '../../../lambda/adapters/crm/resilience';
import { SalesforceConnector } from '../../../lambda/adapters/crm/salesforce';
import type { CrmCredentials } from '../../../lambda/adapters/crm/types';
import { failure } from '../../support/failure';

const credentials: CrmCredentials = { clientId: 'id', clientSecret: 'secret', tokenUrl: 'https://login.example/services/oauth2/token', instanceUrl: 'https://crm.example' };

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error';

/** A scripted fetch: token requests always succeed unless scripted; data requests take replies in order. */
function scriptedFetch(replies: Reply[], tokenReplies: Reply[] = []) {
  const calls: { url: string; method: string; auth?: string }[] = [];
  let tokens = 0;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const isToken = url.endsWith('/token');
    calls.push({ url, method: init?.method ?? 'GET', auth: (init?.headers as Record<string, string> | undefined)?.authorization });
    const reply = isToken ? (tokenReplies.shift() ?? { status: 200, body: { access_token: `t${++tokens}` } }) : replies.shift();
    if (!reply) throw new Error(`unscripted call to ${url}`);
    if (reply === 'network-error') throw new TypeError('fetch failed');
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: reply.headers });
  }) as typeof globalThis.fetch;
  return { fetch, calls, dataCalls: () => calls.filter((c) => !c.url.endsWith('/token')) };
}

/** Time moves only when the code under test sleeps. */
function fakeClock(random = 0.5): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    random: () => random,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const ok = { status: 200, body: { totalSize: 1, done: true, records: [{ attributes: { type: 'Contact' }, Id: '003000000000001AAA', Name: 'Ada' }] } };
const query = { object: 'Contact' as const, fields: ['Name'], limit: 5 };

describe('CrmHttp through SalesforceConnector', () => {
  it('reads the secret again once when the token request is refused, and uses a rotated secret at once', async () => {
    // Prepare: the cached secret is the one a rotation just replaced.
    const rotated = { ...credentials, clientSecret: 'rotated' };
    const reads: boolean[] = [];
    const load = async (read?: { fresh?: boolean }) => (reads.push(read?.fresh === true), read?.fresh ? rotated : credentials);
    const { fetch, calls } = scriptedFetch([ok], [{ status: 400, body: { error: 'invalid_client' } }]);
    const connector = new SalesforceConnector({ credentials: load, fetch, clock: fakeClock() });

    // Act
    const records = await connector.query(query);

    // Assess
    expect(records).toHaveLength(1);
    expect(reads).toEqual([false, true]);
    expect(calls.filter((c) => c.url.endsWith('/token'))).toHaveLength(2);
  });

  it('refuses with CRM_REJECTED, after one token request, when the secret read again is the same', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch([], [{ status: 400, body: { error: 'invalid_client' } }]);
    const connector = new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock() });

    // Act
    const error = await failure(connector.query(query));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(calls.filter((c) => c.url.endsWith('/token'))).toHaveLength(1);
  });

  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    // Prepare
    const { fetch, dataCalls } = scriptedFetch([{ status: 503 }, { status: 500 }, 'network-error', ok]);
    const clock = fakeClock(0.5);
    const connector = new SalesforceConnector({ credentials: async () => credentials, fetch, clock, retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 } });

    // Act
    const records = await connector.query(query);

    // Assess
    expect(records).toEqual([{ object: 'Contact', id: '003000000000001AAA', fields: { Id: '003000000000001AAA', Name: 'Ada' } }]);
    expect(dataCalls()).toHaveLength(4);
    expect(clock.slept).toEqual([50, 100, 200]);
  });

  it('honours Retry-After on 429', async () => {
    // Prepare
    const { fetch } = scriptedFetch([{ status: 429, headers: { 'retry-after': '2' } }, ok]);
    const clock = fakeClock(0);

    // Act
    await new SalesforceConnector({ credentials: async () => credentials, fetch, clock }).query(query);

    // Assess
    expect(clock.slept).toEqual([2000]);
  });

  it('gives up with CRM_RATE_LIMITED when Retry-After would pass the deadline, without waiting', async () => {
    // Prepare
    const { fetch, dataCalls } = scriptedFetch([{ status: 429, headers: { 'retry-after': '30' } }]);
    const clock = fakeClock();

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch, clock, deadlineMs: 5000 }).query(query));

    // Assess
    expect(error.code).toBe('CRM_RATE_LIMITED');
    expect(error.details).toEqual({ retryAfterSeconds: 30 });
    expect(clock.slept).toEqual([]);
    expect(dataCalls()).toHaveLength(1);
  });

  it('maps exhausted 5xx retries to CRM_UNAVAILABLE', async () => {
    // Prepare
    const { fetch, dataCalls } = scriptedFetch([{ status: 502 }, { status: 502 }]);

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock(), retry: { maxAttempts: 2 } }).query(query));

    // Assess
    expect(error.code).toBe('CRM_UNAVAILABLE');
    expect(error.message).toBe('Salesforce failed with HTTP 502');
    expect(dataCalls()).toHaveLength(2);
  });

  it('never retries a create after a 5xx: the first one may have landed', async () => {
    // Prepare
    const { fetch, dataCalls } = scriptedFetch([{ status: 500 }]);

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock() }).create('Contact', { LastName: 'Hopper' }));

    // Assess
    expect(error.code).toBe('CRM_UNAVAILABLE');
    expect(dataCalls()).toHaveLength(1);
  });

  it('maps a 4xx to CRM_REJECTED with the CRM error code but never its message', async () => {
    // Prepare
    const body = [{ errorCode: 'INVALID_FIELD', message: "No such column 'ada@example.com' on entity Contact" }];
    const { fetch } = scriptedFetch([{ status: 400, body }]);

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock() }).query(query));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(error.details).toEqual({ status: 400, crmCode: 'INVALID_FIELD' });
    expect(JSON.stringify(error.toBody())).not.toContain('ada@example.com');
  });

  it('refreshes the token once on 401 and carries on', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch([{ status: 401, body: [{ errorCode: 'INVALID_SESSION_ID' }] }, ok]);

    // Act
    await new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock() }).query(query);

    // Assess
    expect(calls.map((c) => (c.url.endsWith('/token') ? 'token' : c.auth))).toEqual(['token', 'Bearer t1', 'token', 'Bearer t2']);
  });

  it('reports refused credentials as CRM_REJECTED naming the OAuth error', async () => {
    // Prepare
    const { fetch } = scriptedFetch([], [{ status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } }]);

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock() }).query(query));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(error.message).toBe("Salesforce refused the integration user's credentials (invalid_client)");
  });

  it('opens the breaker after consecutive failed calls and then stops calling the CRM', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch([{ status: 500 }, { status: 500 }]);
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000 });
    const connector = new SalesforceConnector({ credentials: async () => credentials, fetch, clock: fakeClock(), retry: { maxAttempts: 1 }, breaker });

    // Act
    await failure(connector.query(query));
    await failure(connector.query(query));
    const before = calls.length;
    const error = await failure(connector.query(query));

    // Assess
    expect(error.code).toBe('CRM_UNAVAILABLE');
    expect(error.message).toMatch(/circuit open/);
    expect(calls.length).toBe(before);
  });

  it('ends a call that outlives its deadline with CRM_TIMEOUT', async () => {
    // Prepare
    const hanging = ((_: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))) as typeof globalThis.fetch;

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch: hanging, deadlineMs: 50 }).query(query));

    // Assess
    expect(error.code).toBe('CRM_TIMEOUT');
    expect(error.message).toBe('Salesforce did not answer within 50 ms');
  });

  it('refuses record ids that are not Salesforce ids before any request', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch([]);

    // Act
    const error = await failure(new SalesforceConnector({ credentials: async () => credentials, fetch }).get('Contact', '../../query?q=SELECT', ['Name']));

    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(calls).toHaveLength(0);
  });
});
