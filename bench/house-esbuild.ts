/**
 * The esbuild options NodejsFunction passes for the house bundling (HOUSE_BUNDLING in
 * lib/constructs/bridge-function.ts) on the Node 24 runtime: the benches measure code as it ships.
 */
import type { BuildOptions } from 'esbuild';
import { HOUSE_BUNDLING as HOUSE } from '../lib/constructs/bridge-function';

export const HOUSE_ESBUILD: BuildOptions = {
  format: HOUSE.format,
  platform: 'node',
  target: 'node24',
  mainFields: [...HOUSE.mainFields],
  minify: HOUSE.minify,
  sourcemap: HOUSE.sourceMap,
  sourcesContent: HOUSE.sourcesContent,
  external: HOUSE.bundleAwsSDK ? [] : ['@aws-sdk/*'],
  banner: { js: HOUSE.banner },
  // `--alias:FROM=TO` flags as NodejsFunction passes them.
  alias: Object.fromEntries(HOUSE.esbuildArgs['--alias'].map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])),
};
