import { BridgeError } from '../../../lambda/core/errors';
import { HubSpotConnector } from '../../../lambda/adapters/crm/hubspot';
import type { ConnectorOptions } from '../../../lambda/adapters/crm/http';
import { CircuitBreaker } from '../../../lambda/adapters/crm/resilience';
import { SalesforceConnector } from '../../../lambda/adapters/crm/salesforce';
import type { CrmConnector, CrmCredentials } from '../../../lambda/adapters/crm/types';
import type { CrmKind } from '../../../lambda/core/types';
import { startSandboxCrm, type SandboxCrm } from '../../../local/sandbox-crm';

const failure = async (p: Promise<unknown>): Promise<BridgeError> => {
  try {
    await p;
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error('expected a failure');
};

/** Per-CRM names of the same notions, so one suite runs against both APIs. */
const DIALECT = {
  salesforce: { make: (o: ConnectorOptions) => new SalesforceConnector(o), territory: 'Territory__c', email: 'Email', name: 'LastName', contactRows: (s: SandboxCrm) => s.store.rows('Contact').map((r) => ({ id: r.Id, territory: r.Territory__c, email: r.Email })) },
  hubspot: { make: (o: ConnectorOptions) => new HubSpotConnector(o), territory: 'territory', email: 'email', name: 'lastname', contactRows: (s: SandboxCrm) => s.store.objects('contacts').map((r) => ({ id: r.id, territory: r.properties.territory, email: r.properties.email })) },
} as const;

describe.each(['salesforce', 'hubspot'] as const)('%s connector against the sandbox CRM over HTTP', (kind: CrmKind) => {
  const d = DIALECT[kind];
  let sandbox: SandboxCrm;
  const connector = (access: 'read' | 'write', over: Partial<ConnectorOptions> = {}, creds?: CrmCredentials): CrmConnector =>
    d.make({ credentials: async () => creds ?? sandbox.clients.credentials(kind, access), retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...over });

  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 7 });
  });
  afterAll(() => sandbox.close());
  afterEach(() => sandbox.faults.set('none'));

  it('returns exactly the records matching the filter, with only the requested fields', async () => {
    // Prepare
    const expected = d.contactRows(sandbox).filter((r) => r.territory === 'EMEA').map((r) => r.id).sort();

    // Act
    const records = await connector('read').query({ object: 'Contact', fields: [d.email], where: { field: d.territory, op: 'eq', value: 'EMEA' }, limit: 200 });

    // Assess
    expect(expected.length).toBeGreaterThan(0);
    expect(records.map((r) => r.id).sort()).toEqual(expected);
    for (const r of records) {
      expect(r.object).toBe('Contact');
      expect(Object.keys(r.fields).filter((k) => k.toLowerCase() !== 'id')).toEqual([d.email]);
    }
  });

  it('treats an injection attempt in a value as data: no records, no error', async () => {
    // Prepare
    const value = "x' OR Name != '";

    // Act
    const records = await connector('read').query({ object: 'Contact', fields: [d.email], where: { or: [{ field: d.email, op: 'eq', value }, { field: d.email, op: 'startsWith', value: "%' OR '" }] }, limit: 10 });

    // Assess
    expect(records).toEqual([]);
  });

  it('creates, reads back and updates a record with the write user', async () => {
    // Prepare
    const writer = connector('write');

    // Act
    const id = await writer.create('Contact', { [d.name]: 'Hamilton', [d.territory]: 'NA' });
    await writer.update('Contact', id, { [d.name]: 'Hamilton-Smith' });
    const record = await connector('read').get('Contact', id, [d.name, d.territory]);

    // Assess
    expect(record).toEqual({ object: 'Contact', id, fields: expect.objectContaining({ [d.name]: 'Hamilton-Smith', [d.territory]: 'NA' }) });
  });

  it('returns undefined for an unknown id', async () => {
    // Prepare
    const id = kind === 'salesforce' ? '003000000000000AAA' : '999999999';

    // Act / Assess
    expect(await connector('read').get('Contact', id, [d.name])).toBeUndefined();
  });

  it('cannot write with the read-only integration user', async () => {
    // Prepare / Act
    const error = await failure(connector('read').create('Contact', { [d.name]: 'Nope' }));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(error.details).toEqual(expect.objectContaining({ status: 403 }));
  });

  it('maps a field the CRM does not know to CRM_REJECTED', async () => {
    // Prepare / Act
    const error = await failure(connector('read').query({ object: 'Contact', fields: [d.email], where: { field: 'NoSuchField__c', op: 'eq', value: 1 }, limit: 1 }));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
  });

  it('rides out two 429s with Retry-After', async () => {
    // Prepare
    sandbox.faults.set('429', 2, { retryAfterSeconds: 0 });

    // Act
    const records = await connector('read').query({ object: 'Account', fields: [kind === 'salesforce' ? 'Name' : 'name'], limit: 3 });

    // Assess
    expect(records).toHaveLength(3);
  });

  it('reports persistent 500s as CRM_UNAVAILABLE and slow answers as CRM_TIMEOUT', async () => {
    // Prepare
    sandbox.faults.set('500');
    const unavailable = await failure(connector('read', { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }).query({ object: 'Contact', fields: [d.email], limit: 1 }));
    sandbox.faults.set('slow', undefined, { delayMs: 1000 });

    // Act
    const timeout = await failure(connector('read', { deadlineMs: 150 }).query({ object: 'Contact', fields: [d.email], limit: 1 }));

    // Assess
    expect(unavailable.code).toBe('CRM_UNAVAILABLE');
    expect(timeout.code).toBe('CRM_TIMEOUT');
  });

  it('stops sending requests once the breaker opens', async () => {
    // Prepare
    sandbox.faults.set('500');
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000 });
    const c = connector('read', { breaker, retry: { maxAttempts: 1 } });
    await failure(c.query({ object: 'Contact', fields: [d.email], limit: 1 }));
    await failure(c.query({ object: 'Contact', fields: [d.email], limit: 1 }));
    const before = sandbox.stats().requests;

    // Act
    const error = await failure(c.query({ object: 'Contact', fields: [d.email], limit: 1 }));

    // Assess
    expect(error.message).toMatch(/circuit open/);
    expect(sandbox.stats().requests).toBe(before);
  });

  it('fetches a new token transparently when the session expires', async () => {
    // Prepare
    const c = connector('read');
    await c.query({ object: 'Contact', fields: [d.email], limit: 1 });
    sandbox.clients.expireTokens();

    // Act
    const records = await c.query({ object: 'Contact', fields: [d.email], limit: 1 });

    // Assess
    expect(records).toHaveLength(1);
  });

  it('follows a secret rotation: the new secret works, the revoked one is refused', async () => {
    // Prepare
    const old = sandbox.clients.credentials(kind, 'read');
    const rotated = `rotated-${kind}-secret-0123456789`;
    sandbox.clients.addSecret(old.clientId, rotated);
    sandbox.clients.revokeSecret(old.clientId, old.clientSecret);

    // Act
    const withNew = await connector('read').query({ object: 'Contact', fields: [d.email], limit: 1 });
    const withOld = await failure(connector('read', {}, old).query({ object: 'Contact', fields: [d.email], limit: 1 }));

    // Assess
    expect(sandbox.clients.credentials(kind, 'read').clientSecret).toBe(rotated);
    expect(withNew).toHaveLength(1);
    expect(withOld.code).toBe('CRM_REJECTED');
    expect(withOld.message).toMatch(/invalid_client/);
  });
});
