import type { Access } from '../../../local/sandbox-crm';
import { startSandboxCrm, type SandboxCrm } from '../../../local/sandbox-crm';

describe('sandbox CRM credential management', () => {
  let sandbox: SandboxCrm;
  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 2 });
  });
  afterAll(() => sandbox.close());

  const bearer = async (crm: 'salesforce' | 'hubspot', access: Access) => {
    const c = sandbox.clients.credentials(crm, access);
    const res = await fetch(c.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }) });
    return { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
  };
  const credentialsApi = `/services/data/v60.0/apps/oauth/credentials`;

  it('lets only the credentials administrator stage consumers, and the administrator no records', async () => {
    // Prepare
    const target = sandbox.clients.credentials('salesforce', 'read').clientId;
    const [admin, reader] = await Promise.all([bearer('salesforce', 'admin'), bearer('salesforce', 'read')]);

    // Act
    const byReader = await fetch(`${sandbox.url}${credentialsApi}/${target}/staged`, { method: 'POST', headers: reader });
    const adminReads = await fetch(`${sandbox.url}/services/data/v60.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`, { headers: admin });
    const unknown = await fetch(`${sandbox.url}${credentialsApi}/no-such-consumer/staged`, { method: 'POST', headers: admin });
    const adminItself = await fetch(`${sandbox.url}${credentialsApi}/${sandbox.clients.credentials('salesforce', 'admin').clientId}/staged`, { method: 'POST', headers: admin });

    // Assess
    expect(byReader.status).toBe(403);
    expect(adminReads.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(adminItself.status).toBe(404);
  });

  it('keeps at least one consumer per app', async () => {
    // Prepare
    const only = sandbox.clients.credentials('salesforce', 'write').clientId;
    const admin = await bearer('salesforce', 'admin');

    // Act
    const res = await fetch(`${sandbox.url}${credentialsApi}/${only}`, { method: 'DELETE', headers: admin });

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([{ errorCode: 'LAST_CONSUMER', message: 'an app keeps at least one consumer' }]);
    expect(sandbox.clients.credentials('salesforce', 'write').clientId).toBe(only);
  });

  it('serves the cheap reads that prove a credential: Salesforce limits and a one-record HubSpot page', async () => {
    // Prepare
    const [sf, hs] = await Promise.all([bearer('salesforce', 'read'), bearer('hubspot', 'read')]);

    // Act
    const limits = await fetch(`${sandbox.url}/services/data/v60.0/limits`, { headers: sf });
    const page = await fetch(`${sandbox.url}/crm/v3/objects/contacts?limit=1`, { headers: hs });
    const tooMany = await fetch(`${sandbox.url}/crm/v3/objects/contacts?limit=101`, { headers: hs });
    const anonymous = await fetch(`${sandbox.url}/services/data/v60.0/limits`);

    // Assess
    expect(limits.status).toBe(200);
    expect(await limits.json()).toEqual({ DailyApiRequests: { Max: 100_000, Remaining: expect.any(Number) } });
    expect(page.status).toBe(200);
    const body = (await page.json()) as { results: unknown[]; paging?: unknown };
    expect(body.results).toHaveLength(1);
    expect(body.paging).toEqual({ next: { after: '1' } });
    expect(tooMany.status).toBe(400);
    expect(anonymous.status).toBe(401);
  });
});
