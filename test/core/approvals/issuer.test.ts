import type { PolicyPort } from '../../../lambda/core/agent-service';
import { REFUND_FIELDS } from '../../../lambda/core/approvals/crm-writes';
import { issueDecision, readTokenParams } from '../../../lambda/core/approvals/issuer';
import type { BridgeAction } from '../../../lambda/core/approvals/schemas';
import { DECISION_TOKEN } from '../../../lambda/core/constants';
import type { PolicyDecision, PolicyRequest } from '../../../lambda/core/policy/types';
import type { QueryRequest } from '../../../lambda/core/query';
import { actionHash } from '../../../lambda/core/tokens';
import { failure } from '../../support/failure';
import { agentOf, shippedPolicies, testConfig, tokenKit } from './flow-fakes';

const NOW = new Date('2025-05-05T09:00:00.000Z');
const config = testConfig();
const sales = agentOf(config, 'sales-agent');
const support = agentOf(config, 'support-agent');

/** The shipped policies, recording every request they are asked. */
async function recordingPolicy(): Promise<PolicyPort & { asked: PolicyRequest[] }> {
  const engine = await shippedPolicies();
  const asked: PolicyRequest[] = [];
  return { asked, evaluate: (r) => (asked.push(r), engine.evaluate(r)) };
}

const fixed = (decision: PolicyDecision['decision'], obligations: PolicyDecision['obligations'] = {}): PolicyPort => ({
  evaluate: () => ({ decision, obligations, reasons: [{ policyId: 'p1', text: 'because' }], policyVersion: 'pv-1', decisionId: 'did-1' }),
});

const task: BridgeAction = { action: 'ProposeCreate', params: { object: 'Task', fields: { Subject: 'Call back', Description: 'Ring {PERSON_1}' }, conversationId: 'conv-1' } };
const refund = (amount: number): BridgeAction => ({ action: 'IssueRefund', params: { object: 'Case', recordId: '5005g00000000001AAA', amount, currency: 'EUR', reason: 'late delivery' } });

describe('issueDecision for writes', () => {
  it('asks policy about exactly the fields written, one record, and the action as purpose', async () => {
    // Prepare
    const policy = await recordingPolicy();
    const { signer } = await tokenKit();
    // Act
    await issueDecision({ policy, signer, config, now: () => NOW }, { agent: sales, action: task });
    // Assess
    expect(policy.asked).toEqual([
      {
        agent: { id: 'sales-agent', team: 'sales', territories: ['EMEA'], tier: 'standard' },
        action: 'ProposeCreate',
        resource: { type: 'Task' },
        context: { fields: ['Subject', 'Description'], recordLimit: 1, crm: 'salesforce', purpose: 'propose-create', unmaskedPii: false, now: NOW },
      },
    ]);
  });

  it('gives no token for approval_required until a person approved', async () => {
    const { signer } = await tokenKit();
    const out = await issueDecision({ policy: await shippedPolicies(), signer, config, now: () => NOW }, { agent: sales, action: task });
    expect(out.decision.decision).toBe('approval_required');
    expect(out.token).toBeUndefined();
    expect(out.claims).toBeUndefined();
  });

  it('signs an approved write bound to the agent, action, record, params, fields and approver', async () => {
    // Prepare
    const { signer, verifier } = await tokenKit(() => NOW);
    // Act
    const out = await issueDecision({ policy: await shippedPolicies(), signer, config, now: () => NOW }, { agent: sales, action: task, approvedBy: 'alice' });
    // Assess
    expect(out.claims).toMatchObject({
      iss: DECISION_TOKEN.ISSUER,
      aud: DECISION_TOKEN.AUDIENCE,
      sub: 'sales-agent',
      act: 'ProposeCreate',
      res: { type: 'Task' },
      ahash: actionHash(task.params),
      pv: out.decision.policyVersion,
      did: out.decision.decisionId,
      apr: 'alice',
      flds: ['Subject', 'Description'],
    });
    expect(out.claims!.exp - out.claims!.iat).toBe(DECISION_TOKEN.TTL_SECONDS);
    await expect(verifier.verify(out.token!, { act: 'ProposeCreate', res: { type: 'Task' }, params: task.params })).resolves.toEqual(out.claims);
  });

  it('signs an allowed refund without an approver, over the CRM refund fields and with the amount in context', async () => {
    const policy = await recordingPolicy();
    const { signer } = await tokenKit();
    const out = await issueDecision({ policy, signer, config: testConfig('hubspot'), now: () => NOW }, { agent: support, action: refund(80) });
    expect(out.decision.decision).toBe('allow');
    expect(out.claims?.apr).toBeUndefined();
    expect(out.claims?.flds).toEqual(Object.values(REFUND_FIELDS.hubspot));
    expect(out.claims?.res).toEqual({ type: 'Case', id: '5005g00000000001AAA' });
    expect(policy.asked[0].context).toMatchObject({ amount: 80, purpose: 'issue-refund', crm: 'hubspot', fields: ['refund_amount', 'refund_currency', 'refund_reason'] });
  });

  it('never signs a denied action, even with an approver', async () => {
    const { signer } = await tokenKit();
    const out = await issueDecision({ policy: await shippedPolicies(), signer, config, now: () => NOW }, { agent: support, action: refund(5000), approvedBy: 'alice' });
    expect(out.decision.decision).toBe('deny');
    expect(out.token).toBeUndefined();
  });

  it('refuses, naming them, written fields outside the allowlist', async () => {
    const { signer } = await tokenKit();
    const e = await failure(issueDecision({ policy: fixed('allow', { allowedFields: ['Subject'] }), signer, config }, { agent: sales, action: task }));
    expect(e.code).toBe('POLICY_DENIED');
    expect(e.details).toMatchObject({ fields: ['Description'], decisionId: 'did-1', policyVersion: 'pv-1' });
  });

  it('refuses a system field before policy is asked', async () => {
    const policy = await recordingPolicy();
    const { signer } = await tokenKit();
    const withId: BridgeAction = { action: 'ProposeUpdate', params: { object: 'Task', recordId: '00T5g00000000001AAA', fields: { Description: 'x', LastModifiedDate: '2020-01-01' } } };
    const e = await failure(issueDecision({ policy, signer, config }, { agent: sales, action: withId, approvedBy: 'alice' }));
    expect(e.code).toBe('FORBIDDEN');
    expect(e.details).toEqual({ fields: ['LastModifiedDate'] });
    expect(policy.asked).toHaveLength(0);
  });
});

