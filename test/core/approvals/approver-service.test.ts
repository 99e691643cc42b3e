/**
 * The approver routes over in-memory ports. Pending requests are prepared by the flow's own PrepareReview and
 * WaitForApproval steps (so the records have exactly the shape the state machine leaves), then decided here; the
 * shipped Cedar policies judge edits (sales agents may update Description and NextStep of Opportunities).
 */
import type { PolicyPort } from '../../../lambda/core/agent-service';
import { ApproverService } from '../../../lambda/core/approvals/approver-service';
import { buildApprovalSteps } from '../../../lambda/core/approvals/flow';
import type { TaskResultPort } from '../../../lambda/core/approvals/ports';
import { BridgeError } from '../../../lambda/core/errors';
import type { PolicyDecision, PolicyRequest } from '../../../lambda/core/policy/types';
import type { RequestRecord } from '../../../lambda/core/requests';
import type { RuntimeConfig } from '../../../lambda/core/runtime-config';
import { failure } from '../../support/failure';
import { MemoryRequestStore } from '../../support/memory-request-store';
import { ACCOUNT, ARNS, MemoryAudit, MemoryKillSwitch, MemoryNotifier, MemorySealer, MemoryVault, MemoryWriter, proposalRecord, shippedPolicies, testConfig, tokenKit } from './flow-fakes';

