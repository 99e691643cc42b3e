import fc from 'fast-check';
import { bundleVersion, loadBundleFromSources, PolicyEngine } from '../../../lambda/core/policy';
import { readRequest, SCHEMA, shippedSources } from './fixtures';

const load = (text: string, schema = SCHEMA) => () =>
  loadBundleFromSources({ schema, effectiveFrom: '2025-01-01T00:00:00Z', policies: [{ name: 'p.cedar', text }] });

describe('loadBundleFromSources', () => {
  it('fails with Cedar validation message, file and line for a policy that does not type-check', () => {
    // Prepare
    const text = `@id("ok") @reason("r") permit (principal, action, resource);\n\n@id("typo") @reason("r")\npermit (principal, action == Action::"Read", resource)\nwhen { context.recordLimits > 1 };`;

    // Act + Assess
    expect(load(text)).toThrow(/Policy bundle is invalid:\n {2}p\.cedar:5: .*recordLimits.*\[policy "typo"\]/);
  });

  it('refuses obligations the schema cannot carry: @maxRecords on an action whose context has no recordLimit', () => {
    // Prepare: the author's text type-checks; the condition @maxRecords adds does not.
    const schema = SCHEMA.replace(/type AmountContext = \{[^}]*\}/, (block) => block.replace(/\n\s*recordLimit: Long,[^\n]*/, ''));
    const text = `@id("refund") @reason("r") @maxRecords("5") permit (principal, action == Action::"IssueRefund", resource);`;

    // Act + Assess
    expect(schema).not.toBe(SCHEMA);
    expect(load(text, schema)).toThrow(/Policy bundle is invalid:\n.*recordLimit.*\[policy "refund"\]/);
  });

  it('fails with Cedar parse message for bad syntax and for a bad schema', () => {
    // Act + Assess
    expect(load('@id("x") @reason("r") permit (principal, action, resource) when { context. };')).toThrow(/p\.cedar:1: /);
    expect(load('@id("x") @reason("r") permit (principal, action, resource);', 'entity Agent {')).toThrow(/schema\.cedarschema/);
  });

  it('rejects missing or unknown annotations and obligations on forbids', () => {
    // Act + Assess
    expect(load('permit (principal, action, resource);')).toThrow('has no @id');
    expect(load('@id("x") permit (principal, action, resource);')).toThrow('has no @reason');
    expect(load('@id("x") @reason("r") @maxRecord("5") permit (principal, action, resource);')).toThrow('unknown annotation @maxRecord');
    expect(load('@id("x") @reason("r") @maxRecords("5") forbid (principal, action, resource);')).toThrow('belongs on a permit');
    expect(load('@id("x") @reason("r") @approval("yes") permit (principal, action, resource);')).toThrow('@approval takes only "required"');
    expect(load('@id("x") @reason("r") @maxRecords("0") permit (principal, action, resource);')).toThrow('@maxRecords must be');
    expect(load('@id("x") @reason("r") @mask("EMAIL=show") permit (principal, action, resource);')).toThrow('@mask action "show"');
    expect(load('@id("x") @reason("r") @rowFilter("Territory__c eq principal.territories") permit (principal, action, resource);')).toThrow('"in" takes principal.territories');
    expect(load('@id("x") @reason("r") @rowFilter("Owner like principal.id") permit (principal, action, resource);')).toThrow('operator "like"');
    expect(load('@id("x") @reason("r") permit (principal, action, resource);\n@id("x") @reason("r") forbid (principal, action, resource);')).toThrow('@id already used');
  });

  it('requires the schema to declare every bridge action', () => {
    // Prepare
    const schema = SCHEMA.replace('action IssueRefund appliesTo', 'action IssueCredit appliesTo');

    // Act + Assess
    expect(load('@id("x") @reason("r") permit (principal, action, resource);', schema)).toThrow('IssueRefund');
  });

  it('derives the version from content: stable across file order, changed by any edit', () => {
    // Prepare
    const sources = shippedSources();
    const reordered = { ...sources, policies: [...sources.policies].reverse() };

    // Act + Assess
    expect(bundleVersion(reordered)).toBe(bundleVersion(sources));
    expect(bundleVersion(sources)).toMatch(/^sha256-[A-Za-z0-9_-]{43}$/);
    fc.assert(
      fc.property(fc.nat({ max: sources.policies.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }), (i, extra) => {
        const edited = { ...sources, policies: sources.policies.map((p, j) => (j === i ? { ...p, text: p.text + extra } : p)) };
        expect(bundleVersion(edited)).not.toBe(bundleVersion(sources));
      }),
      { numRuns: 50 },
    );
    expect(bundleVersion({ ...sources, effectiveFrom: '2026-01-01T00:00:00Z' })).not.toBe(bundleVersion(sources));
  });

  it('denies when a policy errors at evaluation time, where plain Cedar would skip the forbid', () => {
    // Prepare: Long overflow passes validation but errors at runtime.
    const bundle = load(`@id("read") @reason("r") permit (principal, action, resource);
      @id("overflow") @reason("o") forbid (principal, action, resource) when { context.recordLimit * 4611686018427387904 > 0 };`)();

    // Act
    const d = PolicyEngine.fromBundles([bundle]).evaluate(readRequest());

    // Assess
    expect(d.decision).toBe('deny');
    expect(d.reasons[0].policyId).toBe('overflow');
    expect(d.reasons[0].text).toMatch(/failed to evaluate/);
  });
});
