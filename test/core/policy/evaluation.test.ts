/**
 * The engine asks Cedar once per request, on a slice of the bundle for the request's action,
 * resource type, team and few-valued attributes (slice.ts), with every policy preparsed as a permit,
 * only the attributes the slice reads, and recent answers remembered. None of that may change which policies hold: this compares it, policy by
 * policy, with plain Cedar given each policy alone and the whole request.
 */
import fc from 'fast-check';
import { loadBundleFromSources, POLICY_ACTIONS, PolicyEngine, type PolicyAction, type PolicyBundle, type PolicyRequest } from '../../../lambda/core/policy';
import { attributeUse } from '../../../lambda/core/policy/attributes';
import { cedar } from '../../../lambda/core/policy/cedar';
import { evaluatePolicies } from '../../../lambda/core/policy/engine';
import { SCHEMA, wholeCedarRequest, toPolicyRequest } from './fixtures';

const APPLIES: Record<PolicyAction, string[]> = {
  Read: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note', 'User'],
  ProposeCreate: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  ProposeUpdate: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  ProposeDelete: ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note'],
  IssueRefund: ['Case', 'Account', 'Opportunity'],
};

/** Conditions over every context and principal attribute, including ones that fail to evaluate. */
const atom = fc.oneof(
  fc.integer({ min: 0, max: 60 }).map((n) => `context.recordLimit > ${n}`),
  fc.constantFrom('support', 'sales').map((p) => `context.purpose == "${p}"`),
  fc.constantFrom('Email', 'Phone').map((f) => `context.fields.contains("${f}")`),
  fc.constant('context.unmaskedPii'),
  fc.integer({ min: 0, max: 23 }).map((h) => `context.hourUtc < ${h}`),
  fc.integer({ min: 0, max: 6 }).map((d) => `context.weekdayUtc == ${d}`),
  fc.constant('context.crm == "hubspot"'),
  fc.constant('principal.tier == "gold"'),
  fc.constantFrom('EMEA', 'APAC').map((t) => `principal.territories.contains("${t}")`),
  fc.integer({ min: 1, max: 60 }).map((n) => `(principal has maxRecords && principal.maxRecords < ${n})`),
  fc.constant('resource is Contact'),
  fc.constant('context.recordLimit * 4611686018427387904 > 0'),
  fc.constant('(if context.unmaskedPii then principal.tier == "silver" else context.recordLimit < 5)'),
  fc.constant('{ p: context.purpose }.p == "support"'),
  fc.constantFrom('salesforce', 'hubspot').map((c) => `context.crm == "${c}"`),
  fc.constantFrom('standard', 'silver').map((t) => `"${t}" != principal.tier`),
  fc.constant('(context has crm && principal has tier)'),
  fc.constantFrom('support', 'sales').map((t) => `principal in Team::"${t}"`),
  fc.constant('!context.unmaskedPii'),
);
const condition = fc
  .tuple(atom, fc.option(fc.tuple(fc.constantFrom('&&', '||'), atom), { nil: undefined }), fc.boolean())
  .map(([a, more, negate]) => `${negate ? '!' : ''}(${a}${more ? ` ${more[0]} ${more[1]}` : ''})`);

const policy = fc.record({
  effect: fc.constantFrom('permit', 'forbid'),
  approval: fc.boolean(),
  principal: fc.constantFrom(
    'principal',
    'principal in Team::"support"',
    'principal in Team::"sales"',
    'principal is Agent in Team::"support"',
    'principal == Agent::"a1"',
    'principal in Agent::"a2"',
    'principal is Agent',
  ),
  action: fc.constantFrom('action', 'action == Action::"Read"', 'action == Action::"ProposeUpdate"', 'action in [Action::"Read", Action::"ProposeCreate"]'),
  resource: fc.constantFrom('resource', 'resource is Contact', 'resource is Case', 'resource == Case::"c1"', 'resource in Case::"c1"'),
  conditions: fc.array(fc.tuple(fc.constantFrom('when', 'unless'), condition), { maxLength: 2 }),
  allowedFields: fc.option(fc.subarray(['Id', 'Email', 'Phone'], { minLength: 1 }), { nil: undefined }),
  maxRecords: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
});
type Policy = typeof policy extends fc.Arbitrary<infer P> ? P : never;

function text(p: Policy, i: number): string {
  const obligations = p.effect === 'permit' ? p : { allowedFields: undefined, maxRecords: undefined };
  return [
    `@id("p${i}") @reason("r${i}")`,
    p.approval ? '@approval("required")' : '',
    obligations.allowedFields ? `@allowedFields("${obligations.allowedFields.join(', ')}")` : '',
    obligations.maxRecords ? `@maxRecords("${obligations.maxRecords}")` : '',
    `${p.effect} (${p.principal}, ${p.action}, ${p.resource})`,
    ...p.conditions.map(([kind, c]) => `${kind} { ${c} }`),
    ';',
  ].join(' ');
}

/** The same policy with its obligation annotations written out as the conditions they are. */
function plainText(p: Policy, i: number): string {
  const extra = [
    p.effect === 'permit' && p.allowedFields ? `when { [${p.allowedFields.map((f) => `"${f}"`).join(', ')}].containsAll(context.fields) }` : '',
    p.effect === 'permit' && p.maxRecords ? `when { context.recordLimit <= ${p.maxRecords} }` : '',
  ];
  return text(p, i).replace(/;$/, `${extra.join(' ')};`);
}

