import fc from 'fast-check';
import type { PolicyPort } from '../../../lambda/core/agent-service';
import { assertFieldsAllowed, writePolicyRequest } from '../../../lambda/core/approvals/actions-policy';
import { SYSTEM_FIELDS } from '../../../lambda/core/approvals/crm-writes';
import { issueDecision } from '../../../lambda/core/approvals/issuer';
import type { BridgeAction } from '../../../lambda/core/approvals/schemas';
import type { PolicyDecision, PolicyRequest } from '../../../lambda/core/policy/types';
import { caught } from '../../support/failure';
import { agentOf, testConfig, tokenKit } from './flow-fakes';

const NOW = new Date('2025-05-05T09:00:00.000Z');

const decision = (allowedFields?: string[]): PolicyDecision => ({
  decision: 'approval_required',
  reasons: [{ policyId: 'p', text: 'because' }],
  obligations: allowedFields ? { allowedFields } : {},
  policyVersion: 'pv',
  decisionId: 'did',
});

const fieldName = fc.stringMatching(/^[A-Z][A-Za-z]{0,10}$/).filter((f) => !SYSTEM_FIELDS.salesforce.has(f.toLowerCase()));
const recordId = fc.stringMatching(/^[A-Za-z0-9]{15}$/);
const action: fc.Arbitrary<BridgeAction> = fc.oneof(
  fc.record({ action: fc.constant('ProposeCreate' as const), params: fc.record({ object: fc.constantFrom('Task' as const, 'Lead' as const), fields: fc.dictionary(fieldName, fc.string(), { minKeys: 1, maxKeys: 5 }) }) }),
  fc.record({ action: fc.constant('ProposeUpdate' as const), params: fc.record({ object: fc.constantFrom('Opportunity' as const, 'Task' as const), recordId, fields: fc.dictionary(fieldName, fc.string(), { minKeys: 1, maxKeys: 5 }) }) }),
  fc.record({
    action: fc.constant('IssueRefund' as const),
    params: fc.record({ object: fc.constant('Case' as const), recordId, amount: fc.integer({ min: 1, max: 5000 }), currency: fc.constant('EUR'), reason: fc.string({ minLength: 1 }) }),
  }),
);

describe('writePolicyRequest', () => {
  it('asks policy exactly what the decision issuer asks for the same action, so a proposal is judged by the rules its token is signed under', async () => {
    // Prepare
    const config = testConfig();
    const { signer } = await tokenKit(() => NOW);
    await fc.assert(
      fc.asyncProperty(action, fc.constantFrom('sales-agent', 'support-agent'), async (a, name) => {
        const asked: PolicyRequest[] = [];
        const policy: PolicyPort = { evaluate: (r) => (asked.push(r), decision()) };
        const agent = agentOf(config, name);
        // Act
        await issueDecision({ policy, signer, config, now: () => NOW }, { agent, action: a });
        // Assess
        expect(writePolicyRequest(agent, a, config.crm.kind, NOW)).toEqual(asked[0]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('assertFieldsAllowed', () => {
  it('names every field outside the allowlist, with the decision it came from', () => {
    // Act
    const error = caught(() => assertFieldsAllowed(decision(['Subject']), ['Subject', 'Description', 'OwnerId']));
    // Assess
    expect(error).toMatchObject({ code: 'POLICY_DENIED', details: { fields: ['Description', 'OwnerId'], decisionId: 'did', policyVersion: 'pv' } });
  });

  it('passes every field when the decision carries no allowlist, and a subset of the allowlist', () => {
    // Act / Assess
    expect(() => assertFieldsAllowed(decision(), ['Anything'])).not.toThrow();
    expect(() => assertFieldsAllowed(decision(['A', 'B']), ['B'])).not.toThrow();
  });
});
