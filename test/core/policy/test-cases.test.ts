import fc from 'fast-check';
import { loadBundleFromSources } from '../../../lambda/core/policy';
import { parsePolicyTestFile, runPolicyTests } from '../../../lambda/core/policy/test-cases';
import { combineObligations } from '../../../lambda/core/policy/obligations';
import type { PolicyMeta } from '../../../lambda/core/policy';
import { shippedSources, supportAgent } from './fixtures';

describe('policy test files', () => {
  it('rejects a malformed test file with its path and the offending key', () => {
    // Act + Assess
    expect(() => parsePolicyTestFile({ cases: [{ name: 'x', agent: 'a', action: 'Remove', resource: { type: 'Contact' }, expect: { decision: 'allow' } }] }, 't.json')).toThrow(
      /^t\.json: cases\.0\.action: /,
    );
    expect(() => parsePolicyTestFile({ cases: [] }, 't.json')).toThrow(/t\.json: cases/);
  });

  it('fails a case that names an unknown agent or cannot be evaluated, without stopping the others', () => {
    // Prepare
    const bundle = loadBundleFromSources(shippedSources());
    const file = parsePolicyTestFile(
      {
        agents: { s: supportAgent },
        defaults: { context: { fields: ['Id'], recordLimit: 1, crm: 'salesforce', purpose: 'support', unmaskedPii: false } },
        cases: [
          { name: 'ghost', agent: 'nobody', action: 'Read', resource: { type: 'Contact' }, expect: { decision: 'deny' } },
          { name: 'refund without amount', agent: 's', action: 'IssueRefund', resource: { type: 'Case', id: '1' }, expect: { decision: 'deny' } },
          { name: 'fine', agent: 's', action: 'Read', resource: { type: 'Case' }, expect: { decision: 'allow', obligations: { maxRecords: 200 } } },
        ],
      },
      't.json',
    );

    // Act
    const results = runPolicyTests(bundle, file);

    // Assess
    expect(results.map((r) => [r.name, r.passed, r.failures[0]])).toEqual([
      ['ghost', false, 'unknown agent "nobody" (define it under "agents")'],
      ['refund without amount', false, 'error: Policy request is invalid: IssueRefund needs context.amount'],
      ['fine', true, undefined],
    ]);
  });
});

describe('combineObligations', () => {
  const fieldSets = fc.uniqueArray(fc.constantFrom<string>('Id', 'Email', 'Phone', 'Name', 'Title'), { minLength: 1 });
  const permit = fc.record({
    allowedFields: fc.option(fieldSets, { nil: undefined }),
    maxRecords: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
  });

  it('never grants more than any one permit: fields within each allowlist, records within each cap', () => {
    // Act + Assess
    fc.assert(
      fc.property(fc.array(permit, { minLength: 1, maxLength: 4 }), (ps) => {
        const metas: PolicyMeta[] = ps.map((p, i) => ({ id: `p${i}`, file: 'f', effect: 'permit', reason: 'r', approval: false, ...p }));
        const o = combineObligations(metas, supportAgent);
        for (const p of ps) {
          if (p.allowedFields) expect(o.allowedFields!.every((f) => p.allowedFields!.includes(f))).toBe(true);
          if (p.maxRecords !== undefined) expect(o.maxRecords!).toBeLessThanOrEqual(p.maxRecords);
        }
        if (ps.every((p) => !p.allowedFields)) expect(o.allowedFields).toBeUndefined();
      }),
    );
  });
});