const NOW = new Date('2025-05-05T09:00:00.000Z');
const HMAC = new Uint8Array(32).fill(5);
const TIMEOUT_SECONDS = 3600;
const OPPORTUNITY = '0065g00000000001AAA';
const CONTACT = '0035g00000000001AAA';
const session = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/s-1`;
const ALICE = session('approver-alice');
const BOB = session('approver-bob');
const SALES = session('sales-agent');

const config: RuntimeConfig = {
  ...testConfig(),
  approvers: {
    alice: { principals: [ARNS.alice] },
    bob: { principals: [`arn:aws:iam::${ACCOUNT}:role/approver-bob`] },
    // Misconfigured: an agent's role listed as an approver too.
    mallory: { principals: [ARNS.sales] },
    // An approver whose name is an agent's name.
    'sales-agent': { principals: [`arn:aws:iam::${ACCOUNT}:role/approver-namesake`] },
  },
};

class FakeTasks implements TaskResultPort {
  readonly sent: { kind: 'succeed' | 'fail'; token: string; output?: unknown; error?: string; cause?: string }[] = [];
  failure?: Error;
  async succeed(token: string, output: { decision: 'approve' | 'edit'; approver: string }): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent.push({ kind: 'succeed', token, output });
  }
  async fail(token: string, error: string, cause: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent.push({ kind: 'fail', token, error, cause });
  }
}

/** The shipped policies, recording what they are asked. */
async function recording(override?: (r: PolicyRequest) => PolicyDecision | undefined): Promise<PolicyPort & { asked: PolicyRequest[] }> {
  const engine = await shippedPolicies();
  const asked: PolicyRequest[] = [];
  return { asked, evaluate: (r) => (asked.push(r), override?.(r) ?? engine.evaluate(r)) };
}

function pending(over: Partial<RequestRecord> = {}): RequestRecord {
  return proposalRecord({
    principalArn: SALES,
    action: 'ProposeUpdate',
    object: 'Opportunity',
    recordId: OPPORTUNITY,
    createdAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 86400,
    reasons: [{ policyId: 'sales-propose-update', text: 'with approval' }],
    reason: 'Customer asked for a quote; write to jane.roe@example.org',
    conversationId: 'conv-1',
    payload: { object: 'Opportunity', recordId: OPPORTUNITY, fields: { NextStep: 'Send the quote to {EMAIL_1}' }, conversationId: 'conv-1' },
    ...over,
  });
}

async function setup(options: { policy?: PolicyPort; now?: Date } = {}) {
  const requests = new MemoryRequestStore();
  const audit = new MemoryAudit();
  const killSwitch = new MemoryKillSwitch();
  const sealer = new MemorySealer();
  const crm = new MemoryWriter();
  const tasks = new FakeTasks();
  const policy = options.policy ?? (await recording());
  crm.records.set(OPPORTUNITY, { object: 'Opportunity', id: OPPORTUNITY, fields: { NextStep: 'Wait for budget', Description: 'Champion: jane.roe@example.org' } });
  const steps = buildApprovalSteps({
    config,
    requests,
    audit: new MemoryAudit(),
    now: () => NOW,
    review: { hmacKey: HMAC },
    wait: { sealer, notifier: new MemoryNotifier(), timeoutSeconds: TIMEOUT_SECONDS },
  });
  /** Stores a request and runs PrepareReview and WaitForApproval on it, as the state machine does. */
  const park = async (record: RequestRecord, taskToken = `task-token-${record.requestId}`) => {
    await requests.create(record);
    await steps.prepareReview({ requestId: record.requestId });
    await steps.waitForApproval({ requestId: record.requestId, taskToken });
  };
  const service = new ApproverService({ config, policy, requests, audit, killSwitch, sealer, tasks, crm, hmacKey: HMAC, now: () => options.now ?? NOW });
  return { service, requests, audit, killSwitch, tasks, crm, park };
}

const ctx = (callerArn: string | undefined, requestId = 'api-1') => ({ callerArn, requestId });
const decision = (body: Record<string, unknown>) => () => ({ comment: 'looks right', ...body });

describe('ApproverService.list', () => {
  it('lists pending requests oldest first, with their summary and deadline and no field values, and audits the approver', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ requestId: 'req-2', createdAt: '2025-05-05T08:30:00.000Z' }));
    await s.park(pending({ requestId: 'req-1', createdAt: '2025-05-05T08:00:00.000Z' }));
    // Act
    const result = await s.service.list(ctx(ALICE), {});
    // Assess
    const items = (result.body as { items: Record<string, unknown>[] }).items;
    expect(items.map((i) => i.requestId)).toEqual(['req-1', 'req-2']);
    expect(items[0]).toEqual({
      requestId: 'req-1',
      agent: 'sales-agent',
      action: 'ProposeUpdate',
      object: 'Opportunity',
      recordId: OPPORTUNITY,
      createdAt: '2025-05-05T08:00:00.000Z',
      approvalDeadline: new Date(NOW.getTime() + TIMEOUT_SECONDS * 1000).toISOString(),
      summary: expect.stringContaining('NextStep'),
    });
    expect(JSON.stringify(result.body)).not.toMatch(/quote|EMAIL|jane/);
    expect(s.audit.last()).toMatchObject({ action: 'ListApprovals', outcome: 'allowed', agent: { name: 'alice', principalArn: ALICE } });
  });

  it('lists by another status on request and leaves out requests past their expiry', async () => {
    // Prepare
    const s = await setup();
    await s.requests.create(pending({ requestId: 'req-done', status: 'completed' }));
    await s.requests.create(pending({ requestId: 'req-old', status: 'completed', expiresAt: Math.floor(NOW.getTime() / 1000) - 1 }));
    // Act
    const result = await s.service.list(ctx(ALICE), { status: 'completed', limit: '10' });
    // Assess
    expect((result.body as { items: { requestId: string }[] }).items.map((i) => i.requestId)).toEqual(['req-done']);
  });

  it.each<Record<string, string>>([{ limit: '0' }, { limit: '101' }, { limit: 'ten' }, { status: 'executing' }, { owner: 'me' }])('rejects the query %p with VALIDATION_FAILED', async (query) => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.list(ctx(ALICE), query));
    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(s.audit.last()).toMatchObject({ outcome: 'failed', errorCode: 'VALIDATION_FAILED' });
  });

  it.each([
    { who: 'an agent', arn: SALES },
    { who: 'an unknown principal', arn: session('intruder') },
    { who: 'a call without a principal', arn: undefined },
  ])('refuses $who with 403 FORBIDDEN, audited as denied', async ({ arn }) => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.list(ctx(arn), {}));
    // Assess
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(s.audit.last()).toMatchObject({ action: 'ListApprovals', outcome: 'denied', errorCode: 'FORBIDDEN' });
  });

  it('is refused while the bridge is frozen', async () => {
    // Prepare
    const s = await setup();
    s.killSwitch.current = 'frozen';
    // Act
    const error = await failure(s.service.list(ctx(ALICE), {}));
    // Assess
    expect(error.code).toBe('BRIDGE_FROZEN');
  });
});

describe('ApproverService.get', () => {
  it('shows the redacted review and the current CRM values beside the proposed ones, rendered by the same rules', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ payload: { object: 'Opportunity', recordId: OPPORTUNITY, fields: { NextStep: 'Send the quote to {EMAIL_1}', Description: 'New champion: ada@example.com' } } }));
    // Act
    const result = await s.service.get(ctx(ALICE), 'req-1');
    // Assess
    const body = result.body as Record<string, unknown>;
    expect(body).toMatchObject({ requestId: 'req-1', agent: 'sales-agent', status: 'approval_required', review: { summary: expect.any(String) } });
    expect(body.diff).toEqual({
      recordFound: true,
      fields: [
        { field: 'NextStep', current: 'Wait for budget', proposed: 'Send the quote to {EMAIL_1}' },
        { field: 'Description', current: 'Champion: [EMAIL]', proposed: 'New champion: [EMAIL]' },
      ],
    });
    expect(JSON.stringify(body)).not.toMatch(/jane\.roe|ada@example/);
    expect(s.audit.last()).toMatchObject({ action: 'GetApproval', outcome: 'allowed', object: 'Opportunity', recordIds: [OPPORTUNITY], fields: ['NextStep', 'Description'] });
  });

  it('never shows a sensitive current value in clear: a Contact e-mail and phone show as their class', async () => {
    // Prepare
    const s = await setup();
    s.crm.records.set(CONTACT, { object: 'Contact', id: CONTACT, fields: { Email: 'ada@example.com', Phone: '+44 20 7946 0123' } });
    await s.park(pending({ object: 'Contact', recordId: CONTACT, payload: { object: 'Contact', recordId: CONTACT, fields: { Email: '{EMAIL_2}', Phone: '+1 415 555 0100' } } }));
    // Act
    const result = await s.service.get(ctx(ALICE), 'req-1');
    // Assess
    expect((result.body as { diff: unknown }).diff).toEqual({
      recordFound: true,
      fields: [
        { field: 'Email', current: '[EMAIL]', proposed: '{EMAIL_2}' },
        { field: 'Phone', current: '[PHONE]', proposed: '[PHONE]' },
      ],
    });
  });

  it("treats a placeholder-shaped CRM value as data: it cannot pose as the agent's placeholder", async () => {
    // Prepare
    const s = await setup();
    s.crm.records.set(OPPORTUNITY, { object: 'Opportunity', id: OPPORTUNITY, fields: { NextStep: 'Send the quote to {EMAIL_1}' } });
    await s.park(pending());
    // Act
    const result = await s.service.get(ctx(ALICE), 'req-1');
    // Assess
    const [row] = (result.body as { diff: { fields: { current: string; proposed: string }[] } }).diff.fields;
    expect(row.proposed).toBe('Send the quote to {EMAIL_1}');
    expect(row.current).not.toBe(row.proposed);
  });

  it('says so when the record to update no longer exists in the CRM', async () => {
    // Prepare
    const s = await setup();
    s.crm.records.clear();
    await s.park(pending());
    // Act
    const result = await s.service.get(ctx(ALICE), 'req-1');
    // Assess
    expect((result.body as { diff: unknown }).diff).toEqual({ recordFound: false, fields: [{ field: 'NextStep', current: null, proposed: 'Send the quote to {EMAIL_1}' }] });
  });

  it('shows no diff for a create, and passes the agent’s reason through the output guard', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ action: 'ProposeCreate', object: 'Task', recordId: undefined, payload: { object: 'Task', fields: { Subject: 'Call back' } } }));
    // Act
    const result = await s.service.get(ctx(ALICE), 'req-1');
    // Assess
    const body = result.body as Record<string, unknown>;
    expect(body.diff).toBeUndefined();
    expect(body.reason).toBe('Customer asked for a quote; write to [EMAIL]');
  });

  it('answers NOT_FOUND for an unknown request and VALIDATION_FAILED for a malformed id', async () => {
    // Prepare
    const s = await setup();
    // Act
    const missing = await failure(s.service.get(ctx(ALICE), 'req-none'));
    const malformed = await failure(s.service.get(ctx(ALICE), '../etc'));
    // Assess
    expect(missing.code).toBe('NOT_FOUND');
    expect(malformed.code).toBe('VALIDATION_FAILED');
  });
});

describe('ApproverService.decide', () => {
  it('approves: the request moves to approved with the approver recorded, the flow gets the decision, the audit names the approver', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const result = await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' }));
    // Assess
    expect(result.body).toEqual({ requestId: 'req-1', status: 'approved', decision: 'approve', decidedAt: NOW.toISOString() });
    expect(s.requests.items.get('req-1')).toMatchObject({
      status: 'approved',
      approval: { approver: 'alice', principalArn: ALICE, decision: 'approve', comment: 'looks right', decidedAt: NOW.toISOString() },
    });
    expect(s.tasks.sent).toEqual([{ kind: 'succeed', token: 'task-token-req-1', output: { decision: 'approve', approver: 'alice' } }]);
    expect(s.audit.last()).toMatchObject({
      action: 'ApprovalDecided',
      outcome: 'approved',
      agent: { name: 'alice', principalArn: ALICE },
      approval: { approver: { name: 'alice', principalArn: ALICE }, decision: 'approve', decidedAt: NOW.toISOString() },
    });
  });

  it('edits: merges the edits, has policy judge the edited action again, stores it as final and audits only the edited field names', async () => {
    // Prepare
    const policy = await recording();
    const s = await setup({ policy });
    await s.park(pending());
    // Act
    const result = await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { NextStep: 'Call first', Description: 'Budget approved' } }));
    // Assess
    expect(result.body).toMatchObject({ status: 'approved', decision: 'edit', editedFields: ['NextStep', 'Description'] });
    expect(policy.asked).toEqual([
      expect.objectContaining({ action: 'ProposeUpdate', agent: expect.objectContaining({ id: 'sales-agent' }), context: expect.objectContaining({ fields: ['NextStep', 'Description'], recordLimit: 1 }) }),
    ]);
    expect(s.requests.items.get('req-1')).toMatchObject({
      finalPayload: { object: 'Opportunity', recordId: OPPORTUNITY, fields: { NextStep: 'Call first', Description: 'Budget approved' }, conversationId: 'conv-1' },
      approval: { decision: 'edit', editedFields: ['NextStep', 'Description'] },
    });
    expect(s.tasks.sent[0].output).toEqual({ decision: 'edit', approver: 'alice' });
    const event = s.audit.last();
    expect(event).toMatchObject({ outcome: 'edited', approval: { decision: 'edit', editedFields: ['NextStep', 'Description'] }, policy: { decision: 'approval_required' } });
    expect(JSON.stringify(event)).not.toMatch(/Call first|Budget approved/);
  });

  it('refuses an edit that writes a field outside the policy allowlist; the request stays pending, the flow hears nothing', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { Amount: 1_000_000 } })));
    // Assess
    expect(error).toMatchObject({ code: 'POLICY_DENIED', status: 403 });
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
    expect(s.tasks.sent).toHaveLength(0);
    expect(s.audit.last()).toMatchObject({ outcome: 'denied', errorCode: 'POLICY_DENIED' });
  });

  it('refuses an edit policy denies; the request stays pending for another decision', async () => {
    // Prepare
    const deny: PolicyDecision = { decision: 'deny', reasons: [{ policyId: 'no-big-notes', text: 'too long' }], obligations: {}, policyVersion: 'pv', decisionId: 'did-deny' };
    const s = await setup({ policy: await recording((r) => (String(r.context.fields).includes('Description') ? deny : undefined)) });
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { Description: 'x' } })));
    const approved = await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' }));
    // Assess
    expect(error).toMatchObject({ code: 'POLICY_DENIED', message: 'too long' });
    expect(approved.body).toMatchObject({ status: 'approved' });
  });

  it('refuses an edit that sets a field the CRM maintains itself', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { LastModifiedDate: '2020-01-01' } })));
    // Assess
    expect(error.code).toBe('FORBIDDEN');
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
  });

  it('refuses edits of a read: only proposed creates and updates take edits', async () => {
    // Prepare
    const s = await setup();
    const query = { object: 'Contact', fields: ['Id', 'Email'], limit: 50, purpose: 'support' };
    await s.park(pending({ agent: 'support-agent', principalArn: session('support-agent'), kind: 'read', action: 'Read', object: 'Contact', recordId: undefined, payload: query }));
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { Email: 'x' } })));
    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
  });

  it('rejects: the request ends rejected and the flow gets Bridge.Rejected naming the approver', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const result = await s.service.decide(ctx(BOB), 'req-1', decision({ decision: 'reject', comment: 'not now' }));
    // Assess
    expect(result.body).toMatchObject({ status: 'rejected', decision: 'reject' });
    expect(s.requests.items.get('req-1')).toMatchObject({ status: 'rejected', approval: { approver: 'bob', decision: 'reject', comment: 'not now' } });
    expect(s.tasks.sent).toEqual([{ kind: 'fail', token: 'task-token-req-1', error: 'Bridge.Rejected', cause: 'rejected by bob' }]);
    expect(s.audit.last()).toMatchObject({ outcome: 'rejected', approval: { approver: { name: 'bob' }, decision: 'reject' } });
  });

  it('refuses self-approval by principal: the requester’s own role never decides its request', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ principalArn: session('approver-alice').replace('s-1', 'other-session') }));
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
    expect(s.tasks.sent).toHaveLength(0);
    expect(s.audit.last()).toMatchObject({ outcome: 'denied', errorCode: 'FORBIDDEN', agent: { name: 'alice' } });
  });

  it('refuses self-approval by name: an approver named like the requesting agent', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(session('approver-namesake')), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('FORBIDDEN');
    expect(s.tasks.sent).toHaveLength(0);
  });

  it('refuses a principal configured both as an agent and as an approver', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ agent: 'support-agent', principalArn: session('support-agent') }));
    // Act
    const error = await failure(s.service.decide(ctx(SALES), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('also configured as an agent');
  });

  it('answers a second decision with 409 CONFLICT: a decision is final', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' }));
    // Act
    const error = await failure(s.service.decide(ctx(BOB), 'req-1', decision({ decision: 'reject' })));
    // Assess
    expect(error).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect(s.requests.items.get('req-1')?.status).toBe('approved');
    expect(s.tasks.sent).toHaveLength(1);
  });

  it('lets only one of two concurrent decisions through', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const outcomes = await Promise.allSettled([
      s.service.decide(ctx(ALICE, 'api-a'), 'req-1', decision({ decision: 'approve' })),
      s.service.decide(ctx(BOB, 'api-b'), 'req-1', decision({ decision: 'reject' })),
    ]);
    // Assess
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect((lost?.reason as BridgeError).code).toBe('CONFLICT');
    expect(s.tasks.sent).toHaveLength(1);
  });

  it('refuses a decision after the deadline with 409; the request stays for the flow to expire', async () => {
    // Prepare
    const s = await setup({ now: new Date(NOW.getTime() + (TIMEOUT_SECONDS + 1) * 1000) });
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('deadline');
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
  });

  it('refuses a decision before the flow waits for one (no task token yet)', async () => {
    // Prepare
    const s = await setup();
    await s.requests.create(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('CONFLICT');
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
  });

  it('ends an approved request failed and answers 409 when the flow no longer waits (task timed out)', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    s.tasks.failure = new BridgeError('CONFLICT', 'the approval is no longer waiting for a decision');
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('CONFLICT');
    expect(s.requests.items.get('req-1')).toMatchObject({ status: 'failed', error: { code: 'APPROVAL_NOT_DELIVERED' }, approval: { approver: 'alice' } });
    expect(s.audit.last()).toMatchObject({ outcome: 'failed', errorCode: 'CONFLICT', approval: { approver: { name: 'alice' } } });
  });

  it('does not open a task token sealed for another request', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ requestId: 'req-2' }));
    const other = s.requests.items.get('req-2');
    await s.requests.create({ ...pending(), taskToken: other?.taskToken, approvalDeadline: other?.approvalDeadline });
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error.code).toBe('INTERNAL');
    expect(s.tasks.sent).toHaveLength(0);
    expect(s.requests.items.get('req-1')?.status).toBe('failed');
  });

  it('refuses every decision while frozen, and approvals of writes while read-only (rejections still go through)', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    s.killSwitch.current = 'frozen';
    const frozen = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'reject' })));
    s.killSwitch.current = 'read-only';
    const readOnly = await failure(s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'approve' })));
    const pendingAfter = s.requests.items.get('req-1')?.status;
    const rejected = await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'reject' }));
    // Assess
    expect(frozen.code).toBe('BRIDGE_FROZEN');
    expect(readOnly.code).toBe('BRIDGE_READ_ONLY');
    expect(pendingAfter).toBe('approval_required');
    expect(rejected.body).toMatchObject({ status: 'rejected' });
  });

  it.each([
    { name: 'an edit without edits', body: { decision: 'edit' } },
    { name: 'edits with approve', body: { decision: 'approve', edits: { NextStep: 'x' } } },
    { name: 'no comment', body: { decision: 'approve', comment: '' } },
    { name: 'an unknown decision', body: { decision: 'maybe' } },
  ])('rejects $name with VALIDATION_FAILED', async ({ body }) => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(ALICE), 'req-1', decision(body)));
    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(s.requests.items.get('req-1')?.status).toBe('approval_required');
  });

  it('refuses a non-approver with 403 before anything is read', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending());
    // Act
    const error = await failure(s.service.decide(ctx(SALES.replace('sales-agent', 'support-agent')), 'req-1', decision({ decision: 'approve' })));
    // Assess
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(s.tasks.sent).toHaveLength(0);
  });
});

describe('an approver edit, through the rest of the flow', () => {
  it('runs as edited: the token binds the edited values and the CRM receives exactly them', async () => {
    // Prepare
    const s = await setup();
    await s.park(pending({ payload: { object: 'Opportunity', recordId: OPPORTUNITY, fields: { NextStep: 'Send the quote' }, conversationId: 'conv-1' } }));
    await s.service.decide(ctx(ALICE), 'req-1', decision({ decision: 'edit', edits: { NextStep: 'Call first' } }));
    const kit = await tokenKit(() => NOW);
    const flow = buildApprovalSteps({
      config,
      requests: s.requests,
      audit: new MemoryAudit(),
      now: () => NOW,
      token: { policy: await shippedPolicies(), signer: kit.signer },
      execute: {
        killSwitch: s.killSwitch,
        verifier: kit.verifier,
        writer: s.crm,
        reader: { query: async () => [] },
        vault: Object.assign(new MemoryVault(), { put: async () => undefined }),
        sealer: new MemorySealer(),
        hmacKey: HMAC,
      },
    });
    // Act
    const { token } = await flow.issueToken({ requestId: 'req-1' });
    await flow.execute({ requestId: 'req-1', token });
    // Assess
    expect(s.crm.updates).toEqual([{ object: 'Opportunity', id: OPPORTUNITY, fields: { NextStep: 'Call first' } }]);
    expect(s.requests.items.get('req-1')).toMatchObject({ status: 'completed', writeResult: { op: 'update', recordId: OPPORTUNITY } });
  });
});
