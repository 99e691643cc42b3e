/**
 * The approval flow's steps over real wire protocols: requests, used token ids and the vault in dynalite, writes
 * and reads through the CRM connectors against the sandbox CRM (Salesforce and HubSpot), local keys for signing and
 * sealing. Pins that an approved write lands exactly once.
 */
import { randomBytes } from 'node:crypto';
import { connectorFor } from '../../lambda/adapters/crm';
import { DynamoDbJtiStore } from '../../lambda/adapters/jti-store-dynamodb';
import { LocalSigner } from '../../lambda/adapters/local-signer';
import { DynamoDbRequestStore } from '../../lambda/adapters/request-store-dynamodb';
import { DataKeySealer } from '../../lambda/adapters/sealer';
import { LocalDataKeyProvider } from '../../lambda/adapters/vault-crypto';
import { DynamoDbVault } from '../../lambda/adapters/vault-dynamodb';
import { buildApprovalSteps, type ApprovalSteps } from '../../lambda/core/approvals/flow';
import { DECISION_TOKEN } from '../../lambda/core/constants';
import type { RequestRecord } from '../../lambda/core/requests';
import { DecisionTokenVerifier } from '../../lambda/core/tokens';
import type { CrmKind } from '../../lambda/core/types';
import { startLocalDynamo, type LocalDynamo } from '../../local/emulators';
import { startSandboxCrm, type SandboxCrm } from '../../local/sandbox-crm';
import { ARNS, MemoryAudit, proposalRecord, MemoryKillSwitch, MemoryNotifier, shippedPolicies, testConfig } from '../core/approvals/flow-fakes';

const TABLES = { requests: 'requests', jti: 'jti', vault: 'vault' };
const HMAC = randomBytes(32);

let dynamo: LocalDynamo;
let sandbox: SandboxCrm;
beforeAll(async () => {
  [dynamo, sandbox] = await Promise.all([startLocalDynamo(), startSandboxCrm({ seed: 1 })]);
  await Promise.all(Object.values(TABLES).map((t) => dynamo.createTable(t, { statusIndex: t === TABLES.requests })));
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), sandbox?.close()]);
});

async function flow(crm: CrmKind) {
  const config = testConfig(crm);
  const signer = new LocalSigner('decision-key');
  const keys = new LocalDataKeyProvider(randomBytes(32));
  const vault = new DynamoDbVault(dynamo.doc, TABLES.vault, keys);
  const requests = new DynamoDbRequestStore(dynamo.doc, TABLES.requests);
  const audit = new MemoryAudit();
  const sealer = new DataKeySealer(keys);
  const connector = (user: 'read' | 'write') => connectorFor(crm, { baseUrl: sandbox.url, credentials: async () => sandbox.clients.credentials(crm, user) });
  const verifier = new DecisionTokenVerifier({
    keys: { [signer.keyId]: await signer.publicKeyPem() },
    issuer: DECISION_TOKEN.ISSUER,
    audience: DECISION_TOKEN.AUDIENCE,
    jtiStore: new DynamoDbJtiStore(dynamo.doc, TABLES.jti),
  });
  const steps = buildApprovalSteps({
    config,
    requests,
    audit,
    review: { hmacKey: HMAC },
    wait: { sealer, notifier: new MemoryNotifier(), timeoutSeconds: 600 },
    token: { policy: await shippedPolicies(), signer },
    execute: { killSwitch: new MemoryKillSwitch(), verifier, writer: connector('write'), reader: connector('read'), vault, sealer, hmacKey: HMAC },
  });
  return { steps, requests, vault, audit, sealer };
}

/** Parks a request, runs PrepareReview and WaitForApproval, then approves it as the approver API would. */
async function approve(steps: ApprovalSteps, requests: DynamoDbRequestStore, record: RequestRecord): Promise<void> {
  await requests.create(record);
  await steps.prepareReview({ requestId: record.requestId });
  await steps.waitForApproval({ requestId: record.requestId, taskToken: `task-${record.requestId}` });
  await requests.transition(record.requestId, 'approval_required', 'approved', {
    approval: { approver: 'alice', principalArn: ARNS.alice, decision: 'approve', comment: 'fine', decidedAt: new Date().toISOString() },
  });
}

const base = (over: Partial<RequestRecord>): RequestRecord =>
  proposalRecord({ requestId: `req-${randomBytes(6).toString('hex')}`, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600, payload: {}, ...over });