const request = fc
  .record({
    agentId: fc.constantFrom('a1', 'a2'),
    team: fc.constantFrom('support', 'sales', 'ops'),
    territories: fc.subarray(['EMEA', 'APAC']),
    tier: fc.constantFrom('standard', 'silver', 'gold'),
    maxRecords: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    action: fc.constantFrom(...POLICY_ACTIONS),
    typeIndex: fc.nat(),
    id: fc.option(fc.constantFrom('c1', 'c2'), { nil: undefined }),
    fields: fc.subarray(['Id', 'Email', 'Phone', 'Name']),
    recordLimit: fc.integer({ min: 0, max: 60 }),
    crm: fc.constantFrom('salesforce', 'hubspot'),
    purpose: fc.constantFrom('support', 'sales'),
    amount: fc.integer({ min: -100, max: 2000 }).map((n) => n / 4),
    currency: fc.constantFrom('EUR', 'USD', 'JPY'),
    unmaskedPii: fc.boolean(),
    now: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }),
  })
  .map((r) => toPolicyRequest(r, APPLIES[r.action]));

/** Plain Cedar on policy text: the whole context, every principal attribute, the text parsed afresh. */
function plainCedar(policyText: string, req: PolicyRequest): { allowed: boolean; satisfied: boolean; errored: boolean } {
  const answer = cedar.isAuthorized({
    ...wholeCedarRequest(req),
    policies: { staticPolicies: policyText },
  });
  if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
  const { decision, diagnostics } = answer.response;
  return { allowed: decision === 'allow', satisfied: diagnostics.reason.length > 0, errored: diagnostics.errors.length > 0 };
}

function load(policies: Policy[]): PolicyBundle | undefined {
  try {
    return loadBundleFromSources({ schema: SCHEMA, effectiveFrom: '2025-01-01T00:00:00Z', policies: [{ name: 'gen.cedar', text: policies.map(text).join('\n') }] });
  } catch {
    return undefined; // strict validation refused the combination: nothing to compare
  }
}

describe('policy evaluation', () => {
  it('allows exactly what plain Cedar allows on the whole set, and denies whatever fails to evaluate (no @approval)', () => {
    fc.assert(
      fc.property(fc.array(policy.map((p) => ({ ...p, approval: false })), { minLength: 1, maxLength: 6 }), fc.array(request, { minLength: 1, maxLength: 4 }), (policies, requests) => {
        // Prepare
        const bundle = load(policies);
        fc.pre(bundle !== undefined);
        const engine = PolicyEngine.fromBundles([bundle!]);
        for (const req of requests) {
          // Act
          const { decision } = engine.evaluate(req);

          // Assess
          const plain = plainCedar(policies.map(plainText).join('\n'), req);
          expect(decision).toBe(plain.allowed && !plain.errored ? 'allow' : 'deny');
        }
      }),
      { numRuns: 60 },
    );
  });

  it('finds exactly the policies plain Cedar finds satisfied or failing, one by one, for any set and request', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 6 }), fc.array(request, { minLength: 1, maxLength: 6 }), (policies, requests) => {
        // Prepare
        const bundle = load(policies);
        fc.pre(bundle !== undefined);
        for (const req of [...requests, ...requests]) {
          // Act: each request twice, so remembered answers are compared too.
          const { satisfied, errored } = evaluatePolicies(bundle!, req, req.context.now!);

          // Assess
          const expected = policies.map((p, i) => ({ id: `p${i}`, ...plainCedar(plainText(p, i), req) }));
          expect(satisfied.map((p) => p.id)).toEqual(expected.filter((e) => e.satisfied).map((e) => e.id).sort());
          expect(errored.map((e) => e.slice(0, e.indexOf(':'))).sort()).toEqual(expected.filter((e) => e.errored).map((e) => e.id).sort());
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('attributeUse', () => {
  const json = (policyText: string) => {
    const answer = cedar.policyToJson(policyText);
    if (answer.type === 'failure') throw new Error(answer.errors[0].message);
    return answer.json;
  };

  it('names the context attributes read, and every attribute name read on anything', () => {
    // Act
    const use = attributeUse([
      json('permit (principal, action, resource) when { context.purpose == "x" && principal.tier == "gold" && context has hourUtc };'),
      json('forbid (principal, action, resource) when { decimal("1.0").lessThan(context.amount) && resource.owner.team == "t" };'),
    ]);

    // Assess
    expect(use).toEqual({
      context: new Set(['purpose', 'hourUtc', 'amount']),
      anywhere: new Set(['purpose', 'tier', 'hourUtc', 'amount', 'owner', 'team']),
      ancestors: false,
    });
  });

  it('notes a test of ancestry, which needs the principal\'s team', () => {
    // Act
    const inTeam = attributeUse([json('permit (principal, action, resource) when { principal in Team::"sales" };')]);
    const isIn = attributeUse([json('permit (principal, action, resource) when { principal is Agent in Team::"sales" };')]);

    // Assess
    expect([inTeam.ancestors, isIn.ancestors]).toEqual([true, true]);
  });

  it('keeps the whole context when a policy uses it other than by attribute', () => {
    // Act
    const use = attributeUse([json('permit (principal, action, resource) when { context == { purpose: "x" } };')]);

    // Assess
    expect(use.context).toBe('all');
  });

  it('keeps everything when a policy holds an expression it does not know', () => {
    // Prepare
    const policy = json('permit (principal, action, resource) when { context.purpose == "x" };');
    const unknown = { ...policy, conditions: [{ kind: 'when' as const, body: { futureOperator: { arg: { Var: 'context' } } } as never }] };

    // Act
    const use = attributeUse([unknown]);

    // Assess
    expect(use).toEqual({ context: 'all', anywhere: 'all', ancestors: true });
  });
});
