/**
 * The engine evaluates each request on a slice of the bundle: the policies of its action, resource
 * type and team, with few-valued attributes (crm, unmaskedPii, tier) substituted, constants folded,
 * amounts compared as Longs, obligation annotations checked in TypeScript and only the attributes
 * the slice reads passed. These properties compare that, request by request, with one Cedar call on
 * the whole bundle: every policy, its obligation annotations as Cedar conditions, the whole request.
 */
import fc from 'fast-check';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { loadBundleFromSources, PolicyEngine, type BundleSources, type PolicyBundle, type PolicyRequest } from '../../../lambda/core/policy';
import { withObligationConditions } from '../../../lambda/core/policy/bundle';
import { cedar } from '../../../lambda/core/policy/cedar';
import { decideFrom, evaluatePolicies, type CedarOutcome } from '../../../lambda/core/policy/engine';
import { shippedSources, wholeCedarRequest, toPolicyRequest } from './fixtures';

/**
 * Shapes the shipped policies lack: `principal ==` and `in Agent`, `is Agent in Team`, `action in [...]`,
 * `resource in`, teams in conditions, amounts compared either way round or used otherwise, arithmetic that
 * overflows, `unless`, `if`, `like`, records, `has` on substituted attributes, constants on either side.
 */
const EXTRA_POLICIES = [
  `@id("x-named-agent") @reason("r") permit (principal == Agent::"agent-7", action in [Action::"Read", Action::"ProposeUpdate"], resource)
     when { context.hourUtc < 12 || principal in Team::"sales" };`,
  `@id("x-in-agent") @reason("r") forbid (principal in Agent::"agent-7", action == Action::"ProposeDelete", resource in Case::"c1");`,
  `@id("x-team-is") @reason("r") @approval("required") forbid (principal is Agent in Team::"sales", action, resource is Opportunity)
     when { context.recordLimit > 5 && context.crm == "salesforce" };`,
  `@id("x-refund-reversed") @reason("r") permit (principal, action == Action::"IssueRefund", resource)
     when { decimal("50.0").lessThan(context.amount) && context.amount != decimal("75.5") && principal.tier != "standard" };`,
  `@id("x-refund-bounds") @reason("r") @approval("required") forbid (principal in Team::"support", action == Action::"IssueRefund", resource is Opportunity)
     when { context.amount == decimal("-0.0001") || context.amount.greaterThanOrEqual(decimal("900719925474.0991")) || context.amount.lessThanOrEqual(decimal("-900719925474.0991")) };`,
  `@id("x-refund-whole") @reason("r") forbid (principal, action == Action::"IssueRefund", resource is Account)
     when { context has amount && context.amount.greaterThanOrEqual(decimal("-0.5")) && context.amount.lessThan(decimal("922337203685477.0")) };`,
  `@id("x-territory") @reason("r") @allowedFields("Id, Name, Email") @maxRecords("20") permit (principal in Team::"ops", action == Action::"Read", resource)
     when { principal.territories.contains("EMEA") && !context.unmaskedPii && context.fields.contains("Id") };`,
  `@id("x-overflow") @reason("r") forbid (principal, action == Action::"ProposeCreate", resource)
     when { context.crm == "hubspot" && context.recordLimit * 4611686018427387904 > 0 };`,
  `@id("x-overflow-first") @reason("r") forbid (principal, action == Action::"ProposeUpdate", resource)
     when { context.recordLimit * 4611686018427387904 > 0 && context.crm == "hubspot" };`,
  `@id("x-overflow-clauses") @reason("r") forbid (principal, action == Action::"ProposeDelete", resource is Note)
     when { context.recordLimit * 4611686018427387904 > 0 } when { context.unmaskedPii };`,
  `@id("x-unless") @reason("r") @rowFilter("Name eq 'x'") permit (principal in Team::"support", action, resource is Case)
     unless { context.crm == "hubspot" } when { principal.tier == "gold" || context.weekdayUtc == 0 };`,
  `@id("x-if") @reason("r") permit (principal, action == Action::"ProposeDelete", resource)
     when { if context.unmaskedPii then principal.tier == "silver" else context.purpose like "sup*" };`,
  `@id("x-max") @reason("r") @approval("required") forbid (principal, action, resource)
     when { principal has maxRecords && principal.maxRecords < 30 && context.crm == "hubspot" };`,
  `@id("x-constants") @reason("r") @approval("required") permit (principal in Team::"sales", action == Action::"Read", resource)
     when { context has crm && principal has tier } when { { c: context.crm }.c == "salesforce" || "gold" == principal.tier } unless { context.unmaskedPii && false };`,
  `@id("x-fields-bulk") @reason("r") @maxRecords("50") permit (principal, action == Action::"Read", resource is Lead)
     when { context.purpose == "sales" && (context.crm == "hubspot" || context.recordLimit <= 10) };`,
];