describe('approval flow against the sandbox CRM', () => {
  it('Salesforce: an approved Task lands once, re-identified; a retried Execute does not write again', async () => {
    // Prepare
    const { steps, requests, vault } = await flow('salesforce');
    await vault.put('sales-agent:conv-9', [{ placeholder: '{PERSON_1}', value: 'Grace Hopper' }], 600);
    const subject = `Follow up ${randomBytes(4).toString('hex')}`;
    const record = base({ conversationId: 'conv-9', payload: { object: 'Task', fields: { Subject: subject, Description: 'Call {PERSON_1} about the renewal', Priority: 'High' }, conversationId: 'conv-9' } });
    await approve(steps, requests, record);
    const { token } = await steps.issueToken({ requestId: record.requestId });
    const before = sandbox.store.rows('Task').length;
    // Act
    await steps.execute({ requestId: record.requestId, token });
    await steps.execute({ requestId: record.requestId, token });
    await steps.recordOutcome({ requestId: record.requestId, outcome: 'completed' });
    // Assess
    const written = sandbox.store.rows('Task').filter((r) => r.Subject === subject);
    expect(sandbox.store.rows('Task').length).toBe(before + 1);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ Description: 'Call Grace Hopper about the renewal', Priority: 'High' });
    const stored = (await requests.get(record.requestId))!;
    expect(stored).toMatchObject({ status: 'completed', writeResult: { op: 'create', recordId: written[0].Id } });
    expect(stored.review?.proposed).toMatchObject({ Description: 'Call {PERSON_1} about the renewal' });
  });

  it('Salesforce: a replayed token on a second, identical request is refused and nothing is written', async () => {
    const { steps, requests } = await flow('salesforce');
    const subject = `Replay ${randomBytes(4).toString('hex')}`;
    const payload = { object: 'Task', fields: { Subject: subject } };
    const first = base({ payload });
    await approve(steps, requests, first);
    const { token } = await steps.issueToken({ requestId: first.requestId });
    await steps.execute({ requestId: first.requestId, token });
    const second = base({ payload });
    await approve(steps, requests, second);
    await steps.issueToken({ requestId: second.requestId });
    await expect(steps.execute({ requestId: second.requestId, token })).rejects.toMatchObject({ name: 'Bridge.TOKEN_REPLAYED' });
    expect(sandbox.store.rows('Task').filter((r) => r.Subject === subject)).toHaveLength(1);
  });

  it('HubSpot: an approved refund updates the ticket’s refund properties', async () => {
    // Prepare
    const { steps, requests } = await flow('hubspot');
    const ticket = sandbox.store.objects('tickets')[0];
    const refund = { object: 'Case', recordId: ticket.id, amount: 250.5, currency: 'EUR', reason: 'Outage credit' };
    const record = base({ agent: 'support-agent', principalArn: ARNS.support, action: 'IssueRefund', object: 'Case', recordId: ticket.id, payload: refund });
    await approve(steps, requests, record);
    // Act
    const { token } = await steps.issueToken({ requestId: record.requestId });
    await steps.execute({ requestId: record.requestId, token });
    // Assess
    expect(ticket.properties).toMatchObject({ refund_amount: '250.5', refund_currency: 'EUR', refund_reason: 'Outage credit' });
    expect((await requests.get(record.requestId))!.writeResult).toEqual({ op: 'update', recordId: ticket.id });
  });

  it('Salesforce: an approved read runs with the read user and its result is sealed to the request', async () => {
    const { steps, requests, sealer } = await flow('salesforce');
    const query = { object: 'Contact', fields: ['Id', 'Email', 'MailingCountry'], where: { field: 'MailingCountry', op: 'eq', value: 'Germany' }, limit: 50, purpose: 'support' };
    const record = base({ agent: 'support-agent', principalArn: ARNS.support, kind: 'read', action: 'Read', object: 'Contact', payload: query });
    await approve(steps, requests, record);
    const { token } = await steps.issueToken({ requestId: record.requestId });
    await steps.execute({ requestId: record.requestId, token });
    const stored = (await requests.get(record.requestId))!;
    expect(stored.status).toBe('completed');
    expect(JSON.stringify(stored)).not.toMatch(/@[a-z]+\.example/);
    const body = JSON.parse(await sealer.open(stored.result!, { requestId: record.requestId, purpose: 'read-result' }));
    expect(body.records.length).toBeGreaterThan(0);
    for (const r of body.records) expect(r.fields).toMatchObject({ MailingCountry: expect.stringMatching(/^\{POSTAL_ADDRESS_\d+\}$/), Email: expect.stringMatching(/^\{EMAIL_\d+\}$/) });
    await expect(sealer.open(stored.result!, { requestId: 'another-request', purpose: 'read-result' })).rejects.toThrow();
  });
});
