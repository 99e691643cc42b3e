import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { loadBundleFromSources, PolicyEngine, type PolicyBundle } from '../../../lambda/core/policy';
import { readRequest, SCHEMA, shippedSources, supportAgent } from './fixtures';

const bundle = (policies: string, effectiveFrom = '2025-01-01T00:00:00Z'): PolicyBundle =>
  loadBundleFromSources({ schema: SCHEMA, effectiveFrom, policies: [{ name: 'test.cedar', text: policies }] });

const PERMIT_READ = `@id("read") @reason("reads allowed") permit (principal, action == Action::"Read", resource);`;

describe('PolicyEngine decisions', () => {
  it('denies by default with a readable reason when no policy permits', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([bundle(`@id("refund") @reason("r") permit (principal, action == Action::"IssueRefund", resource);`)]);

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('deny');
    expect(d.reasons).toEqual([{ policyId: 'bridge:default-deny', text: 'No policy permits Read on Contact for agent agent-1' }]);
    expect(d.obligations).toEqual({});
  });

  it('lets a forbid win over a permit, with or without approval on the permit', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([
      bundle(`${PERMIT_READ}
        @id("read-approved") @reason("with approval") @approval("required") permit (principal, action == Action::"Read", resource);
        @id("no-contacts") @reason("contacts are off limits") forbid (principal, action, resource is Contact);`),
    ]);

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('deny');
    expect(d.reasons.map((r) => r.policyId)).toEqual(['no-contacts']);
  });

  it('requires approval when only an @approval permit grants', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([
      bundle(`@id("read-approved") @reason("with approval") @approval("required") @maxRecords("7") permit (principal, action == Action::"Read", resource);`),
    ]);

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('approval_required');
    expect(d.reasons).toEqual([{ policyId: 'read-approved', text: 'with approval' }]);
    expect(d.obligations).toEqual({ maxRecords: 7 });
  });

  it('turns an @approval forbid into approval_required only when a permit grants', () => {
    // Prepare
    const escalation = `@id("pii") @reason("pii needs approval") @approval("required") forbid (principal, action, resource) when { context.unmaskedPii };`;
    const granted = PolicyEngine.fromBundles([bundle(`${PERMIT_READ} ${escalation}`)]);
    const notGranted = PolicyEngine.fromBundles([bundle(escalation)]);

    // Act
    const withPermit = granted.evaluate(readRequest({ unmaskedPii: true }));
    const withoutPii = granted.evaluate(readRequest({ unmaskedPii: false }));
    const withoutPermit = notGranted.evaluate(readRequest({ unmaskedPii: true }));

    // Assess
    expect(withPermit.decision).toBe('approval_required');
    expect(withPermit.reasons.map((r) => r.policyId)).toEqual(['pii', 'read']);
    expect(withoutPii.decision).toBe('allow');
    expect(withoutPermit.decision).toBe('deny');
  });

  it('makes @allowedFields and @maxRecords conditions of the permit, not just obligations', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([
      bundle(`@id("read") @reason("r") @allowedFields("Id, Email") @maxRecords("10") permit (principal, action == Action::"Read", resource);`),
    ]);

    // Act
    const inside = engine.evaluate(readRequest({ fields: ['Email'], recordLimit: 10 }));
    const extraField = engine.evaluate(readRequest({ fields: ['Email', 'Phone'] }));
    const tooMany = engine.evaluate(readRequest({ recordLimit: 11 }));

    // Assess
    expect(inside).toMatchObject({ decision: 'allow', obligations: { allowedFields: ['Email', 'Id'], maxRecords: 10 } });
    expect(extraField.decision).toBe('deny');
    expect(tooMany.decision).toBe('deny');
  });

  it('conjoins obligations of several permits: intersection, minimum, AND of filters, strictest masking', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([
      bundle(`
        @id("a") @reason("a") @allowedFields("Id, Email, Phone") @maxRecords("50") @rowFilter("Territory__c in principal.territories") @mask("EMAIL=mask, PHONE=allow")
        permit (principal, action == Action::"Read", resource);
        @id("b") @reason("b") @allowedFields("Id, Email") @maxRecords("20") @rowFilter("OwnerTeam__c eq principal.team and IsDeleted eq false") @mask("EMAIL=hash")
        permit (principal, action == Action::"Read", resource);`),
    ]);

    // Act
    const d = engine.evaluate(readRequest({ fields: ['Id'] }));

    // Assess
    expect(d.decision).toBe('allow');
    expect(d.obligations).toEqual({
      allowedFields: ['Email', 'Id'],
      maxRecords: 20,
      rowFilter: {
        and: [
          { field: 'Territory__c', op: 'in', value: ['EMEA'] },
          { field: 'OwnerTeam__c', op: 'eq', value: 'support' },
          { field: 'IsDeleted', op: 'eq', value: false },
        ],
      },
      maskingOverrides: { EMAIL: 'hash', PHONE: 'allow' },
    });
  });

  it('injects an empty territory list as a filter that matches nothing, never as no filter', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([bundle(`@id("a") @reason("a") @rowFilter("Territory__c in principal.territories") permit (principal, action, resource);`)]);

    // Act
    const d = engine.evaluate(readRequest({}, { ...supportAgent, territories: [] }));

    // Assess
    expect(d.obligations.rowFilter).toEqual({ field: 'Territory__c', op: 'in', value: [] });
  });

  it('exposes evaluation time to policies as context.hourUtc and weekdayUtc', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([
      bundle(`@id("office-hours") @reason("weekday office hours") permit (principal, action, resource)
        when { context.hourUtc >= 8 && context.hourUtc < 18 && context.weekdayUtc >= 1 && context.weekdayUtc <= 5 };`),
    ]);

    // Act
    const monday10 = engine.evaluate(readRequest({ now: new Date('2025-06-02T10:00:00Z') }));
    const monday20 = engine.evaluate(readRequest({ now: new Date('2025-06-02T20:00:00Z') }));
    const sunday10 = engine.evaluate(readRequest({ now: new Date('2025-06-01T10:00:00Z') }));

    // Assess
    expect([monday10.decision, monday20.decision, sunday10.decision]).toEqual(['allow', 'deny', 'deny']);
  });

  it('gives each decision a fresh id and the version of the bundle that decided', () => {
    // Prepare
    const b = bundle(PERMIT_READ);
    const engine = PolicyEngine.fromBundles([b]);

    // Act
    const [d1, d2] = [engine.evaluate(readRequest()), engine.evaluate(readRequest())];

    // Assess
    expect(d1.policyVersion).toBe(b.version);
    expect(d1.decisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(d1.decisionId).not.toBe(d2.decisionId);
  });
});

