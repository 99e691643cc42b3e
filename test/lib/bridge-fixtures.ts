/** Builds bridge stacks for tests: real config files, bundling skipped, validation report readable. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BridgeConfig, loadConfig, parseConfig } from '../../lib/config';
import { BridgeStack } from '../../lib/bridge-stack';
import { BridgeKeys } from '../../lib/constructs/keys';
import { BridgeNetwork } from '../../lib/constructs/network';

export const ROOT = join(__dirname, '..', '..');
export const DEFAULT_CONFIG = join(ROOT, 'bridge.config.json');
export const EGRESS_CONFIG = join(ROOT, 'test', 'fixtures', 'egress.config.json');

export function testApp(): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'bridge-cdk-')),
    context: {
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  });
}

export function configFrom(path: string, patch: (raw: Record<string, unknown>) => void = () => undefined): BridgeConfig {
  const raw = JSON.parse(JSON.stringify(loadConfig(path))) as Record<string, unknown>;
  patch(raw);
  return parseConfig(raw, path);
}

export function bridgeStack(config: BridgeConfig, app: App = testApp()): BridgeStack {
  return new BridgeStack(app, config.stackName, { config });
}

/** A bare stack with keys and a network, for construct tests. */
export function networkStack(): { app: App; stack: Stack; keys: BridgeKeys; network: BridgeNetwork } {
  const app = testApp();
  const stack = new Stack(app, 'ConstructTest');
  const keys = new BridgeKeys(stack, 'Keys');
  const network = new BridgeNetwork(stack, 'Network', { keys });
  network.allowS3Bucket(new s3.Bucket(stack, 'Data', { enforceSSL: true }));
  return { app, stack, keys, network };
}

/** Synthesized CloudFormation is untyped JSON; posture tests navigate it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CfnJson = any;
