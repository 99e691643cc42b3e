import type { PolicyPort } from '../../../lambda/core/agent-service';
import { buildApprovalSteps, errorOf, StepError, type ApprovalStepDeps } from '../../../lambda/core/approvals/flow';
import type { QueryRequest } from '../../../lambda/core/query';
import type { RequestRecord } from '../../../lambda/core/requests';
import type { CrmRecord } from '../../../lambda/core/types';
import type { StructuredQuery } from '../../../lambda/core/query';
import type { VaultEntry } from '../../../lambda/core/redaction';
import { MemoryRequestStore } from '../../support/memory-request-store';
import {
  ARNS,
  MemoryAudit,
  MemoryKillSwitch,
  MemoryNotifier,
  MemorySealer,
  MemoryVault,
  MemoryWriter,
  proposalRecord,
  shippedPolicies,
  testConfig,
  tokenKit,
} from './flow-fakes';

const NOW = new Date('2025-05-05T09:00:00.000Z');
const HMAC = new Uint8Array(32).fill(3);
const TIMEOUT_SECONDS = 3600;
const ALICE = { approver: 'alice', principalArn: ARNS.alice, decision: 'approve' as const, comment: 'ok', decidedAt: '2025-05-05T09:05:00.000Z' };

const taskParams = { object: 'Task' as const, fields: { Subject: 'Call back', Description: 'Ring {PERSON_1} about the renewal', Priority: 'High' }, conversationId: 'conv-1' };

function writeRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return proposalRecord({
    createdAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 86400,
    reasons: [{ policyId: 'sales-propose-task', text: 'with approval' }],
    conversationId: 'conv-1',
    payload: taskParams,
    ...over,
  });
}

const readQuery: QueryRequest = { object: 'Contact', fields: ['Id', 'Email'], where: { field: 'Email', op: 'eq', value: 'ada@example.com' }, limit: 50, purpose: 'support' };
function readRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return writeRecord({ requestId: 'req-r', agent: 'support-agent', principalArn: ARNS.support, kind: 'read', action: 'Read', object: 'Contact', payload: readQuery, conversationId: undefined, ...over });
}

class MemoryReader {
  readonly queries: StructuredQuery[] = [];
  constructor(readonly records: CrmRecord[]) {}
  async query(q: StructuredQuery): Promise<CrmRecord[]> {
    this.queries.push(q);
    return this.records;
  }
}
class ReadVault extends MemoryVault {
  readonly puts: { scope: string; entries: VaultEntry[] }[] = [];
  async put(scope: string, entries: VaultEntry[]): Promise<void> {
    this.puts.push({ scope, entries });
  }
}

async function setup(policy?: PolicyPort) {
  const kit = await tokenKit(() => NOW);
  const requests = new MemoryRequestStore();
  const audit = new MemoryAudit();
  const writer = new MemoryWriter();
  const vault = new ReadVault();
  vault.seed('sales-agent:conv-1', { '{PERSON_1}': 'Ada Lovelace' });
  const sealer = new MemorySealer();
  const notifier = new MemoryNotifier();
  const killSwitch = new MemoryKillSwitch();
  const reader = new MemoryReader([{ object: 'Contact', id: '0035g00000000001AAA', fields: { Id: '0035g00000000001AAA', Email: 'ada@example.com' } }]);
  const warnings: Record<string, string>[] = [];
  const deps: ApprovalStepDeps = {
    config: testConfig(),
    requests,
    audit,
    now: () => NOW,
    review: { hmacKey: HMAC },
    wait: { sealer, notifier, timeoutSeconds: TIMEOUT_SECONDS, warn: (_m, f) => warnings.push(f) },
    token: { policy: policy ?? (await shippedPolicies()), signer: kit.signer },
    execute: { killSwitch, verifier: kit.verifier, writer, reader, vault, sealer, hmacKey: HMAC },
  };
  return { steps: buildApprovalSteps(deps), requests, audit, writer, vault, sealer, notifier, killSwitch, reader, warnings, kit };
}