describe('PolicyEngine bundles over time', () => {
  const old = bundle(PERMIT_READ, '2025-01-01T00:00:00Z');
  const next = bundle(`@id("nothing") @reason("n") forbid (principal, action, resource);`, '2025-07-01T00:00:00Z');

  it('uses the latest bundle whose effectiveFrom has passed, so a change can be scheduled', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([next, old]);

    // Act
    const before = engine.evaluate(readRequest({ now: new Date('2025-06-30T23:59:59Z') }));
    const after = engine.evaluate(readRequest({ now: new Date('2025-07-01T00:00:00Z') }));

    // Assess
    expect(before).toMatchObject({ decision: 'allow', policyVersion: old.version });
    expect(after).toMatchObject({ decision: 'deny', policyVersion: next.version });
  });

  it('denies when no bundle is in force yet', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([next]);

    // Act
    const d = engine.evaluate(readRequest({ now: new Date('2025-06-01T00:00:00Z') }));

    // Assess
    expect(d).toMatchObject({ decision: 'deny', policyVersion: 'none', reasons: [{ policyId: 'bridge:no-bundle-in-force' }] });
  });

  it('refuses two different bundles with the same effectiveFrom', () => {
    // Prepare
    const clash = bundle(`@id("x") @reason("x") forbid (principal, action, resource);`, '2025-01-01T00:00:00Z');

    // Act
    const act = () => PolicyEngine.fromBundles([old, clash]);

    // Assess
    expect(act).toThrow(/share effectiveFrom/);
  });
});

describe('PolicyEngine shadow mode', () => {
  it('reports how a candidate bundle would decide without enforcing it', () => {
    // Prepare
    const active = bundle(`@id("read") @reason("r") @maxRecords("10") permit (principal, action == Action::"Read", resource);`);
    const candidate = bundle(`@id("read") @reason("r") @maxRecords("5") @approval("required") permit (principal, action == Action::"Read", resource);`);
    const engine = PolicyEngine.fromBundles([active], { shadow: candidate });

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('allow');
    expect(d.obligations.maxRecords).toBe(10);
    expect(d.shadow).toMatchObject({ policyVersion: candidate.version, decision: 'approval_required' });
    expect(d.shadow!.differences).toEqual(['decision: allow → approval_required', 'obligations.maxRecords: 10 → 5']);
  });

  it('reports agreement as no differences', () => {
    // Prepare
    const engine = PolicyEngine.fromBundles([bundle(PERMIT_READ)], { shadow: bundle(PERMIT_READ, '2030-01-01T00:00:00Z') });

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.shadow!.differences).toEqual([]);
  });

  it('never lets a candidate that cannot decide affect the enforced decision', () => {
    // Prepare: the candidate's schema drops IssueRefund's Contact... by not applying Read to Contact.
    const narrowSchema = SCHEMA.replace('resource: [Contact, Lead, Account, Opportunity, Case, Task, Note, User],', 'resource: [Lead],');
    const candidate = loadBundleFromSources({ schema: narrowSchema, effectiveFrom: '2025-01-01T00:00:00Z', policies: [{ name: 'p.cedar', text: PERMIT_READ }] });
    const engine = PolicyEngine.fromBundles([bundle(PERMIT_READ)], { shadow: candidate });

    // Act
    const d = engine.evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('allow');
    expect(d.shadow).toMatchObject({ decision: 'deny', reasons: [{ policyId: 'bridge:shadow-error' }] });
    expect(d.shadow!.differences).toEqual(['decision: allow → deny']);
  });
});

