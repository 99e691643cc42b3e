/**
 * Posture: the deployed functions take AWS credentials only from the environment Lambda sets. The house bundling
 * replaces the SDK's default credential chain (profiles, SSO, credential_process, web identity, container and
 * instance metadata) with its environment link, so no other source can be consulted and its code is not shipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HOUSE_BUNDLING, SDK_CREDENTIALS_ALIAS } from '../../lib/constructs/bridge-function';
import { ROOT } from '../lib/bridge-fixtures';

const DEFAULT_CHAIN = '@aws-sdk/credential-provider-node';

describe('posture: SDK credentials in the Lambda bundles', () => {
  it('aliases the default credential chain to an existing env-only provider in the house esbuild flags', () => {
    // Act
    const target = SDK_CREDENTIALS_ALIAS[DEFAULT_CHAIN];
    const flags = HOUSE_BUNDLING.esbuildArgs['--alias'];

    // Assess
    expect(flags).toContain(`${DEFAULT_CHAIN}=${target}`);
    expect(existsSync(target)).toBe(true);
    expect(target).toBe(join(ROOT, 'lambda', 'adapters', 'credentials-env.ts'));
  });

  it('replaces the module every bundled SDK client takes its default provider from', () => {
    // Prepare: the clients the handlers use
    const clients = ['client-dynamodb', 'client-kms', 'client-s3', 'client-secrets-manager', 'client-sfn', 'client-sns', 'client-ssm'];

    // Act
    const sources = clients.map((c) => readFileSync(join(ROOT, 'node_modules', '@aws-sdk', c, 'dist-es', 'runtimeConfig.js'), 'utf8'));

    // Assess
    for (const [i, source] of sources.entries()) {
      expect({ client: clients[i], importsDefaultChain: source.includes(`from "${DEFAULT_CHAIN}"`) }).toEqual({ client: clients[i], importsDefaultChain: true });
    }
  });

  it('offers the same export the clients import from the default chain', async () => {
    // Act
    const provider = (await import(SDK_CREDENTIALS_ALIAS[DEFAULT_CHAIN])) as Record<string, unknown>;
    const chain = (await import(DEFAULT_CHAIN)) as Record<string, unknown>;

    // Assess
    expect(typeof provider.defaultProvider).toBe('function');
    expect(typeof chain.defaultProvider).toBe('function');
  });

  it('gives a bundled SDK client the environment credentials and no other source', async () => {
    // Prepare: a client as the handlers build one, bundled with the house alias; a profile that must not be read
    const dir = mkdtempSync(join(tmpdir(), 'bridge-sdk-credentials-'));
    writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\n');
    writeFileSync(join(dir, 'credentials'), '[default]\naws_access_key_id = AKIAFROMPROFILE\naws_secret_access_key = from-profile\n');
    const outfile = join(dir, 'index.mjs');
    await build({
      stdin: {
        contents: "import { SSMClient } from '@aws-sdk/client-ssm'; new SSMClient({ region: 'us-east-1' }).config.credentials().then((c) => console.log(c.accessKeyId), (e) => console.log('refused: ' + e.message));",
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      outfile,
      platform: 'node',
      format: 'esm',
      mainFields: [...HOUSE_BUNDLING.mainFields],
      banner: { js: HOUSE_BUNDLING.banner },
      alias: SDK_CREDENTIALS_ALIAS,
      logLevel: 'silent',
    });
    const profileEnv = { PATH: process.env.PATH, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [outfile], { env, encoding: 'utf8' }).stdout.trim();

    // Act
    const lambdaLike = run({ ...profileEnv, AWS_ACCESS_KEY_ID: 'ASIAFROMENV', AWS_SECRET_ACCESS_KEY: 'from-env', AWS_SESSION_TOKEN: 'token' });
    const profileOnly = run(profileEnv);

    // Assess
    expect(lambdaLike).toBe('ASIAFROMENV');
    expect(profileOnly).toMatch(/^refused: .*environment variable credentials/);
  });
});
