/** The house bundle, built for real by NodejsFunction (the other construct tests skip bundling). */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BridgeFunction, type BridgeFunctionProps } from '../../../lib/constructs/bridge-function';
import { BridgeKeys } from '../../../lib/constructs/keys';
import { BridgeNetwork } from '../../../lib/constructs/network';
import { ROOT } from '../bridge-fixtures';

const ENTRY = join(__dirname, 'fixtures', 'sdk-handler.ts');

/** Synthesizes one BridgeFunction around the SDK fixture and returns its bundle and source map. */
function bundled(bundling?: BridgeFunctionProps['bundling']): { code: string; map: { sources: string[]; sourcesContent?: unknown } } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'bridge-cdk-bundled-')), context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
  const stack = new Stack(app, 'Bundled');
  const keys = new BridgeKeys(stack, 'Keys');
  const network = new BridgeNetwork(stack, 'Network', { keys });
  network.allowS3Bucket(new s3.Bucket(stack, 'Data', { enforceSSL: true }));
  new BridgeFunction(stack, 'Fn', { entry: ENTRY, network, keys, reservedConcurrentExecutions: 1, invocation: 'synchronous', ...(bundling ? { bundling } : {}) });
  const assembly = app.synth();
  const asset = readdirSync(assembly.directory)
    .map((d) => join(assembly.directory, d))
    .find((d) => existsSync(join(d, 'index.mjs')))!;
  return {
    code: readFileSync(join(asset, 'index.mjs'), 'utf8'),
    map: JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown },
  };
}

describe('BridgeFunction bundling', () => {
  test('bundles the AWS SDK version the tests ran against, with source maps that name the sources without shipping them', () => {
    // Act
    const { code, map } = bundled();

    // Assess
    const sdkVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@aws-sdk/client-ssm/package.json'), 'utf8')) as { version: string }).version;
    expect(code).not.toMatch(/(from|import\()\s*["']@aws-sdk\//);
    expect(code).toContain(`"${sdkVersion}"`);
    expect(map.sources.some((s) => s.endsWith(relative(ROOT, ENTRY)))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  test('ships only the environment link of the SDK credential chain, none of its other sources or their STS/SSO clients', () => {
    // Act: a caller's own esbuild flags are kept beside the house alias
    const { map } = bundled({ esbuildArgs: { '--log-limit': '0' } });

    // Assess
    expect(map.sources.some((s) => s.endsWith('lambda/adapters/credentials-env.ts'))).toBe(true);
    expect(map.sources.some((s) => s.includes('@aws-sdk/credential-provider-env/'))).toBe(true);
    const otherLinks = /@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients|token-providers)\/|@smithy\/credential-provider-imds\//;
    expect(map.sources.filter((s) => otherLinks.test(s))).toEqual([]);
  });
});