async function stepFailure(p: Promise<unknown>): Promise<StepError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StepError) return e;
    throw e;
  }
  throw new Error('expected the step to fail');
}

describe('prepareReview', () => {
  it('stores a redacted view: placeholders kept, sensitive literals labelled, free-text entities removed', async () => {
    // Prepare
    const { steps, requests } = await setup();
    const params = {
      object: 'Contact' as const,
      fields: { LastName: 'Lovelace', Email: '{EMAIL_1}', Title: 'CTO', Description: 'Met {PERSON_1}; call +44 20 7946 0123 or ada@example.com' },
    };
    await requests.create(writeRecord({ object: 'Contact', payload: params }));
    // Act
    await steps.prepareReview({ requestId: 'req-1' });
    // Assess
    const review = (await requests.get('req-1'))!.review!;
    expect(review.proposed).toEqual({ LastName: '[PERSON_NAME]', Email: '{EMAIL_1}', Title: 'CTO', Description: 'Met {PERSON_1}; call [PHONE] or [EMAIL]' });
    expect(review.summary).toBe('sales-agent asks to create a Contact (fields: LastName, Email, Title, Description)');
  });

  it('shows a refund as the CRM fields it writes, with the reason redacted as free text', async () => {
    const { steps, requests } = await setup();
    const refund = { object: 'Case' as const, recordId: '5005g00000000001AAA', amount: 120, currency: 'EUR', reason: 'Customer ada@example.com waited 3 weeks' };
    await requests.create(writeRecord({ agent: 'support-agent', principalArn: ARNS.support, action: 'IssueRefund', object: 'Case', recordId: refund.recordId, payload: refund }));
    await steps.prepareReview({ requestId: 'req-1' });
    const review = (await requests.get('req-1'))!.review!;
    expect(review.proposed).toEqual({ Refund_Amount__c: 120, Refund_Currency__c: 'EUR', Refund_Reason__c: 'Customer [EMAIL] waited 3 weeks' });
    expect(review.summary).toBe('support-agent asks to issue a refund on Case 5005g00000000001AAA (fields: Refund_Amount__c, Refund_Currency__c, Refund_Reason__c)');
  });

  it('shows a read as its query with sensitive filter values labelled', async () => {
    const { steps, requests } = await setup();
    await requests.create(readRecord());
    await steps.prepareReview({ requestId: 'req-r' });
    const review = (await requests.get('req-r'))!.review!;
    expect(review.query).toEqual({ ...readQuery, where: { field: 'Email', op: 'eq', value: '[EMAIL]' } });
    expect(review.summary).toBe('support-agent asks to read up to 50 Contact records (fields: Id, Email)');
  });

  it('audits ReviewPrepared with the requester as actor and the decision that asked for a person', async () => {
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord());
    await steps.prepareReview({ requestId: 'req-1' });
    expect(audit.events).toHaveLength(1);
    expect(audit.last()).toMatchObject({
      requestId: 'req-1',
      action: 'ReviewPrepared',
      agent: { name: 'sales-agent', principalArn: ARNS.sales },
      object: 'Task',
      fields: ['Subject', 'Description', 'Priority'],
      policy: { decisionId: 'did-0', version: 'pv-0', decision: 'approval_required' },
      outcome: 'approval_required',
    });
  });

  it('fails with a stable error name for a request no longer waiting, and audits the failure', async () => {
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord({ status: 'rejected' }));
    const e = await stepFailure(steps.prepareReview({ requestId: 'req-1' }));
    expect(e.name).toBe('Bridge.CONFLICT');
    expect(e.stack).toBe(`Bridge.CONFLICT: ${e.message}`);
    expect(audit.last()).toMatchObject({ action: 'ReviewPrepared', outcome: 'failed', errorCode: 'CONFLICT' });
  });

  it('refuses malformed step input as VALIDATION_FAILED', async () => {
    const { steps } = await setup();
    const e = await stepFailure(steps.prepareReview({ requestId: 'no spaces allowed' }));
    expect(e.name).toBe('Bridge.VALIDATION_FAILED');
  });
});