describe('PolicyEngine request validation', () => {
  const engine = PolicyEngine.fromBundles([loadBundleFromSources(shippedSources())]);

  it('rejects malformed requests with VALIDATION_FAILED, never a crash or a decision', () => {
    // Prepare
    const bad = fc.oneof(
      fc.record({ recordLimit: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true })) }),
      fc.record({ fields: fc.array(fc.string().filter((s) => !/^[A-Za-z_][A-Za-z0-9_.]{0,127}$/.test(s)), { minLength: 1, maxLength: 3 }) }),
      fc.record({ purpose: fc.string().filter((s) => !/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(s)) }),
      fc.record({ amount: fc.double({ noNaN: true, min: -1e6, max: 1e6 }) }),
      fc.record({ unmaskedPii: fc.constantFrom('yes', 1, null) as fc.Arbitrary<never> }),
    );

    // Act + Assess
    fc.assert(
      fc.property(bad, (overrides) => {
        const act = () => engine.evaluate(readRequest(overrides as never));
        expect(act).toThrow(BridgeError);
        try {
          act();
        } catch (e) {
          expect((e as BridgeError).code).toBe('VALIDATION_FAILED');
        }
      }),
    );
  });

  it('requires an amount exactly for amount actions and refuses actions on types the schema excludes', () => {
    // Prepare
    const refundWithoutAmount = { ...readRequest(), action: 'IssueRefund' as const, resource: { type: 'Case' as const, id: '1' } };
    const refundOnContact = { ...readRequest({ amount: 5, currency: 'EUR' }), action: 'IssueRefund' as const };

    // Act + Assess
    expect(() => engine.evaluate(refundWithoutAmount)).toThrow('IssueRefund needs context.amount');
    expect(() => engine.evaluate(readRequest({ amount: 5 }))).toThrow('Read takes no context.amount');
    expect(() => engine.evaluate(refundOnContact)).toThrow('IssueRefund does not apply to Contact');
  });

  it('requires an ISO 4217 currency beside the amount of an amount action, and refuses a currency anywhere else', () => {
    // Prepare
    const refund = (context: Parameters<typeof readRequest>[0]) => ({ ...readRequest(context), action: 'IssueRefund' as const, resource: { type: 'Case' as const, id: '1' } });

    // Act + Assess
    expect(() => engine.evaluate(refund({ amount: 5 }))).toThrow('IssueRefund needs context.currency');
    expect(() => engine.evaluate(refund({ amount: 5, currency: 'eur' }))).toThrow('must be an ISO 4217 code');
    expect(() => engine.evaluate(refund({ amount: 5, currency: 'EURO' }))).toThrow(BridgeError);
    expect(() => engine.evaluate(readRequest({ currency: 'EUR' }))).toThrow('Read takes no context.currency');
    expect(engine.evaluate(refund({ amount: 5, currency: 'EUR' })).decision).toBe('allow');
  });

  it('decides any well-formed request without throwing', () => {
    // Prepare
    const request = fc.record({
      fields: fc.array(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), { maxLength: 5 }),
      recordLimit: fc.integer({ min: 0, max: 1000 }),
      purpose: fc.constantFrom('support', 'sales', 'audit'),
      unmaskedPii: fc.boolean(),
      team: fc.constantFrom('support', 'sales', 'ops'),
      type: fc.constantFrom('Contact', 'Case', 'Lead', 'Task') as fc.Arbitrary<'Contact'>,
    });

    // Act + Assess
    fc.assert(
      fc.property(request, ({ team, type, ...ctx }) => {
        const d = engine.evaluate({ ...readRequest(ctx, { ...supportAgent, team }), resource: { type } });
        expect(['allow', 'deny', 'approval_required']).toContain(d.decision);
        expect(d.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
