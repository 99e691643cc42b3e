#!/usr/bin/env node
/** CDK app entry: config → stack → cdk-nag. `npx cdk synth -c config=PATH` picks another config file. */
import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { BridgeStack, applyCompliancePacks } from '../lib/bridge-stack';

const app = new App();
const configPath: string = app.node.tryGetContext('config') ?? DEFAULT_CONFIG_PATH;
try {
  const config = loadConfig(configPath);
  new BridgeStack(app, config.stackName, { config });
  applyCompliancePacks(app);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`Invalid deployment config (${err.problems.length} problem(s)):\n${err.message}`);
  process.exit(1);
}
