import type { PolicyPort } from '../../../lambda/core/agent-service';
import { executeAction } from '../../../lambda/core/approvals/executor';
import { issueDecision } from '../../../lambda/core/approvals/issuer';
import type { BridgeAction } from '../../../lambda/core/approvals/schemas';
import { DECISION_TOKEN } from '../../../lambda/core/constants';
import { actionHash, signDecisionToken, type DecisionTokenInput } from '../../../lambda/core/tokens';
import { failure } from '../../support/failure';
import { agentOf, MemoryVault, MemoryWriter, shippedPolicies, testConfig, tokenKit } from './flow-fakes';

const config = testConfig();
const sales = agentOf(config, 'sales-agent');
const SCOPE = 'sales-agent:conv-1';

const task: BridgeAction = {
  action: 'ProposeCreate',
  params: { object: 'Task', fields: { Subject: 'Call back', Description: 'Ring {PERSON_1} at {PHONE_1}', Priority: 'High' }, conversationId: 'conv-1' },
};

async function setup() {
  const kit = await tokenKit();
  const writer = new MemoryWriter();
  const vault = new MemoryVault();
  vault.seed(SCOPE, { '{PERSON_1}': 'Ada Lovelace', '{PHONE_1}': '+44 20 7946 0123' });
  const deps = { verifier: kit.verifier, writer, vault, config };
  const issue = async (action: BridgeAction, policy?: PolicyPort) =>
    (await issueDecision({ policy: policy ?? (await shippedPolicies()), signer: kit.signer, config }, { agent: sales, action, approvedBy: 'alice' })).token!;
  /** A token signed by the trusted key with chosen claims, as a compromised or buggy issuer might. */
  const forge = (over: Partial<DecisionTokenInput>, action: BridgeAction = task) =>
    signDecisionToken(
      kit.signer,
      { iss: DECISION_TOKEN.ISSUER, aud: DECISION_TOKEN.AUDIENCE, sub: 'sales-agent', act: action.action, res: { type: action.params.object }, ahash: actionHash(action.params), pv: 'pv', did: 'did', ...over },
      { ttlSeconds: 60 },
    );
  return { ...kit, writer, vault, deps, issue, forge };
}

describe('executeAction', () => {
  it('writes the approved action once, with placeholders re-identified from the request scope', async () => {
    // Prepare
    const { deps, issue, writer, vault } = await setup();
    const token = await issue(task);
    // Act
    const out = await executeAction(deps, { token, action: task, agent: 'sales-agent', scope: SCOPE });
    // Assess
    expect(writer.creates).toEqual([{ object: 'Task', fields: { Subject: 'Call back', Description: 'Ring Ada Lovelace at +44 20 7946 0123', Priority: 'High' } }]);
    expect(out).toEqual({ op: 'create', object: 'Task', recordId: [...writer.records.keys()][0], fields: ['Subject', 'Description', 'Priority'] });
    expect(vault.asked).toEqual([SCOPE]);
  });

  it('refuses a replayed token and writes nothing the second time', async () => {
    const { deps, issue, writer } = await setup();
    const token = await issue(task);
    await executeAction(deps, { token, action: task, agent: 'sales-agent', scope: SCOPE });
    const e = await failure(executeAction(deps, { token, action: task, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('TOKEN_REPLAYED');
    expect(writer.writes).toBe(1);
  });

  it('refuses a token whose signature was tampered with, before the vault or the CRM is touched', async () => {
    const { deps, issue, writer, vault } = await setup();
    const token = await issue(task);
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    const e = await failure(executeAction(deps, { token: flipped, action: task, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(writer.writes).toBe(0);
    expect(vault.asked).toEqual([]);
  });

  it('refuses an action changed after approval (another value, field, object or record)', async () => {
    const { deps, issue, writer } = await setup();
    const token = await issue(task);
    const changed: BridgeAction = { action: 'ProposeCreate', params: { ...task.params, fields: { ...task.params.fields, Priority: 'Low' } } };
    const e = await failure(executeAction(deps, { token, action: changed, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(e.message).toMatch(/ahash/);
    expect(writer.writes).toBe(0);
  });

  it('refuses a token issued to another agent', async () => {
    const { deps, issue, writer } = await setup();
    const token = await issue(task);
    const e = await failure(executeAction(deps, { token, action: task, agent: 'support-agent', scope: 'support-agent:conv-1' }));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(e.message).toMatch(/issued to sales-agent/);
    expect(writer.writes).toBe(0);
  });

  it('refuses a written field the token does not list in flds', async () => {
    const { deps, forge, writer } = await setup();
    const token = await forge({ flds: ['Subject', 'Description'] });
    const e = await failure(executeAction(deps, { token, action: task, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(e.message).toMatch(/Priority/);
    expect(writer.writes).toBe(0);
  });

  it('refuses a write token without flds', async () => {
    const { deps, forge, writer } = await setup();
    const e = await failure(executeAction(deps, { token: await forge({}), action: task, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('TOKEN_INVALID');
    expect(writer.writes).toBe(0);
  });

  it('refuses a system field even when a token lists it', async () => {
    const { deps, forge, writer } = await setup();
    const action: BridgeAction = { action: 'ProposeUpdate', params: { object: 'Task', recordId: '00T5g00000000001AAA', fields: { Description: 'x', Id: '00T5g00000000002AAA' } } };
    const token = await forge({ res: { type: 'Task', id: '00T5g00000000001AAA' }, flds: ['Description', 'Id'] }, action);
    const e = await failure(executeAction(deps, { token, action, agent: 'sales-agent', scope: SCOPE }));
    expect(e.code).toBe('FORBIDDEN');
    expect(writer.writes).toBe(0);
  });

  it('refuses a placeholder that does not resolve in the scope and writes nothing', async () => {
    // Prepare: the placeholders exist, but in another conversation
    const { deps, issue, writer } = await setup();
    const token = await issue(task);
    // Act
    const e = await failure(executeAction(deps, { token, action: task, agent: 'sales-agent', scope: 'sales-agent:conv-2' }));
    // Assess
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toEqual({ placeholders: ['{PERSON_1} in Description', '{PHONE_1} in Description'] });
    expect(writer.writes).toBe(0);
  });

  it('turns a refund into an update of the CRM refund fields', async () => {
    // Prepare
    const { deps, issue, writer } = await setup();
    const refund: BridgeAction = { action: 'IssueRefund', params: { object: 'Case', recordId: '5005g00000000001AAA', amount: 42.5, currency: 'EUR', reason: 'late' } };
    const allow: PolicyPort = { evaluate: () => ({ decision: 'allow', reasons: [], obligations: {}, policyVersion: 'pv', decisionId: 'did' }) };
    const token = await issue(refund, allow);
    // Act
    const out = await executeAction(deps, { token, action: refund, agent: 'sales-agent', scope: SCOPE });
    // Assess
    expect(writer.updates).toEqual([{ object: 'Case', id: '5005g00000000001AAA', fields: { Refund_Amount__c: 42.5, Refund_Currency__c: 'EUR', Refund_Reason__c: 'late' } }]);
    expect(out).toEqual({ op: 'update', object: 'Case', recordId: '5005g00000000001AAA', fields: ['Refund_Amount__c', 'Refund_Currency__c', 'Refund_Reason__c'] });
  });
});