function bundleWith(extra: readonly string[]): PolicyBundle {
  const src: BundleSources = shippedSources();
  return loadBundleFromSources(extra.length ? { ...src, policies: [...src.policies, { name: 'extra.cedar', text: extra.join('\n') }] } : src);
}

/** The bundle's policies as Cedar JSON, obligation annotations as conditions, all as permits (as the engine asks). */
function wholeSet(bundle: PolicyBundle, extra: readonly string[]): string {
  const texts = [...shippedSources().policies.map((p) => p.text), ...extra];
  const staticPolicies: Record<string, Cedar.PolicyJson> = {};
  for (const text of texts) {
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === 'failure') throw new Error(parts.errors[0].message);
    for (const policy of parts.policies) {
      const json = cedar.policyToJson(policy);
      if (json.type === 'failure') throw new Error(json.errors[0].message);
      const meta = bundle.policies.get(json.json.annotations!.id!)!;
      staticPolicies[meta.id] = { ...withObligationConditions(meta, json.json), effect: 'permit' };
    }
  }
  const id = `whole/${bundle.version}`;
  const answer = cedar.preparsePolicySet(id, { staticPolicies });
  if (answer.type === 'failure') throw new Error(answer.errors[0].message);
  return id;
}

/** One Cedar call with every policy and the whole request: every context and principal attribute, the team. */
function wholeOutcome(bundle: PolicyBundle, setId: string, req: PolicyRequest): CedarOutcome {
  const answer = cedar.statefulIsAuthorized({
    ...wholeCedarRequest(req),
    preparsedPolicySetId: setId,
  });
  if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
  const { reason, errors } = answer.response.diagnostics;
  return { satisfied: [...reason].sort().map((id) => bundle.policies.get(id)!), errored: errors.map((e) => `${e.policyId}: ${e.error.message}`) };
}

const RESOURCE_TYPES = {
  Read: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note', 'User'],
  ProposeCreate: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  ProposeUpdate: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  ProposeDelete: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  IssueRefund: ['Case', 'Account', 'Opportunity'],
} as const;

/**
 * Amounts at and beside every literal the policies name, at the Long bound (2^53 / 10⁴ = 900719925474.0992),
 * the extremes a request allows, and anything between; only those the request validator accepts.
 */
const amount = fc
  .oneof(
    fc.constantFrom(0, -0.0001, 0.0001, 50, 50.0001, 75.5, 99.9999, 100, 100.0001, 999.9999, 1000, 1000.0001, -0.5, -0.5001),
    fc.constantFrom(900719925474.0991, 900719925474.0992, 900719925474.099, -900719925474.0991, -900719925474.0992, 922337203685476.9, 922337203685477, -922337203685477),
    fc.integer({ min: -20_000_000, max: 20_000_000 }).map((n) => n / 1e4),
    fc.integer({ min: -922_337_203_685, max: 922_337_203_685 }).map((n) => n * 1000 + 0.5),
  )
  .filter((n) => Math.round(n * 1e4) / 1e4 === n);