describe('waitForApproval', () => {
  it('seals the task token for this request, sets the deadline, then notifies without values', async () => {
    // Prepare
    const { steps, requests, sealer, notifier } = await setup();
    await requests.create(writeRecord());
    await steps.prepareReview({ requestId: 'req-1' });
    // Act
    await steps.waitForApproval({ requestId: 'req-1', taskToken: 'sfn-task-token-1' });
    // Assess
    const record = (await requests.get('req-1'))!;
    expect(record.approvalDeadline).toBe(new Date(NOW.getTime() + TIMEOUT_SECONDS * 1000).toISOString());
    expect(JSON.stringify(record)).not.toContain('sfn-task-token-1');
    await expect(sealer.open(record.taskToken!, { requestId: 'req-1', purpose: 'task-token' })).resolves.toBe('sfn-task-token-1');
    await expect(sealer.open(record.taskToken!, { requestId: 'req-2', purpose: 'task-token' })).rejects.toThrow();
    expect(notifier.notices).toEqual([
      { requestId: 'req-1', agent: 'sales-agent', action: 'ProposeCreate', object: 'Task', summary: record.review!.summary, deadline: record.approvalDeadline },
    ]);
  });

  it('keeps the approval when the notice cannot be delivered, and reports it', async () => {
    const { steps, requests, notifier, warnings, audit } = await setup();
    await requests.create(writeRecord());
    notifier.failures = 1;
    await expect(steps.waitForApproval({ requestId: 'req-1', taskToken: 't' })).resolves.toEqual({ requestId: 'req-1' });
    expect((await requests.get('req-1'))!.taskToken).toBeDefined();
    expect(warnings).toEqual([{ requestId: 'req-1', error: 'SNS unreachable' }]);
    expect(audit.events).toHaveLength(0);
  });
});

describe('issueToken', () => {
  it('re-evaluates the approved action, stores the decision and token id, and audits the approver', async () => {
    // Prepare
    const { steps, requests, audit, kit } = await setup();
    await requests.create(writeRecord({ status: 'approved', approval: ALICE }));
    // Act
    const { token } = await steps.issueToken({ requestId: 'req-1' });
    // Assess
    const claims = await kit.verifier.verify(token, { act: 'ProposeCreate', res: { type: 'Task' }, params: taskParams });
    const record = (await requests.get('req-1'))!;
    expect(claims).toMatchObject({ sub: 'sales-agent', apr: 'alice' });
    expect(record.tokenId).toBe(claims.jti);
    expect(record.approvedDecision).toEqual({ decisionId: claims.did, policyVersion: claims.pv, obligations: expect.objectContaining({ maxRecords: 1 }) });
    expect(audit.last()).toMatchObject({
      action: 'IssueToken',
      agent: { name: 'sales-agent', principalArn: ARNS.sales },
      outcome: 'approved',
      approval: { approver: { name: 'alice', principalArn: ARNS.alice }, decision: 'approve', tokenId: claims.jti },
      policy: { decision: 'approval_required', decisionId: claims.did },
    });
  });

  it('binds the token to the edited action, not the proposal', async () => {
    const { steps, requests, kit } = await setup();
    const edited = { ...taskParams, fields: { ...taskParams.fields, Priority: 'Low' } };
    await requests.create(writeRecord({ status: 'approved', approval: { ...ALICE, decision: 'edit', editedFields: ['Priority'] }, finalPayload: edited }));
    const { token } = await steps.issueToken({ requestId: 'req-1' });
    await expect(kit.verifier.verify(token, { act: 'ProposeCreate', res: { type: 'Task' }, params: taskParams })).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(kit.verifier.verify(token, { act: 'ProposeCreate', res: { type: 'Task' }, params: edited })).resolves.toMatchObject({ apr: 'alice' });
  });

  it('fails POLICY_DENIED when the final action no longer passes policy, storing no token', async () => {
    const { steps, requests, audit } = await setup();
    const edited = { object: 'Opportunity' as const, recordId: '0065g00000000001AAA', fields: { NextStep: 'x', Amount: 1 } };
    await requests.create(writeRecord({ status: 'approved', action: 'ProposeUpdate', object: 'Opportunity', recordId: edited.recordId, approval: ALICE, payload: edited }));
    const e = await stepFailure(steps.issueToken({ requestId: 'req-1' }));
    expect(e.name).toBe('Bridge.POLICY_DENIED');
    expect((await requests.get('req-1'))!.tokenId).toBeUndefined();
    expect(audit.last()).toMatchObject({ action: 'IssueToken', outcome: 'denied', policy: { decision: 'deny' } });
  });

  it('refuses a request approved by its own requester', async () => {
    const { steps, requests } = await setup();
    await requests.create(writeRecord({ status: 'approved', approval: { ...ALICE, principalArn: ARNS.sales } }));
    expect((await stepFailure(steps.issueToken({ requestId: 'req-1' }))).name).toBe('Bridge.FORBIDDEN');
  });

  it('refuses a request that is not approved', async () => {
    const { steps, requests } = await setup();
    await requests.create(writeRecord());
    expect((await stepFailure(steps.issueToken({ requestId: 'req-1' }))).name).toBe('Bridge.CONFLICT');
  });

  it('refuses a stored action whose record differs from the request', async () => {
    const { steps, requests } = await setup();
    await requests.create(writeRecord({ status: 'approved', approval: ALICE, payload: { ...taskParams, object: 'Opportunity' } }));
    expect((await stepFailure(steps.issueToken({ requestId: 'req-1' }))).name).toBe('Bridge.CONFLICT');
  });
});

