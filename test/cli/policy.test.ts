import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/policy';

const SHIPPED = join(__dirname, '../../policies');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-cli-'));
  cpSync(SHIPPED, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bridge policy', () => {
  it('test: prints PASS per case and exits 0 on the shipped policies', async () => {
    // Act
    const { code, out } = await run(['test', dir]);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/PASS {2}no deletes, ever → deny/);
    expect(out).toMatch(/\d+ passed, 0 failed/);
  });

  it('test: prints FAIL with what differed and exits 1 when a policy change breaks a case', async () => {
    // Prepare: raise the unattended read threshold from 10 to 50.
    const file = join(dir, 'support.cedar');
    writeFileSync(file, readFileSync(file, 'utf8').replace('context.recordLimit > 10', 'context.recordLimit > 50'));

    // Act
    const { code, out } = await run(['test', dir]);

    // Assess
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}11 contacts need approval → allow\n +decision: expected approval_required, got allow/);
    expect(out).toMatch(/1 failed/);
  });

  it('validate: exits 1 with Cedar message, file and line for an invalid policy', async () => {
    // Prepare
    writeFileSync(join(dir, 'broken.cedar'), '\n@id("broken") @reason("r")\npermit (principal, action, resource) when { principal.tierr == "gold" };\n');

    // Act
    const { code, err } = await run(['validate', dir]);

    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(/broken\.cedar:3: .*tierr/);
  });

  it('version: prints the content hash, which changes with any edit', async () => {
    // Prepare
    const before = await run(['version', dir]);
    writeFileSync(join(dir, 'guardrails.cedar'), readFileSync(join(dir, 'guardrails.cedar'), 'utf8') + '\n// reviewed\n');

    // Act
    const after = await run(['version', dir]);

    // Assess
    expect(before.out).toMatch(/^sha256-[A-Za-z0-9_-]{43}\neffectiveFrom 2025-01-01T00:00:00.000Z\n$/);
    expect(after.out.split('\n')[0]).not.toBe(before.out.split('\n')[0]);
  });

  it('explains usage with --help (exit 0) and on bad arguments (exit 2)', async () => {
    // Act
    const help = await run(['--help']);
    const bad = await run(['frobnicate']);
    const missingDir = await run(['test', join(dir, 'nope')]);

    // Assess
    expect(help).toMatchObject({ code: 0, out: expect.stringContaining('Usage: bridge policy') });
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('Unknown arguments: frobnicate') });
    expect(missingDir).toMatchObject({ code: 1, err: expect.stringContaining('Cannot read policy directory') });
  });
});
