import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BridgeError } from '../core/errors';
import { loadBundleFromSources, type BundleSources, type PolicyBundle } from '../core/policy';

/** Reads a bundle directory: schema.cedarschema, *.cedar, bundle.json ({ "effectiveFrom": ISO }). */
export async function readBundleSources(dir: string): Promise<BundleSources> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new BridgeError('VALIDATION_FAILED', `Cannot read policy directory ${dir}: ${e.code ?? e.message}`);
  });
  const read = (name: string) =>
    readFile(join(dir, name), 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new BridgeError('VALIDATION_FAILED', `Cannot read ${join(dir, name)}: ${e.code ?? e.message}`);
    });
  let manifest: { effectiveFrom?: unknown };
  try {
    manifest = JSON.parse(await read('bundle.json'));
  } catch (e) {
    throw e instanceof BridgeError ? e : new BridgeError('VALIDATION_FAILED', `${join(dir, 'bundle.json')} is not JSON: ${(e as Error).message}`);
  }
  if (typeof manifest?.effectiveFrom !== 'string') {
    throw new BridgeError('VALIDATION_FAILED', `${join(dir, 'bundle.json')} needs "effectiveFrom": an ISO 8601 date-time string`);
  }
  const policyFiles = names.filter((n) => n.endsWith('.cedar')).sort();
  return {
    schema: await read('schema.cedarschema'),
    policies: await Promise.all(policyFiles.map(async (name) => ({ name, text: await read(name) }))),
    effectiveFrom: manifest.effectiveFrom,
  };
}

export async function readBundleDir(dir: string): Promise<PolicyBundle> {
  return loadBundleFromSources(await readBundleSources(dir));
}