const request = fc
  .record({
    agentId: fc.constantFrom('agent-7', 'agent-8', 'a1'),
    team: fc.constantFrom('support', 'sales', 'ops', 'finance'),
    territories: fc.subarray(['EMEA', 'APAC', 'AMER']),
    tier: fc.constantFrom('standard', 'silver', 'gold'),
    maxRecords: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    action: fc.constantFrom(...(Object.keys(RESOURCE_TYPES) as (keyof typeof RESOURCE_TYPES)[])),
    typeIndex: fc.nat(),
    id: fc.option(fc.constantFrom('c1', '5001'), { nil: undefined }),
    fields: fc.subarray(['Id', 'FirstName', 'Email', 'Phone', 'Name', 'Description', 'NextStep', 'Subject', 'firstname', 'email', 'description', 'hs_next_step']),
    recordLimit: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(20, 21, 50, 199, 200, 201, 1_000_000)),
    crm: fc.constantFrom('salesforce', 'hubspot'),
    purpose: fc.constantFrom('support', 'sales', 'audit'),
    amount,
    currency: fc.constantFrom('USD', 'EUR', 'GBP', 'JPY', 'CHF'),
    unmaskedPii: fc.boolean(),
    now: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
  })
  .map((r) => toPolicyRequest(r, RESOURCE_TYPES[r.action]));

const shipped = bundleWith([]);
const shippedWhole = wholeSet(shipped, []);

