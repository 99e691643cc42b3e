/** Reads a bundle's policy tests; apart from policy-files.ts, so the functions that load a bundle do not carry the test schemas. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BridgeError } from '../core/errors';
import { parsePolicyTestFile, type PolicyTestFile } from '../core/policy/test-cases';

/** Policy test files: `<dir>/tests/*.json`, sorted by name. */
export async function readPolicyTests(dir: string): Promise<{ name: string; file: PolicyTestFile }[]> {
  const testDir = join(dir, 'tests');
  const names = (await readdir(testDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join(testDir, name);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(path, 'utf8'));
      } catch (e) {
        throw new BridgeError('VALIDATION_FAILED', `${path} is not JSON: ${(e as Error).message}`);
      }
      return { name, file: parsePolicyTestFile(json, path) };
    }),
  );
}
