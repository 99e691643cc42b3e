/**
 * cdk-nag 3 (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1, Serverless) over
 * the whole app: any finding that is not acknowledged next to its resource fails the test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { applyCompliancePacks } from '../../lib/bridge-stack';
import { BridgeFunction } from '../../lib/constructs/bridge-function';
import { DEFAULT_CONFIG, EGRESS_CONFIG, bridgeStack, configFrom, testApp, CfnJson } from '../lib/bridge-fixtures';

const PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'Serverless'];

interface Finding {
  pack: string;
  rule: string;
  path: string;
}

function findings(app: App): Finding[] {
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
  return report.pluginReports.flatMap((p: CfnJson) =>
    p.violations.flatMap((v: CfnJson) => v.violatingConstructs.map((c: CfnJson) => ({ pack: p.pluginName, rule: v.ruleName, path: c.constructPath }))),
  );
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('posture: cdk-nag packs', () => {
  test('the pack wiring reports findings from all five packs on an unhardened canary', () => {
    // Prepare
    const app = testApp();
    const canary = new Stack(app, 'Canary');
    new s3.Bucket(canary, 'PlainBucket');
    new lambda.Function(canary, 'PlainFunction', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=()=>1') });
    applyCompliancePacks(app);

    // Act
    const packs = new Set(findings(app).map((f) => f.pack));

    // Assess
    expect([...packs]).toEqual(expect.arrayContaining(PACKS));
  });

  const withSlack = (raw: CfnJson) => {
    raw.connectivity.domains.push('hooks.slack.com');
    raw.approvals = { slackWebhook: true };
  };
  test.each([
    ['the default config (PrivateLink)', DEFAULT_CONFIG, undefined],
    ['the allowlisted-egress config', EGRESS_CONFIG, undefined],
    ['the allowlisted-egress config with Slack approval notices', EGRESS_CONFIG, withSlack],
  ])('%s has zero unacknowledged findings, a house function included', (_name, configPath, patch) => {
    // Prepare
    const app = testApp();
    const stack = bridgeStack(configFrom(configPath, patch), app);
    for (const invocation of ['synchronous', 'asynchronous'] as const) {
      new BridgeFunction(stack, `Probe-${invocation}`, {
        entry: join(__dirname, '..', 'fixtures', 'echo-handler.ts'),
        network: stack.network,
        keys: stack.keys,
        reservedConcurrentExecutions: 1,
        invocation,
        reachCrm: true,
      });
    }
    applyCompliancePacks(app);

    // Act
    const unacknowledged = findings(app);
    // CDK acknowledges some of its own CloudFormation-Validate warnings; count only the five packs.
    const acks = acknowledgements(app).filter((a) => PACKS.some((p) => a.id.startsWith(`Annotation::${p}-`)));

    // Assess
    console.log(`${_name}: ${acks.length} acknowledgements\n${acks.map((a) => `  ${a.id} @ ${a.path}`).join('\n')}`);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(30);
    expect(unacknowledged).toEqual([]);
  });
});
