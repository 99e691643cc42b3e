import { startSandboxCrm, type SandboxCrm } from '../../../local/sandbox-crm';

describe('sandbox CRM server', () => {
  let sandbox: SandboxCrm;
  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 1 });
  });
  afterAll(() => sandbox.close());
  afterEach(() => sandbox.faults.set('none'));

  const token = async (kind: 'salesforce' | 'hubspot', form: Record<string, string>) => {
    const c = sandbox.clients.credentials(kind, 'read');
    const res = await fetch(c.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, ...form }) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const soql = async (q: string) => {
    const { body } = await token('salesforce', {});
    const res = await fetch(`${sandbox.url}/services/data/v60.0/query?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${body.access_token}` } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const hsSearch = async (type: string, search: unknown) => {
    const { body } = await token('hubspot', {});
    const res = await fetch(`${sandbox.url}/crm/v3/objects/${type}/search`, { method: 'POST', headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(search) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('listens on loopback only', () => {
    // Prepare / Act / Assess
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('issues tokens per API family and refuses bad clients and grants with OAuth errors', async () => {
    // Prepare / Act
    const sf = await token('salesforce', {});
    const hs = await token('hubspot', {});
    const badSecret = await token('salesforce', { client_secret: 'wrong' });
    const badGrant = await token('hubspot', { grant_type: 'password' });
    const refreshed = await token('hubspot', { grant_type: 'refresh_token', refresh_token: hs.body.refresh_token });

    // Assess
    expect(sf.body).toEqual(expect.objectContaining({ token_type: 'Bearer', instance_url: sandbox.url }));
    expect(hs.body).toEqual(expect.objectContaining({ token_type: 'bearer', expires_in: 3600 }));
    expect(badSecret).toEqual({ status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } });
    expect(badGrant.body.error).toBe('unsupported_grant_type');
    expect(refreshed.status).toBe(200);
  });

  it('evaluates SOQL with case-insensitive names and values, ordering and limit', async () => {
    // Prepare / Act
    const { status, body } = await soql("select id, lastname from contact where territory__c = 'emea' order by LastName desc limit 3");

    // Assess
    const records = (body as { records: { LastName: string; attributes: { type: string } }[] }).records;
    expect(status).toBe(200);
    expect(records).toHaveLength(3);
    expect(records[0].attributes.type).toBe('Contact');
    expect(records.map((r) => r.LastName)).toEqual([...records.map((r) => r.LastName)].sort().reverse());
  });

  it('answers malformed SOQL, unknown objects and unknown fields as Salesforce does', async () => {
    // Prepare / Act
    const malformed = await soql("SELECT Id FROM Contact WHERE Name = 'a' OR Name = 'b' AND Id = null");
    const object = await soql('SELECT Id FROM Secrets__c');
    const field = await soql('SELECT Password__c FROM Contact');

    // Assess
    expect(malformed).toEqual({ status: 400, body: [expect.objectContaining({ errorCode: 'MALFORMED_QUERY' })] });
    expect(object).toEqual({ status: 400, body: [expect.objectContaining({ errorCode: 'INVALID_TYPE' })] });
    expect(field).toEqual({ status: 400, body: [expect.objectContaining({ errorCode: 'INVALID_FIELD' })] });
  });

  it('pages HubSpot search results and enforces HubSpot’s filter caps', async () => {
    // Prepare
    const group = { filters: [{ propertyName: 'territory', operator: 'HAS_PROPERTY' }] };

    // Act
    const page = await hsSearch('contacts', { filterGroups: [group], properties: ['email'], limit: 5 });
    const tooMany = await hsSearch('contacts', { filterGroups: Array.from({ length: 6 }, () => group), limit: 5 });

    // Assess
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(60);
    expect(page.body.paging).toEqual({ next: { after: '5' } });
    expect(tooMany).toEqual({ status: 400, body: expect.objectContaining({ status: 'error', category: 'VALIDATION_ERROR' }) });
  });

  it('switches faults from the control endpoint and counts them down', async () => {
    // Prepare
    const set = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ mode: '429', count: 1, retryAfterSeconds: 3 }) });

    // Act
    const limited = await fetch(`${sandbox.url}/services/data/v60.0/query?q=x`);
    const after = await fetch(`${sandbox.url}/services/data/v60.0/query?q=x`);
    const state = (await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()) as { mode: string; remaining: number };
    const bad = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ mode: 'explode' }) });

    // Assess
    expect(set.status).toBe(200);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(after.status).toBe(401);
    expect(state).toEqual(expect.objectContaining({ mode: '429', remaining: 0 }));
    expect(bad.status).toBe(400);
  });

  it('rotates a client secret through the control endpoint', async () => {
    // Prepare
    const { clientId, clientSecret } = sandbox.clients.add('salesforce', 'read');
    const next = 'next-secret-abcdefghijklmnop';
    const tokenWith = (secret: string) =>
      fetch(`${sandbox.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }) });

    // Act
    const added = await fetch(`${sandbox.url}/__sandbox/clients/${clientId}/secrets`, { method: 'POST', body: JSON.stringify({ secret: next }) });
    const bothWork = [(await tokenWith(clientSecret)).status, (await tokenWith(next)).status];
    await fetch(`${sandbox.url}/__sandbox/clients/${clientId}/secrets/revoke`, { method: 'POST', body: JSON.stringify({ secret: clientSecret }) });
    const afterRevoke = [(await tokenWith(clientSecret)).status, (await tokenWith(next)).status];

    // Assess
    expect(added.status).toBe(204);
    expect(bothWork).toEqual([200, 200]);
    expect(afterRevoke).toEqual([400, 200]);
  });
});
