/**
 * `bridge policy test|validate|version [DIR]`: for platform teams editing policies.
 * DIR defaults to ./policies (schema.cedarschema, *.cedar, bundle.json, tests/*.json).
 */
import { isBridgeError } from '../lambda/core/errors';
import { runPolicyTests } from '../lambda/core/policy/test-cases';
import { readBundleDir } from '../lambda/adapters/policy-files';
import { readPolicyTests } from '../lambda/adapters/policy-test-files';

const USAGE = `Usage: bridge policy <command> [DIR]

Commands:
  test [DIR]      validate the bundle, then run DIR/tests/*.json; exit 1 if any case fails
  validate [DIR]  validate the policies against the schema (Cedar strict mode)
  version [DIR]   print the bundle version (content hash) and effectiveFrom

DIR defaults to ./policies. Exit codes: 0 ok, 1 failed, 2 usage error.
`;

export async function main(args: string[]): Promise<number> {
  const [command, dir = 'policies', ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || args.includes('--help')) {
    (command === undefined ? process.stderr : process.stdout).write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!['test', 'validate', 'version'].includes(command) || rest.length) {
    process.stderr.write(`Unknown arguments: ${args.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    const bundle = await readBundleDir(dir);
    if (command === 'version') {
      process.stdout.write(`${bundle.version}\neffectiveFrom ${bundle.effectiveFrom.toISOString()}\n`);
      return 0;
    }
    process.stdout.write(`✓ ${dir}: ${bundle.policies.size} policies valid against the schema (version ${bundle.version})\n`);
    if (command === 'validate') return 0;

    const files = await readPolicyTests(dir);
    if (files.length === 0) {
      process.stderr.write(`No policy tests found in ${dir}/tests/*.json\n`);
      return 1;
    }
    let passed = 0;
    let failed = 0;
    for (const { name, file } of files) {
      process.stdout.write(`\n${name}${file.description ? ` — ${file.description}` : ''}\n`);
      for (const r of runPolicyTests(bundle, file)) {
        if (r.passed) passed++;
        else failed++;
        process.stdout.write(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.name}${r.decision ? ` → ${r.decision.decision}` : ''}\n`);
        for (const f of r.failures) process.stdout.write(`        ${f}\n`);
      }
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    return failed ? 1 : 0;
  } catch (e) {
    process.stderr.write(`✗ ${isBridgeError(e) ? e.message : String(e)}\n`);
    return 1;
  }
}
