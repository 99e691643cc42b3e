/**
 * The human-in-the-loop flow end to end over HTTP: the approval state machine as synthesized from the stack, run by
 * aws-local-stepfunctions with the Lambda functions' step code, against the sandbox CRM, dynalite and s3rver.
 */
import { REFUND_FIELDS } from '../../lambda/core/approvals/crm-writes';
import type { ApprovalSteps } from '../../lambda/core/approvals/flow';
import type { RequestStore } from '../../lambda/core/requests';
import { LOCAL_PRINCIPALS, startLocalBridge, type LocalBridge } from '../../local/runtime';
import { auditEvent, auditEvents, call } from '../support/local-http';

const { sales, support, approver } = LOCAL_PRINCIPALS;

async function waitForNotice(bridge: LocalBridge, requestId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (bridge.notifier.notices.some((n) => n.requestId === requestId)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no approval notice for ${requestId}`);
}

const taskProposal = (fields: Record<string, unknown> = {}) => ({
  object: 'Task',
  op: 'create',
  fields: { Subject: 'Call back about the renewal', Description: 'Customer asked for a call on Tuesday', ...fields },
  reason: 'follow-up promised in the last call',
});

/** Proposes (as the sales agent unless told) and waits until the request waits for a person. */
async function propose(bridge: LocalBridge, body: object = taskProposal(), principal: string = sales): Promise<string> {
  const reply = await call(bridge, '/v1/records/propose', { body, principal });
  expect(reply.status).toBe(202);
  const requestId = reply.body.requestId as string;
  await waitForNotice(bridge, requestId);
  return requestId;
}

const decide = (bridge: LocalBridge, id: string, body: object, principal = approver) => call(bridge, `/v1/approvals/${id}/decision`, { body, principal });
const tasksWithSubject = (bridge: LocalBridge, subject: string) => bridge.sandbox.store.rows('Task').filter((r) => r.Subject === subject);

describe('approval flow from the synthesized state machine (Salesforce)', () => {
  let bridge: LocalBridge;
  let captured: string | undefined;
  let tamperNext = false;

  beforeAll(async () => {
    bridge = await startLocalBridge({
      crm: 'salesforce',
      crmDeadlineMs: 1_500,
      // A principal that is both an agent and an approver: the self-approval check must still refuse it.
      config: (base) => ({ ...base, approvers: { ...base.approvers, sam: { principals: [sales] } } }),
      interceptSteps: (steps: ApprovalSteps, requests: RequestStore): ApprovalSteps => ({
        ...steps,
        issueToken: async (event) => {
          const out = await steps.issueToken(event);
          captured = out.token;
          if (tamperNext) {
            // Between IssueDecisionToken and Execute, someone changes what will be written.
            tamperNext = false;
            const { requestId } = event as { requestId: string };
            const record = await requests.get(requestId);
            const params = (record?.finalPayload ?? record?.payload) as { fields: Record<string, unknown> };
            await requests.transition(requestId, 'approved', 'approved', { finalPayload: { ...params, fields: { ...params.fields, Subject: 'Wire 10k to account 123' } } });
          }
          return out;
        },
      }),
    });
  });
  afterAll(() => bridge.close());
  afterEach(() => bridge.sandbox.faults.set('none'));

  it('approve: the proposal is written once by the write user, and every step is audited with the approver', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Approve path' }));
    // Act
    const decision = await decide(bridge, id, { decision: 'approve', comment: 'fine' });
    const execution = await bridge.stepFunctions.execution(id);
    const status = await call(bridge, `/v1/requests/${id}`, { principal: sales });
    // Assess
    expect(decision.status).toBe(200);
    expect(execution).toEqual({ status: 'SUCCEEDED' });
    expect(status.body).toMatchObject({ status: 'completed', writeResult: { op: 'create' } });
    expect(tasksWithSubject(bridge, 'Approve path')).toHaveLength(1);
    const events = await auditEvents(bridge, id);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['ProposeCreate', 'ReviewPrepared', 'IssueToken', 'Execute', 'RecordOutcome']));
    const decided = (await auditEvents(bridge, decision.requestId)).find((e) => e.action === 'ApprovalDecided');
    expect(decided?.approval).toMatchObject({ approver: { name: 'alice', principalArn: approver }, decision: 'approve' });
  });

  it('edit: the approver changes a field, policy re-checks it, and the edited value is what is written', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Edit path', Description: 'draft' }));
    // Act
    const decision = await decide(bridge, id, { decision: 'edit', edits: { Description: 'checked by a person' }, comment: 'reworded' });
    await bridge.stepFunctions.execution(id);
    // Assess
    expect(decision.status).toBe(200);
    const [task] = tasksWithSubject(bridge, 'Edit path');
    expect(task.Description).toBe('checked by a person');
  });

  it('edit: an edit that policy does not allow is refused and the request keeps waiting', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Bad edit path' }));
    // Act
    const refused = await decide(bridge, id, { decision: 'edit', edits: { OwnerId: '005000000000001' }, comment: 'reassign' });
    const pending = await call(bridge, `/v1/approvals/${id}`, { principal: approver });
    // Assess
    expect(refused.status).toBe(403);
    expect(pending.body.status).toBe('approval_required');
    await decide(bridge, id, { decision: 'reject', comment: 'cleanup' });
    await bridge.stepFunctions.execution(id);
  });

  it('reject: nothing is written and the execution ends failed with Bridge.Rejected', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Reject path' }));
    // Act
    const decision = await decide(bridge, id, { decision: 'reject', comment: 'not needed' });
    const execution = await bridge.stepFunctions.execution(id);
    const status = await call(bridge, `/v1/requests/${id}`, { principal: sales });
    // Assess
    expect(decision.status).toBe(200);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Bridge.Rejected' });
    expect(status.body).toMatchObject({ status: 'rejected' });
    expect(tasksWithSubject(bridge, 'Reject path')).toHaveLength(0);
    expect((await auditEvents(bridge, id)).find((e) => e.action === 'RecordOutcome')).toMatchObject({ outcome: 'rejected' });
  });

  it('a decision is final: a second decision gets 409', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Twice path' }));
    await decide(bridge, id, { decision: 'approve', comment: 'ok' });
    // Act
    const second = await decide(bridge, id, { decision: 'reject', comment: 'changed my mind' });
    await bridge.stepFunctions.execution(id);
    // Assess
    expect(second.status).toBe(409);
    expect(second.body.error?.code).toBe('CONFLICT');
    expect(tasksWithSubject(bridge, 'Twice path')).toHaveLength(1);
  });

  it('self-approval: the requester cannot decide its own request, even when configured as an approver', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Self path' }));
    // Act
    const self = await decide(bridge, id, { decision: 'approve', comment: 'trust me' }, sales);
    // Assess
    expect(self.status).toBe(403);
    await decide(bridge, id, { decision: 'reject', comment: 'cleanup' });
    await bridge.stepFunctions.execution(id);
    expect(tasksWithSubject(bridge, 'Self path')).toHaveLength(0);
  });

  it('agents cannot use approver routes and approvers cannot use agent routes', async () => {
    // Act
    const agentLists = await call(bridge, '/v1/approvals', { principal: support });
    const approverQueries = await call(bridge, '/v1/records/query', { body: { object: 'Contact', fields: ['Id'], purpose: 'support' }, principal: approver });
    // Assess
    expect(agentLists.status).toBe(403);
    expect(approverQueries.status).toBe(403);
  });

  it('token tampered between approval and execute: Execute refuses it, nothing is written, the outcome is failed', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Tamper path' }));
    tamperNext = true;
    // Act
    await decide(bridge, id, { decision: 'approve', comment: 'ok' });
    const execution = await bridge.stepFunctions.execution(id);
    const status = await call(bridge, `/v1/requests/${id}`, { principal: sales });
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Bridge.Failed' });
    expect(status.body).toMatchObject({ status: 'failed', error: { code: 'TOKEN_INVALID' } });
    expect(tasksWithSubject(bridge, 'Tamper path')).toHaveLength(0);
    expect(tasksWithSubject(bridge, 'Wire 10k to account 123')).toHaveLength(0);
  });

  it('replayed token: the token of an executed approval is refused by the execute route', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Replay path' }));
    await decide(bridge, id, { decision: 'approve', comment: 'ok' });
    await bridge.stepFunctions.execution(id);
    const token = captured as string;
    const params = { object: 'Task', fields: taskProposal({ Subject: 'Replay path' }).fields };
    // Act
    const replay = await call(bridge, '/v1/actions/execute', { body: { action: 'ProposeCreate', params, token }, principal: sales });
    // Assess
    expect(replay.status).toBe(409);
    expect(replay.body.error?.code).toBe('TOKEN_REPLAYED');
    expect(tasksWithSubject(bridge, 'Replay path')).toHaveLength(1);
  });

  it('connector failure at Execute: the request ends failed with the CRM error and is not retried into a second write', async () => {
    // Prepare
    const id = await propose(bridge, taskProposal({ Subject: 'Failure path' }));
    bridge.sandbox.faults.set('500', 1000);
    // Act
    await decide(bridge, id, { decision: 'approve', comment: 'ok' });
    const execution = await bridge.stepFunctions.execution(id);
    bridge.sandbox.faults.set('none');
    const status = await call(bridge, `/v1/requests/${id}`, { principal: sales });
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Bridge.Failed' });
    expect(status.body).toMatchObject({ status: 'failed', error: { code: 'CRM_UNAVAILABLE' } });
    expect(tasksWithSubject(bridge, 'Failure path')).toHaveLength(0);
  });

  it('an approved large read runs once and its redacted result is handed out once', async () => {
    // Prepare
    const asked = await call(bridge, '/v1/records/query', { body: { object: 'Contact', fields: ['Id', 'Email'], limit: 50, purpose: 'support' }, principal: support });
    const id = asked.body.requestId as string;
    await waitForNotice(bridge, id);
    // Act
    await decide(bridge, id, { decision: 'approve', comment: 'quarterly check' });
    await bridge.stepFunctions.execution(id);
    const first = await call(bridge, `/v1/requests/${id}`, { principal: support });
    const second = await call(bridge, `/v1/requests/${id}`, { principal: support });
    // Assess
    expect(asked.status).toBe(202);
    const records = (first.body.result as { records: unknown[] }).records;
    expect(records.length).toBeGreaterThan(10);
    expect(JSON.stringify(records)).not.toMatch(/@[a-z0-9-]+\.[a-z]{2,}/i);
    expect(second.status).toBe(410);
  });

  it('refund proposal: a refund in the approval band waits for a person, who sees it beside the current values; approved, it is written to the refund fields', async () => {
    // Prepare
    const f = REFUND_FIELDS.salesforce;
    const caseId = bridge.sandbox.store.rows('Case')[1].Id as string;
    const body = { object: 'Case', op: 'refund', recordId: caseId, amount: 250, currency: 'EUR', reason: 'Parcel arrived two weeks late' };
    const id = await propose(bridge, body, support);
    const review = await call(bridge, `/v1/approvals/${id}`, { principal: approver });
    // Act
    const decision = await decide(bridge, id, { decision: 'approve', comment: 'goodwill, within the band' });
    const execution = await bridge.stepFunctions.execution(id);
    const status = await call(bridge, `/v1/requests/${id}`, { principal: support });
    // Assess
    expect(review.body).toMatchObject({ action: 'IssueRefund', object: 'Case', recordId: caseId, diff: { recordFound: true } });
    expect((review.body.diff as { fields: unknown[] }).fields).toContainEqual({ field: f.amount, current: null, proposed: 250 });
    expect(decision.status).toBe(200);
    expect(execution).toEqual({ status: 'SUCCEEDED' });
    expect(status.body).toMatchObject({ status: 'completed', action: 'IssueRefund', writeResult: { recordId: caseId } });
    expect(bridge.sandbox.store.rows('Case').find((r) => r.Id === caseId)).toMatchObject({ [f.amount]: 250, [f.currency]: 'EUR', [f.reason]: 'Parcel arrived two weeks late' });
    const events = await auditEvents(bridge, id);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['IssueRefund', 'ReviewPrepared', 'IssueToken', 'Execute', 'RecordOutcome']));
    expect(events.find((e) => e.action === 'IssueRefund')).toMatchObject({ outcome: 'approval_required', policy: { decision: 'approval_required', reasons: ['refund-with-approval'] } });
  });

  it('refund proposal above the cap: denied at once, audited, nothing parked or written', async () => {
    // Prepare
    const f = REFUND_FIELDS.salesforce;
    const caseId = bridge.sandbox.store.rows('Case')[2].Id as string;
    // Act
    const reply = await call(bridge, '/v1/records/propose', { body: { object: 'Case', op: 'refund', recordId: caseId, amount: 1500, currency: 'EUR', reason: 'too much' }, principal: support });
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.body.error?.code).toBe('POLICY_DENIED');
    expect(await auditEvent(bridge, reply.requestId)).toMatchObject({ action: 'IssueRefund', outcome: 'denied', policy: { decision: 'deny', reasons: ['refund-cap'] } });
    expect(bridge.sandbox.store.rows('Case').find((r) => r.Id === caseId)?.[f.amount]).toBeUndefined();
  });

  it('refund proposal in a currency without limits: 50 JPY is denied at once with POLICY_DENIED, audited, nothing parked or written', async () => {
    // Prepare: 50 EUR, USD or GBP would be an automatic refund for this gold support agent.
    const f = REFUND_FIELDS.salesforce;
    const caseId = bridge.sandbox.store.rows('Case')[2].Id as string;
    // Act
    const reply = await call(bridge, '/v1/records/propose', { body: { object: 'Case', op: 'refund', recordId: caseId, amount: 50, currency: 'JPY', reason: 'late delivery' }, principal: support });
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.body.error).toMatchObject({ code: 'POLICY_DENIED', message: 'Refunds in other currencies need limits of their own' });
    expect(await auditEvent(bridge, reply.requestId)).toMatchObject({ action: 'IssueRefund', outcome: 'denied', errorCode: 'POLICY_DENIED', policy: { decision: 'deny', reasons: ['refund-currency-without-limits'] } });
    expect((await call(bridge, `/v1/requests/${reply.requestId}`, { principal: support })).status).toBe(404);
    expect(bridge.sandbox.store.rows('Case').find((r) => r.Id === caseId)?.[f.amount]).toBeUndefined();
  });

  it('authorize then execute: an action policy allows without a person runs with its token, once', async () => {
    // Prepare
    const [someCase] = bridge.sandbox.store.rows('Case');
    const action = { action: 'IssueRefund', params: { object: 'Case', recordId: someCase.Id as string, amount: 42.5, currency: 'EUR', reason: 'late delivery' } };
    // Act
    const envelope = await call(bridge, '/v1/authorize', { body: action, principal: support });
    const executed = await call(bridge, '/v1/actions/execute', { body: { ...action, token: envelope.body.token }, principal: support });
    const again = await call(bridge, '/v1/actions/execute', { body: { ...action, token: envelope.body.token }, principal: support });
    const tampered = await call(bridge, '/v1/authorize', { body: { ...action, params: { ...action.params, amount: 4250 } }, principal: support });
    // Assess
    expect(envelope.body).toMatchObject({ decision: 'allow' });
    expect(executed.status).toBe(200);
    expect(bridge.sandbox.store.rows('Case').find((r) => r.Id === someCase.Id)?.Refund_Amount__c).toBe(42.5);
    expect(again.body.error?.code).toBe('TOKEN_REPLAYED');
    expect(tampered.body).toMatchObject({ decision: 'deny' });
    expect(tampered.body.token).toBeUndefined();
  });
});

describe('approval timeout from the synthesized state machine (HubSpot)', () => {
  let bridge: LocalBridge;
  beforeAll(async () => {
    bridge = await startLocalBridge({ crm: 'hubspot', approvalTimeoutSeconds: 1 });
  });
  afterAll(() => bridge.close());

  it('an unanswered approval ends in deny: expired, nothing written, audited, a late decision gets 409', async () => {
    // Prepare
    const id = await propose(bridge, { object: 'Task', op: 'create', fields: { hs_task_subject: 'Timeout path', hs_task_body: 'call back' }, reason: 'follow-up' });
    // Act
    const execution = await bridge.stepFunctions.execution(id);
    const late = await decide(bridge, id, { decision: 'approve', comment: 'too late' });
    const status = await call(bridge, `/v1/requests/${id}`, { principal: sales });
    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Bridge.Expired' });
    expect(status.body).toMatchObject({ status: 'expired' });
    expect(late.status).toBe(409);
    expect((await auditEvents(bridge, id)).find((e) => e.action === 'RecordOutcome')).toMatchObject({ outcome: 'expired' });
    expect(bridge.sandbox.store.objects('tasks').filter((t) => t.properties.hs_task_subject === 'Timeout path')).toHaveLength(0);
  });

  it('approve in HubSpot mode: the task is created through the CRM v3 objects API', async () => {
    // Prepare
    const id = await propose(bridge, { object: 'Task', op: 'create', fields: { hs_task_subject: 'HubSpot approve path', hs_task_body: 'call back' }, reason: 'follow-up' });
    // Act
    await decide(bridge, id, { decision: 'approve', comment: 'fine' });
    const execution = await bridge.stepFunctions.execution(id);
    // Assess
    expect(execution).toEqual({ status: 'SUCCEEDED' });
    expect(bridge.sandbox.store.objects('tasks').filter((t) => t.properties.hs_task_subject === 'HubSpot approve path')).toHaveLength(1);
  });
});