describe('issueDecision for reads', () => {
  const query: QueryRequest = { object: 'Contact', fields: ['Id', 'Email'], where: { field: 'LastName', op: 'eq', value: 'Smith' }, limit: 50, purpose: 'support' };

  it('asks policy about every field the query touches and its limit, with the query purpose', async () => {
    const policy = await recordingPolicy();
    const { signer } = await tokenKit();
    await issueDecision({ policy, signer, config, now: () => NOW }, { agent: support, action: { action: 'Read', query } });
    expect(policy.asked[0]).toMatchObject({ action: 'Read', resource: { type: 'Contact' }, context: { fields: ['Id', 'Email', 'LastName'], recordLimit: 50, purpose: 'support' } });
  });

  it('binds an approved read to the query and the obligations it runs under', async () => {
    // Prepare: LastName is outside the read allowlist, so filter on an allowed field
    const q: QueryRequest = { ...query, where: { field: 'MailingCountry', op: 'eq', value: 'DE' } };
    const { signer, verifier } = await tokenKit(() => NOW);
    // Act
    const out = await issueDecision({ policy: await shippedPolicies(), signer, config, now: () => NOW }, { agent: support, action: { action: 'Read', query: q }, approvedBy: 'alice' });
    // Assess
    expect(out.decision.decision).toBe('approval_required');
    expect(out.claims).toMatchObject({ act: 'Read', res: { type: 'Contact' }, apr: 'alice', ahash: actionHash(readTokenParams(q, out.decision.obligations)) });
    expect(out.claims?.flds).toBeUndefined();
    const widened = { ...out.decision.obligations, maxRecords: 10_000 };
    await expect(verifier.verify(out.token!, { act: 'Read', res: { type: 'Contact' }, params: readTokenParams(q, widened) })).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('refuses an approved read touching a field outside the allowlist', async () => {
    const { signer } = await tokenKit();
    const policy = fixed('approval_required', { allowedFields: ['Id', 'Email'] });
    const e = await failure(issueDecision({ policy, signer, config }, { agent: support, action: { action: 'Read', query }, approvedBy: 'alice' }));
    expect(e.code).toBe('POLICY_DENIED');
    expect(e.details?.fields).toEqual(['LastName']);
  });
});