describe('sliced evaluation', () => {
  it('decides every request on the shipped policies as the whole bundle does: decision, reasons, obligations, version', () => {
    const engine = PolicyEngine.fromBundles([shipped]);
    fc.assert(
      fc.property(request, (req) => {
        // Act
        const { decisionId, ...decision } = engine.evaluate(req);

        // Assess
        expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);
        expect(decision).toEqual(decideFrom(shipped.version, req, wholeOutcome(shipped, shippedWhole, req)));
      }),
      { numRuns: 1500 },
    );
  });

  it('finds the policies that hold and those that fail exactly as the whole bundle does, with policies of every shape added', () => {
    fc.assert(
      fc.property(fc.subarray(EXTRA_POLICIES, { minLength: 1 }), fc.array(request, { minLength: 1, maxLength: 25 }), (extra, requests) => {
        // Prepare
        const bundle = bundleWith(extra);
        const whole = wholeSet(bundle, extra);
        const engine = PolicyEngine.fromBundles([bundle]);
        for (const req of requests) {
          // Act
          const sliced = evaluatePolicies(bundle, req, req.context.now!);
          const { decisionId: _, ...decision } = engine.evaluate(req);

          // Assess
          const expected = wholeOutcome(bundle, whole, req);
          expect({ satisfied: sliced.satisfied.map((p) => p.id), errored: sliced.errored }).toEqual({
            satisfied: expected.satisfied.map((p) => p.id),
            errored: expected.errored,
          });
          expect(decision).toEqual(decideFrom(bundle.version, req, expected));
        }
      }),
      { numRuns: 80 },
    );
  });

  it('exercises what it compares: substitution, folding, team scopes, scaled amounts, currencies and failing policies', () => {
    // Prepare: requests chosen so that each rewrite decides something.
    const extended = bundleWith(EXTRA_POLICIES);
    const agent = { id: 'agent-8', team: 'support', territories: ['EMEA'], tier: 'gold' as const };
    const context = { fields: ['Id'], recordLimit: 5, crm: 'salesforce' as const, purpose: 'support', unmaskedPii: false, now: new Date('2025-06-02T15:00:00Z') };
    const holding = (bundle: PolicyBundle, req: Partial<PolicyRequest> & Pick<PolicyRequest, 'action' | 'resource'>, ctx: Partial<PolicyRequest['context']> = {}) => {
      const full = { agent, ...req, context: { ...context, ...ctx } };
      const { satisfied, errored } = evaluatePolicies(bundle, full, full.context.now);
      return [...satisfied.map((p) => p.id), ...errored.map((e) => `failed ${e.slice(0, e.indexOf(':'))}`)];
    };
    const r = { action: 'IssueRefund' as const, resource: { type: 'Case' as const, id: '1' } };
    const refund = (amount: number, currency = 'EUR') => ({ amount, currency });

    // Act + Assess: refunds compare as Longs, at the literals and past the Long bound.
    expect(holding(shipped, r, refund(100))).toEqual(['refund-gold-automatic', 'refund-with-approval']);
    expect(holding(shipped, r, refund(100.0001))).toEqual(['refund-with-approval']);
    expect(holding(shipped, r, refund(1000.0001))).toEqual(['refund-cap']);
    expect(holding(shipped, r, refund(922337203685477))).toEqual(['refund-cap']);
    expect(holding(shipped, { ...r, agent: { ...agent, tier: 'silver' } }, refund(100))).toEqual(['refund-with-approval']);
    // The currency is a plain string attribute: not substituted, read as given.
    expect(holding(shipped, r, refund(100, 'USD'))).toEqual(['refund-gold-automatic', 'refund-with-approval']);
    expect(holding(shipped, r, refund(100, 'JPY'))).toEqual(['refund-currency-without-limits']);
    expect(holding(shipped, r, refund(1000.0001, 'JPY'))).toEqual(['refund-cap', 'refund-currency-without-limits']);
    const o = { ...r, resource: { type: 'Opportunity' as const, id: '1' } };
    expect(holding(extended, o, refund(900719925474.0991))).toEqual(['refund-cap', 'x-refund-bounds', 'x-refund-reversed']);
    expect(holding(extended, o, refund(-900719925474.0992))).toEqual(['x-refund-bounds']);
    expect(holding(extended, o, refund(-0.0001))).toEqual(['x-refund-bounds']);
    // Team scopes: only the agent's team's policies apply; a named agent's permit follows it to any team.
    expect(holding(shipped, { action: 'Read', resource: { type: 'Contact' } })).toEqual(['support-read-contacts']);
    expect(holding(shipped, { agent: { ...agent, team: 'sales' }, action: 'Read', resource: { type: 'Contact' } })).toEqual([]);
    expect(holding(extended, { agent: { ...agent, team: 'ops' }, action: 'Read', resource: { type: 'Contact' } })).toEqual(['x-territory']);
    expect(holding(extended, { agent: { ...agent, id: 'agent-7', team: 'finance' }, action: 'Read', resource: { type: 'Lead' } }, { now: new Date('2025-06-02T09:00:00Z') })).toEqual(['x-named-agent']);
    // Substituted crm, unmaskedPii, tier: the HubSpot form grants on HubSpot only; unmasked reads escalate.
    expect(holding(shipped, { action: 'Read', resource: { type: 'Contact' } }, { crm: 'hubspot', fields: ['email'] })).toEqual(['support-read-contacts-hubspot']);
    expect(holding(shipped, { action: 'Read', resource: { type: 'Contact' } }, { unmaskedPii: true })).toEqual(['support-read-contacts', 'support-unmasked-read', 'unmasked-pii-needs-approval']);
    // Obligation annotations are conditions: a field outside @allowedFields, or too many records, and the permit does not hold.
    expect(holding(shipped, { action: 'Read', resource: { type: 'Contact' } }, { fields: ['Id', 'Birthdate'] })).toEqual([]);
    expect(holding(shipped, { action: 'Read', resource: { type: 'Contact' } }, { recordLimit: 201 })).toEqual(['support-bulk-read-needs-approval']);
    // A principal attribute read behind `has`: the agent's own record cap.
    expect(holding(shipped, { agent: { ...agent, maxRecords: 4 }, action: 'Read', resource: { type: 'Case' } })).toEqual(['agent-record-cap', 'support-read-cases']);
    expect(holding(shipped, { agent: { ...agent, maxRecords: 5 }, action: 'Read', resource: { type: 'Case' } })).toEqual(['support-read-cases']);
    // Arithmetic that overflows fails the policy, unless a constant false before it is never passed.
    expect(holding(extended, { action: 'ProposeCreate', resource: { type: 'Task' } }, { crm: 'hubspot' })).toEqual(['failed x-overflow']);
    expect(holding(extended, { action: 'ProposeCreate', resource: { type: 'Task' } })).toEqual([]);
    expect(holding(extended, { action: 'ProposeUpdate', resource: { type: 'Task' } })).toEqual(['failed x-overflow-first']);
    expect(holding(extended, { action: 'ProposeDelete', resource: { type: 'Note', id: 'n' } })).toEqual(['no-deletes', 'x-if', 'failed x-overflow-clauses']);
  });
});