describe('execute', () => {
  async function approvedWrite() {
    const env = await setup();
    await env.requests.create(writeRecord({ status: 'approved', approval: ALICE }));
    const { token } = await env.steps.issueToken({ requestId: 'req-1' });
    return { ...env, token };
  }

  it('writes once with placeholders re-identified, stores the result and audits with the approver', async () => {
    // Prepare
    const { steps, requests, writer, audit, token } = await approvedWrite();
    // Act
    const out = await steps.execute({ requestId: 'req-1', token });
    // Assess
    expect(out).toEqual({ requestId: 'req-1', outcome: 'executed' });
    expect(writer.creates).toEqual([{ object: 'Task', fields: { ...taskParams.fields, Description: 'Ring Ada Lovelace about the renewal' } }]);
    const record = (await requests.get('req-1'))!;
    expect(record.status).toBe('completed');
    expect(record.writeResult).toEqual({ op: 'create', recordId: [...writer.records.keys()][0] });
    expect(audit.last()).toMatchObject({
      action: 'Execute',
      outcome: 'executed',
      agent: { name: 'sales-agent' },
      recordIds: [record.writeResult!.recordId],
      fields: ['Subject', 'Description', 'Priority'],
      approval: { approver: { name: 'alice' }, tokenId: record.tokenId },
    });
    expect(JSON.stringify(audit.events)).not.toContain('Ada');
  });

  it('is idempotent: a retried execute returns the stored outcome and writes nothing again', async () => {
    const { steps, writer, token } = await approvedWrite();
    await steps.execute({ requestId: 'req-1', token });
    await expect(steps.execute({ requestId: 'req-1', token })).resolves.toEqual({ requestId: 'req-1', outcome: 'executed' });
    expect(writer.writes).toBe(1);
  });

  it('fails "outcome unknown" without writing when it finds the request executing', async () => {
    const { steps, requests, writer, token } = await approvedWrite();
    await requests.transition('req-1', 'approved', 'executing');
    const e = await stepFailure(steps.execute({ requestId: 'req-1', token }));
    expect(e.name).toBe('Bridge.CONFLICT');
    expect(e.message).toMatch(/outcome is unknown/);
    expect(writer.writes).toBe(0);
  });

  it('refuses a token tampered with between approval and execute; the outcome then records failed', async () => {
    // Prepare
    const { steps, requests, writer, token } = await approvedWrite();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, flds: [...claims.flds, 'OwnerId'] })).toString('base64url')}.${s}`;
    // Act
    const e = await stepFailure(steps.execute({ requestId: 'req-1', token: tampered }));
    await steps.recordOutcome({ requestId: 'req-1', outcome: 'failed', error: { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }) } });
    // Assess
    expect(e.name).toBe('Bridge.TOKEN_INVALID');
    expect(writer.writes).toBe(0);
    const record = (await requests.get('req-1'))!;
    expect(record.status).toBe('failed');
    expect(record.error).toEqual({ code: 'TOKEN_INVALID', message: e.message });
  });

  it('refuses a replayed token on another request with the same action', async () => {
    const { steps, requests, writer, token } = await approvedWrite();
    await steps.execute({ requestId: 'req-1', token });
    const approved = (await requests.get('req-1'))!;
    await requests.create({ ...writeRecord({ requestId: 'req-2', status: 'approved', approval: ALICE }), approvedDecision: approved.approvedDecision });
    const e = await stepFailure(steps.execute({ requestId: 'req-2', token }));
    expect(e.name).toBe('Bridge.TOKEN_REPLAYED');
    expect(writer.writes).toBe(1);
  });

  /** Someone with write access to the requests table points the stored request at another conversation. */
  function tamperStored(requests: Awaited<ReturnType<typeof setup>>['requests'], requestId: string, over: Partial<RequestRecord>) {
    requests.items.set(requestId, { ...requests.items.get(requestId)!, ...over });
  }

  it("resolves a write's placeholders from the conversation its token binds, whatever the stored request's conversationId says", async () => {
    // Prepare: the approved Task names conv-1 in its params; the stored request is then edited to name conv-2.
    const { steps, requests, writer, vault, token } = await approvedWrite();
    vault.seed('sales-agent:conv-2', { '{PERSON_1}': 'Eve Mallory' });
    tamperStored(requests, 'req-1', { conversationId: 'conv-2' });
    // Act
    await steps.execute({ requestId: 'req-1', token });
    // Assess
    expect(writer.creates).toEqual([{ object: 'Task', fields: { ...taskParams.fields, Description: 'Ring Ada Lovelace about the renewal' } }]);
    expect(vault.asked).toEqual(['sales-agent:conv-1']);
  });

  describe('a refund with a conversation', () => {
    const refundParams = { object: 'Case' as const, recordId: '5005g00000000001AAA', amount: 120, currency: 'EUR', reason: 'Refund promised to {EMAIL_1}', conversationId: 'conv-1' };
    async function approvedRefund() {
      const env = await setup();
      env.vault.seed('support-agent:conv-1', { '{EMAIL_1}': 'ada@example.com' });
      env.vault.seed('support-agent:conv-2', { '{EMAIL_1}': 'eve@example.com' });
      const record = writeRecord({
        agent: 'support-agent',
        principalArn: ARNS.support,
        action: 'IssueRefund',
        object: 'Case',
        recordId: refundParams.recordId,
        payload: refundParams,
        conversationId: 'conv-1',
        status: 'approved',
        approval: ALICE,
      });
      await env.requests.create(record);
      const { token } = await env.steps.issueToken({ requestId: 'req-1' });
      return { ...env, token };
    }

    it('binds its conversationId in the decision token: the token verifies only for the params naming conv-1', async () => {
      // Prepare
      const { kit, token } = await approvedRefund();
      const executed = (params: object) => ({ act: 'IssueRefund' as const, res: { type: 'Case' as const, id: refundParams.recordId }, params });
      // Act
      const other = await kit.verifier.verify(token, executed({ ...refundParams, conversationId: 'conv-2' })).catch((e: unknown) => e);
      const same = await kit.verifier.verify(token, executed(refundParams));
      // Assess
      expect(other).toMatchObject({ code: 'TOKEN_INVALID' });
      expect(same).toMatchObject({ sub: 'support-agent', act: 'IssueRefund', apr: 'alice' });
    });

    it("re-identifies the reason from the token-bound conversation, not the stored request's conversationId", async () => {
      // Prepare
      const { steps, requests, writer, vault, token } = await approvedRefund();
      tamperStored(requests, 'req-1', { conversationId: 'conv-2' });
      // Act
      await steps.execute({ requestId: 'req-1', token });
      // Assess
      expect(writer.updates).toEqual([
        { object: 'Case', id: refundParams.recordId, fields: { Refund_Amount__c: 120, Refund_Currency__c: 'EUR', Refund_Reason__c: 'Refund promised to ada@example.com' } },
      ]);
      expect(vault.asked).toEqual(['support-agent:conv-1']);
    });

    it('refuses with TOKEN_INVALID, writing nothing, when the stored params are re-pointed at another conversation', async () => {
      // Prepare
      const { steps, requests, writer, vault, token } = await approvedRefund();
      tamperStored(requests, 'req-1', { conversationId: 'conv-2', payload: { ...refundParams, conversationId: 'conv-2' } });
      // Act
      const e = await stepFailure(steps.execute({ requestId: 'req-1', token }));
      // Assess
      expect(e.name).toBe('Bridge.TOKEN_INVALID');
      expect(writer.writes).toBe(0);
      expect(vault.asked).toEqual([]);
    });
  });

  it('honours the kill switch: read-only refuses writes before anything is touched', async () => {
    const { steps, requests, writer, killSwitch, token } = await approvedWrite();
    killSwitch.current = 'read-only';
    expect((await stepFailure(steps.execute({ requestId: 'req-1', token }))).name).toBe('Bridge.BRIDGE_READ_ONLY');
    expect(writer.writes).toBe(0);
    expect((await requests.get('req-1'))!.status).toBe('approved');
  });

  it('runs an approved read under the stored obligations and seals the redacted result for the agent', async () => {
    // Prepare
    const { steps, requests, reader, sealer, vault, killSwitch } = await setup();
    const q: QueryRequest = { ...readQuery, where: { field: 'MailingCountry', op: 'eq', value: 'DE' } };
    await requests.create(readRecord({ status: 'approved', approval: ALICE, payload: q }));
    const { token } = await steps.issueToken({ requestId: 'req-r' });
    killSwitch.current = 'read-only';
    // Act
    await steps.execute({ requestId: 'req-r', token });
    // Assess
    const record = (await requests.get('req-r'))!;
    expect(record.status).toBe('completed');
    expect(reader.queries[0].where).toEqual({ and: [q.where, { field: 'Territory__c', op: 'in', value: ['EMEA', 'NA'] }] });
    const body = JSON.parse(await sealer.open(record.result!, { requestId: 'req-r', purpose: 'read-result' }));
    expect(body.records).toEqual([{ object: 'Contact', id: '0035g00000000001AAA', fields: { Id: '0035g00000000001AAA', Email: '{EMAIL_1}' } }]);
    expect(body.meta).toMatchObject({ requestId: 'req-r', decisionId: record.approvedDecision!.decisionId, redactions: { EMAIL: 1 } });
    expect(vault.puts).toEqual([{ scope: 'support-agent:req-r', entries: [{ placeholder: '{EMAIL_1}', value: 'ada@example.com' }] }]);
  });

  it('refuses to run a read whose stored obligations were altered after signing', async () => {
    const { steps, requests, reader } = await setup();
    const q: QueryRequest = { ...readQuery, where: { field: 'MailingCountry', op: 'eq', value: 'DE' } };
    await requests.create(readRecord({ status: 'approved', approval: ALICE, payload: q }));
    const { token } = await steps.issueToken({ requestId: 'req-r' });
    const stored = (await requests.get('req-r'))!;
    await requests.transition('req-r', 'approved', 'approved', { approvedDecision: { ...stored.approvedDecision!, obligations: {} } });
    expect((await stepFailure(steps.execute({ requestId: 'req-r', token }))).name).toBe('Bridge.TOKEN_INVALID');
    expect(reader.queries).toHaveLength(0);
  });
});

describe('recordOutcome', () => {
  it('records a rejection with the approver in the audit event, and is idempotent', async () => {
    // Prepare
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord({ approval: { ...ALICE, decision: 'reject' } }));
    // Act
    const first = await steps.recordOutcome({ requestId: 'req-1', outcome: 'rejected', error: { Error: 'Bridge.Rejected', Cause: 'rejected by alice' } });
    const second = await steps.recordOutcome({ requestId: 'req-1', outcome: 'rejected' });
    // Assess
    expect(first).toEqual({ requestId: 'req-1', outcome: 'rejected' });
    expect(second).toEqual(first);
    expect((await requests.get('req-1'))!.status).toBe('rejected');
    expect(audit.events.map((e) => [e.action, e.outcome, e.approval?.approver.name])).toEqual([
      ['RecordOutcome', 'rejected', 'alice'],
      ['RecordOutcome', 'rejected', 'alice'],
    ]);
  });

  it('records an expiry of a waiting request', async () => {
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord());
    await steps.recordOutcome({ requestId: 'req-1', outcome: 'expired', error: { Error: 'States.Timeout' } });
    expect((await requests.get('req-1'))!.status).toBe('expired');
    expect(audit.last()).toMatchObject({ action: 'RecordOutcome', outcome: 'expired', agent: { name: 'sales-agent', principalArn: ARNS.sales } });
  });

  it('fails a request whose approval expired after it was granted (approved cannot expire)', async () => {
    const { steps, requests } = await setup();
    await requests.create(writeRecord({ status: 'approved', approval: ALICE }));
    await expect(steps.recordOutcome({ requestId: 'req-1', outcome: 'expired', error: { Error: 'States.Timeout' } })).resolves.toEqual({ requestId: 'req-1', outcome: 'failed' });
    expect((await requests.get('req-1'))!.error).toEqual({ code: 'INTERNAL', message: 'States.Timeout' });
  });

  it('leaves a completed request completed and audits it as executed', async () => {
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord({ status: 'completed', approval: ALICE, writeResult: { op: 'create', recordId: '00T5g00000000009AAA' } }));
    await steps.recordOutcome({ requestId: 'req-1', outcome: 'completed' });
    expect((await requests.get('req-1'))!.status).toBe('completed');
    expect(audit.last()).toMatchObject({ outcome: 'executed', recordIds: ['00T5g00000000009AAA'] });
  });

  it('fails with AUDIT_UNAVAILABLE when the event cannot be written, so the state machine retries or fails', async () => {
    const { steps, requests, audit } = await setup();
    await requests.create(writeRecord());
    audit.failing = true;
    expect((await stepFailure(steps.recordOutcome({ requestId: 'req-1', outcome: 'failed' }))).name).toBe('Bridge.AUDIT_UNAVAILABLE');
  });
});

describe('errorOf', () => {
  it('keeps a Bridge code and the Lambda error message, and maps anything else to INTERNAL', () => {
    expect(errorOf({ Error: 'Bridge.CRM_TIMEOUT', Cause: JSON.stringify({ errorType: 'Bridge.CRM_TIMEOUT', errorMessage: 'CRM timed out', trace: ['at x'] }) })).toEqual({ code: 'CRM_TIMEOUT', message: 'CRM timed out' });
    expect(errorOf({ Error: 'Lambda.ServiceException', Cause: 'throttled' })).toEqual({ code: 'INTERNAL', message: 'throttled' });
    expect(errorOf({ Error: 'Bridge.not a code' })).toEqual({ code: 'INTERNAL', message: 'Bridge.not a code' });
    expect(errorOf(undefined)).toEqual({ code: 'INTERNAL', message: 'the request failed' });
  });
});

describe('buildApprovalSteps', () => {
  it('refuses a step whose dependencies the function was not given', async () => {
    const requests = new MemoryRequestStore();
    await requests.create(writeRecord());
    const steps = buildApprovalSteps({ config: testConfig(), requests, audit: new MemoryAudit(), now: () => NOW });
    expect((await stepFailure(steps.prepareReview({ requestId: 'req-1' }))).name).toBe('Bridge.INTERNAL');
  });
});
