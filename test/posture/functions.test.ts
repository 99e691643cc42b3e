/**
 * Security invariant: every Lambda runs in isolated subnets, with reserved concurrency, a DLQ
 * where async, an explicit memory size, a KMS-encrypted log group with retention, and tracing.
 * Pinned on the house construct every bridge function is built with, and on the whole stack.
 */
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULTS } from '../../lib/config';
import { BridgeFunction, FUNCTION_DEFAULTS } from '../../lib/constructs/bridge-function';
import { BridgeNetwork } from '../../lib/constructs/network';
import { FUNCTIONS } from '../../lambda/core/constants';
import { DEFAULT_CONFIG, bridgeStack, configFrom, networkStack, CfnJson } from '../lib/bridge-fixtures';

const ENTRY = join(__dirname, '..', 'fixtures', 'echo-handler.ts');
/**
 * CDK's deploy-time providers, invoked only by CloudFormation (the AwsCustomResource singleton
 * and the restrict-default-SG provider); the README (Infrastructure) explains why they run outside the VPC.
 */
const DEPLOY_TIME_PROVIDERS = ['AWS679f53fac002430cb0da5b7982bd2287', 'CustomVpcRestrictDefaultSGCustomResourceProvider'];

type Resource = { Type: string; Properties: Record<string, CfnJson> };

describe('posture: Lambda functions (BridgeFunction house defaults)', () => {
  let template: Template;
  let stack: Stack;
  let network: BridgeNetwork;
  let sync: BridgeFunction;
  let async: BridgeFunction;
  beforeAll(() => {
    const built = networkStack();
    stack = built.stack;
    network = built.network;
    sync = new BridgeFunction(stack, 'Sync', { entry: ENTRY, network, keys: built.keys, reservedConcurrentExecutions: 5, invocation: 'synchronous' });
    async = new BridgeFunction(stack, 'Async', {
      entry: ENTRY,
      network,
      keys: built.keys,
      reservedConcurrentExecutions: 2,
      invocation: 'asynchronous',
      memorySize: 256,
    });
    template = Template.fromStack(stack);
  });

  function fn(f: BridgeFunction): Resource {
    return template.toJSON().Resources[stack.getLogicalId(f.node.defaultChild as CfnJson)];
  }

  test('runs in the isolated workload subnets with its own security group', () => {
    // Prepare
    const subnetIds = network.vpc.selectSubnets(network.workloadSubnets).subnetIds.map((id) => stack.resolve(id));

    // Act / Assess
    for (const f of [sync, async]) {
      expect(fn(f).Properties.VpcConfig.SubnetIds).toEqual(subnetIds);
      expect(fn(f).Properties.VpcConfig.SecurityGroupIds).toEqual([stack.resolve(f.securityGroup.securityGroupId)]);
    }
  });

  test('its security group allows only HTTPS egress to the VPC endpoints and gateway prefix lists', () => {
    // Prepare
    const sg = template.toJSON().Resources[stack.getLogicalId(sync.securityGroup.node.defaultChild as CfnJson)] as Resource;
    const egress = (Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')) as Resource[]).filter(
      (r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(stack.resolve(sync.securityGroup.securityGroupId)),
    );

    // Act
    const inline = (sg.Properties.SecurityGroupEgress ?? []) as CfnJson[];

    // Assess
    for (const rule of [...inline.map((r) => r), ...egress.map((r) => r.Properties)]) {
      expect(rule.CidrIp).not.toBe('0.0.0.0/0');
      expect([rule.IpProtocol, rule.FromPort, rule.ToPort]).toEqual(['tcp', 443, 443]);
    }
    expect(egress.map((r) => r.Properties.DestinationSecurityGroupId)).toContainEqual(stack.resolve(network.endpointSecurityGroup.securityGroupId));
    expect([...inline, ...egress.map((r) => r.Properties)].filter((r) => r.DestinationPrefixListId)).toHaveLength(2);
  });

  test('has reserved concurrency, an explicit memory size and timeout, ARM64 and active tracing', () => {
    // Prepare / Act / Assess
    expect(fn(sync).Properties).toMatchObject({
      ReservedConcurrentExecutions: 5,
      MemorySize: FUNCTION_DEFAULTS.memorySize,
      Timeout: FUNCTION_DEFAULTS.timeout.toSeconds(),
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
    expect(fn(async).Properties.MemorySize).toBe(256);
  });

  test('logs to its own KMS-encrypted log group with retention', () => {
    // Prepare
    const groupId = fn(sync).Properties.LoggingConfig.LogGroup.Ref as string;

    // Act
    const group = template.toJSON().Resources[groupId] as Resource;

    // Assess
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('KeysLogs');
    expect(group.Properties.RetentionInDays).toBe(DEFAULTS.logs.retentionDays);
  });

  test('an asynchronously invoked function has a dead-letter queue encrypted with the data key', () => {
    // Prepare
    const target = fn(async).Properties.DeadLetterConfig.TargetArn;

    // Act / Assess
    expect(JSON.stringify(target)).toContain(stack.getLogicalId(async.deadLetterQueue!.node.defaultChild as CfnJson));
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('KeysData'), 'Arn'] }) });
    expect(fn(sync).Properties.DeadLetterConfig).toBeUndefined();
  });

  test('ships a minified ESM bundle with source maps enabled at runtime', () => {
    // Prepare / Act / Assess
    expect(fn(sync).Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(fn(sync).Properties.Handler).toBe('index.handler');
  });
});

