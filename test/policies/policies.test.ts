import { join } from 'node:path';
import { readBundleDir } from '../../lambda/adapters/policy-files';
import { readPolicyTests } from '../../lambda/adapters/policy-test-files';
import { runPolicyTests } from '../../lambda/core/policy/test-cases';

// The shipped policies/ bundle: valid against its schema, and every case in policies/tests holds.
const DIR = join(__dirname, '../../policies');

describe('shipped policy bundle', () => {
  it('validates against the schema and runs every policy test case green', async () => {
    // Prepare
    const bundle = await readBundleDir(DIR);
    const files = await readPolicyTests(DIR);

    // Act
    const results = files.flatMap(({ name, file }) => runPolicyTests(bundle, file).map((r) => ({ file: name, ...r })));

    // Assess
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(results.filter((r) => !r.passed).map((r) => `${r.file}: ${r.name}: ${r.failures.join('; ')}`)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(20);
  });

  it('covers every decision outcome in its test cases', async () => {
    // Prepare
    const bundle = await readBundleDir(DIR);
    const files = await readPolicyTests(DIR);

    // Act
    const outcomes = new Set(files.flatMap(({ file }) => runPolicyTests(bundle, file).map((r) => r.decision?.decision)));

    // Assess
    expect([...outcomes].sort()).toEqual(['allow', 'approval_required', 'deny']);
  });
});
