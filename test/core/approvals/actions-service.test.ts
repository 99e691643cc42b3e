/**
 * `POST /v1/authorize` and `POST /v1/actions/execute` over in-memory ports, with the shipped Cedar policies and a
 * real ES256 signer/verifier: gold support agents refund up to 100 unattended, up to 1000 with a person, never more.
 */
import type { PolicyPort } from '../../../lambda/core/agent-service';
import { ActionsService } from '../../../lambda/core/approvals/actions-service';
import { REFUND_FIELDS } from '../../../lambda/core/approvals/crm-writes';
import type { PolicyDecision } from '../../../lambda/core/policy/types';
import { failure } from '../../support/failure';
import { ARNS, ACCOUNT, MemoryAudit, MemoryKillSwitch, MemoryVault, MemoryWriter, shippedPolicies, testConfig, tokenKit } from './flow-fakes';

const NOW = new Date('2025-05-05T09:00:00.000Z');
const CASE_ID = '5005g00000000001AAA';
const session = (role: string, n = 1) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/run-${n}`;
const SUPPORT = session('support-agent');
const SILVER = session('silver-agent');
const SALES = session('sales-agent');

const refund = (amount: number, over: Record<string, unknown> = {}) => ({
  action: 'IssueRefund',
  params: { object: 'Case', recordId: CASE_ID, amount, currency: 'EUR', reason: 'late delivery', ...over },
});

async function setup(options: { policy?: PolicyPort } = {}) {
  const config = testConfig();
  const kit = await tokenKit(() => NOW);
  const ports = { writer: new MemoryWriter(), vault: new MemoryVault(), audit: new MemoryAudit(), killSwitch: new MemoryKillSwitch() };
  const service = new ActionsService({ config, policy: options.policy ?? (await shippedPolicies()), signer: kit.signer, verifier: kit.verifier, ...ports, now: () => NOW });
  return { service, config, ...ports, jti: kit.jti };
}

const ctx = (callerArn: string, requestId = 'req-1') => ({ callerArn, requestId });
const bodyOf = (r: { body: unknown }) => r.body as Record<string, unknown> & { token?: string };

/** Authorizes `action` as `caller` and returns the token policy granted. */
async function tokenFor(s: Awaited<ReturnType<typeof setup>>, action: Record<string, unknown>, caller = SUPPORT): Promise<string> {
  const token = bodyOf(await s.service.authorize(ctx(caller, 'req-auth'), () => action)).token;
  if (!token) throw new Error('expected a token');
  return token;
}

describe('ActionsService.authorize', () => {
  it('answers an allowed action with the decision envelope and a token bound to it, and audits it as allowed', async () => {
    // Prepare
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SUPPORT), () => refund(50));
    // Assess
    const body = bodyOf(result);
    expect(result.status).toBe(200);
    expect(body).toMatchObject({ decision: 'allow', reasons: [expect.objectContaining({ policyId: 'refund-gold-automatic' })], decisionId: expect.any(String), policyVersion: expect.any(String) });
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.tokenExpiresAt).toBe(new Date(NOW.getTime() + 300_000).toISOString());
    expect(s.audit.events).toHaveLength(1);
    expect(s.audit.last()).toMatchObject({ action: 'Authorize', outcome: 'allowed', object: 'Case', recordIds: [CASE_ID], policy: { decision: 'allow', decisionId: body.decisionId } });
    expect(JSON.stringify(s.audit.last())).not.toContain(String(body.token));
  });

  it('gives no token for an action that needs a person, says so, and audits approval_required', async () => {
    // Prepare
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SILVER), () => refund(500));
    // Assess
    const body = bodyOf(result);
    expect(body.decision).toBe('approval_required');
    expect(body.token).toBeUndefined();
    expect(body.next).toEqual(expect.stringContaining('needs a person'));
    expect(s.audit.last()).toMatchObject({ outcome: 'approval_required', policy: { decision: 'approval_required' } });
  });

  it('points a proposed create that needs a person to /v1/records/propose', async () => {
    // Prepare
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SALES), () => ({ action: 'ProposeCreate', params: { object: 'Task', fields: { Subject: 'Call back' } } }));
    // Assess
    expect(bodyOf(result)).toMatchObject({ decision: 'approval_required', next: expect.stringContaining('POST /v1/records/propose') });
    expect(bodyOf(result).token).toBeUndefined();
  });

  it('points a refund that needs a person to /v1/records/propose as op "refund"', async () => {
    // Prepare
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SILVER), () => refund(500));
    // Assess
    expect(bodyOf(result)).toMatchObject({ decision: 'approval_required', next: expect.stringMatching(/op "refund" .*POST \/v1\/records\/propose/) });
  });

  it('grants no token for a refund in a currency the limits are not stated for, and audits the deny', async () => {
    // Prepare: 50 EUR gets a token unattended (above); 50 JPY must not.
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SUPPORT), () => refund(50, { currency: 'JPY' }));
    // Assess
    expect(bodyOf(result)).toMatchObject({ decision: 'deny', reasons: [{ policyId: 'refund-currency-without-limits', text: 'Refunds in other currencies need limits of their own' }] });
    expect(bodyOf(result).token).toBeUndefined();
    expect(s.audit.last()).toMatchObject({ action: 'Authorize', outcome: 'denied', policy: { decision: 'deny', reasons: ['refund-currency-without-limits'] } });
  });

  it('answers a deny with the envelope (200, no token) and audits it as denied', async () => {
    // Prepare
    const s = await setup();
    // Act
    const result = await s.service.authorize(ctx(SUPPORT), () => refund(5000));
    // Assess
    expect(result.status).toBe(200);
    expect(bodyOf(result)).toMatchObject({ decision: 'deny', reasons: [expect.objectContaining({ policyId: 'refund-cap' })] });
    expect(bodyOf(result).token).toBeUndefined();
    expect(s.audit.last()).toMatchObject({ action: 'Authorize', outcome: 'denied', policy: { decision: 'deny', reasons: ['refund-cap'] } });
  });

  it('refuses an agent the deployment config does not grant the action, before policy is asked', async () => {
    // Prepare
    const asked: unknown[] = [];
    const s = await setup({ policy: { evaluate: (r) => (asked.push(r), { decision: 'allow', reasons: [], obligations: {}, policyVersion: 'v', decisionId: 'd' }) } });
    // Act
    const error = await failure(s.service.authorize(ctx(SALES), () => refund(50)));
    // Assess
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(asked).toHaveLength(0);
    expect(s.audit.last()).toMatchObject({ outcome: 'denied', errorCode: 'FORBIDDEN' });
  });

  it.each([
    { mode: 'read-only' as const, code: 'BRIDGE_READ_ONLY' },
    { mode: 'frozen' as const, code: 'BRIDGE_FROZEN' },
  ])('refuses while the bridge is $mode: authorizing is a write', async ({ mode, code }) => {
    // Prepare
    const s = await setup();
    s.killSwitch.current = mode;
    // Act
    const error = await failure(s.service.authorize(ctx(SUPPORT), () => refund(50)));
    // Assess
    expect(error.code).toBe(code);
    expect(s.audit.last()).toMatchObject({ outcome: 'denied', errorCode: code });
  });

  it.each([
    { name: 'an unknown action', body: { action: 'DeleteEverything', params: {} } },
    { name: 'an amount with 5 decimals', body: refund(10.00001) },
    { name: 'a refund on a Contact', body: refund(10, { object: 'Contact' }) },
    { name: 'an extra parameter', body: refund(10, { note: 'x' }) },
  ])('rejects $name with VALIDATION_FAILED and audits it', async ({ body }) => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.authorize(ctx(SUPPORT), () => body));
    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(s.audit.last()).toMatchObject({ action: 'Authorize', outcome: 'failed', errorCode: 'VALIDATION_FAILED' });
  });

  it('refuses an unknown caller', async () => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.authorize(ctx(session('intruder')), () => refund(50)));
    // Assess
    expect(error.code).toBe('UNKNOWN_AGENT');
  });
});

describe('ActionsService.executeAction', () => {
  it('runs the action with a valid token: writes exactly the refund fields once and audits it as executed', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    // Act
    const result = await s.service.executeAction(ctx(SUPPORT, 'req-x'), () => ({ ...refund(50), token }));
    // Assess
    const f = REFUND_FIELDS.salesforce;
    expect(result).toEqual({ status: 200, body: { requestId: 'req-x', result: { op: 'update', object: 'Case', recordId: CASE_ID, fields: [f.amount, f.currency, f.reason] } } });
    expect(s.writer.updates).toEqual([{ object: 'Case', id: CASE_ID, fields: { [f.amount]: 50, [f.currency]: 'EUR', [f.reason]: 'late delivery' } }]);
    const authorized = s.audit.events[0];
    expect(s.audit.last()).toMatchObject({
      action: 'Execute',
      outcome: 'executed',
      object: 'Case',
      recordIds: [CASE_ID],
      policy: { decision: 'allow', decisionId: authorized.policy?.decisionId, version: authorized.policy?.version },
    });
  });

  it('refuses a tampered token with 401 TOKEN_INVALID and writes nothing', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 3600 })).toString('base64url'), sig].join('.');
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT), () => ({ ...refund(50), token: forged })));
    // Assess
    expect(error).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
    expect(s.writer.writes).toBe(0);
    expect(s.audit.last()).toMatchObject({ action: 'Execute', errorCode: 'TOKEN_INVALID' });
  });

  it('refuses a token for other parameters (a higher amount) and writes nothing', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT), () => ({ ...refund(99), token })));
    // Assess
    expect(error.code).toBe('TOKEN_INVALID');
    expect(error.message).toContain('ahash');
    expect(s.writer.writes).toBe(0);
  });

  it('refuses a replayed token with 409 TOKEN_REPLAYED: the write lands once', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    await s.service.executeAction(ctx(SUPPORT, 'req-a'), () => ({ ...refund(50), token }));
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT, 'req-b'), () => ({ ...refund(50), token })));
    // Assess
    expect(error).toMatchObject({ code: 'TOKEN_REPLAYED', status: 409 });
    expect(s.writer.writes).toBe(1);
  });

  it("refuses another agent's token as TOKEN_INVALID, even for an agent granted the same action", async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50), SUPPORT);
    // Act
    const error = await failure(s.service.executeAction(ctx(SILVER), () => ({ ...refund(50), token })));
    // Assess
    expect(error.code).toBe('TOKEN_INVALID');
    expect(error.message).toContain('support-agent');
    expect(s.writer.writes).toBe(0);
    expect(s.audit.last()).toMatchObject({ agent: { name: 'silver-agent' }, errorCode: 'TOKEN_INVALID' });
  });

  it("re-identifies placeholders only from the caller's own conversation", async () => {
    // Prepare
    const allowTasks: PolicyPort = {
      evaluate: (): PolicyDecision => ({ decision: 'allow', reasons: [], obligations: { allowedFields: ['Subject', 'Description'] }, policyVersion: 'v', decisionId: 'd-1' }),
    };
    const s = await setup({ policy: allowTasks });
    s.vault.seed('sales-agent:conv-1', { '{EMAIL_1}': 'ada@example.com' });
    s.vault.seed('support-agent:conv-1', { '{EMAIL_1}': 'someone-else@example.com' });
    const task = { action: 'ProposeCreate', params: { object: 'Task', fields: { Subject: 'Mail {EMAIL_1}' }, conversationId: 'conv-1' } };
    const token = await tokenFor(s, task, SALES);
    // Act
    await s.service.executeAction(ctx(SALES), () => ({ ...task, token }));
    // Assess
    expect(s.writer.creates).toEqual([{ object: 'Task', fields: { Subject: 'Mail ada@example.com' } }]);
    expect(s.vault.asked).toEqual(['sales-agent:conv-1']);
  });

  it("re-identifies a refund's reason from the conversation its token-bound params name, and no other", async () => {
    // Prepare
    const s = await setup();
    s.vault.seed('support-agent:conv-1', { '{EMAIL_1}': 'ada@example.com' });
    s.vault.seed('support-agent:conv-2', { '{EMAIL_1}': 'eve@example.com' });
    const action = refund(50, { reason: 'Refund promised to {EMAIL_1}', conversationId: 'conv-1' });
    const [token, tokenAgain] = [await tokenFor(s, action), await tokenFor(s, action)];
    // Act: the params re-pointed at conv-2 no longer match the token; the approved ones run.
    const moved = await failure(s.service.executeAction(ctx(SUPPORT, 'req-m'), () => ({ ...refund(50, { reason: 'Refund promised to {EMAIL_1}', conversationId: 'conv-2' }), token })));
    const run = await s.service.executeAction(ctx(SUPPORT, 'req-x'), () => ({ ...action, token: tokenAgain }));
    // Assess
    expect(moved.code).toBe('TOKEN_INVALID');
    expect(run.status).toBe(200);
    expect(s.writer.updates).toEqual([{ object: 'Case', id: CASE_ID, fields: expect.objectContaining({ [REFUND_FIELDS.salesforce.reason]: 'Refund promised to ada@example.com' }) }]);
    expect(s.vault.asked).toEqual(['support-agent:conv-1']);
  });

  it('refuses to execute while the bridge is read-only, before the token is spent', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    s.killSwitch.current = 'read-only';
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT), () => ({ ...refund(50), token })));
    // Assess
    expect(error.code).toBe('BRIDGE_READ_ONLY');
    expect(s.jti.used.size).toBe(0);
    expect(s.writer.writes).toBe(0);
  });

  it('rejects a request without a token with VALIDATION_FAILED', async () => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT), () => refund(50)));
    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(s.writer.writes).toBe(0);
  });

  it('answers AUDIT_UNAVAILABLE when its audit event cannot be written, although the write happened', async () => {
    // Prepare
    const s = await setup();
    const token = await tokenFor(s, refund(50));
    s.audit.failing = true;
    // Act
    const error = await failure(s.service.executeAction(ctx(SUPPORT), () => ({ ...refund(50), token })));
    // Assess
    expect(error.code).toBe('AUDIT_UNAVAILABLE');
    expect(s.writer.writes).toBe(1);
  });

  it('is configured with approver roles nowhere: an approver principal is an unknown agent', async () => {
    // Prepare
    const s = await setup();
    // Act
    const error = await failure(s.service.executeAction(ctx(ARNS.alice), () => ({ ...refund(50), token: 'x' })));
    // Assess
    expect(error.code).toBe('UNKNOWN_AGENT');
  });
});