describe('posture: every Lambda function of the bridge stack', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  let functions: [string, Resource][];
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    resources = Template.fromStack(stack).toJSON().Resources;
    functions = Object.entries(resources).filter(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && !DEPLOY_TIME_PROVIDERS.some((p) => id.startsWith(p)),
    );
  });

  test('the bridge functions are one per role of FUNCTIONS, the digest job, the rotation function and the gateway-refusal auditor', () => {
    // Prepare
    const expected = [
      ...Object.values(stack.agentApi.functions),
      ...Object.values(stack.approvalFlow.functions),
      stack.digestJob.function,
      stack.rotation.function,
      stack.gatewayRefusals.function,
    ];

    // Act
    const ids = functions.map(([id]) => id).sort();

    // Assess
    expect(Object.keys({ ...stack.agentApi.functions, ...stack.approvalFlow.functions }).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    expect(ids).toEqual(expected.map((f) => stack.getLogicalId(f.node.defaultChild as CfnJson)).sort());
  });

  test('each runs in isolated subnets with reserved concurrency, explicit memory, tracing and an encrypted log group with retention', () => {
    // Prepare
    const subnets = stack.network.vpc.selectSubnets(stack.network.workloadSubnets).subnetIds.map((s) => stack.resolve(s));

    // Act / Assess
    for (const [, fn] of functions) {
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(subnets);
      expect(fn.Properties.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(1);
      expect(typeof fn.Properties.MemorySize).toBe('number');
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const group = resources[fn.Properties.LoggingConfig.LogGroup.Ref];
      expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('KeysLogs');
      expect(group.Properties.RetentionInDays).toBe(DEFAULTS.logs.retentionDays);
    }
  });

  test('each function invoked asynchronously (by EventBridge) has a dead-letter queue or on-failure destination', () => {
    // Prepare
    const targets = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .flatMap((r) => (r.Properties.Targets as CfnJson[]).map((t) => t.Arn['Fn::GetAtt']?.[0]));
    const onFailure = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties.DestinationConfig?.OnFailure)
      .map((r) => r.Properties.FunctionName.Ref);

    // Act
    const unguarded = targets.filter((id) => !resources[id].Properties.DeadLetterConfig && !onFailure.includes(id));

    // Assess
    expect(targets.length).toBeGreaterThan(0);
    expect(unguarded).toEqual([]);
  });
});
