/** Negative tests: insecure construct props throw with a message naming the flag or limit. */
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectivityConfig } from '../../../lib/config';
import { AuditVault } from '../../../lib/constructs/audit-vault';
import { BridgeFunction } from '../../../lib/constructs/bridge-function';
import { BridgeKeys } from '../../../lib/constructs/keys';
import { BridgeNetwork } from '../../../lib/constructs/network';
import { networkStack, testApp, CfnJson } from '../bridge-fixtures';

const ENTRY = join(__dirname, '..', '..', 'fixtures', 'echo-handler.ts');

function keysIn(app: App = testApp()): { stack: Stack; keys: BridgeKeys } {
  const stack = new Stack(app, 'Negative');
  return { stack, keys: new BridgeKeys(stack, 'Keys') };
}

describe('construct guards', () => {
  test('BridgeNetwork refuses allowlisted egress without acceptPublicEgressRisk', () => {
    // Prepare
    const { stack, keys } = keysIn();
    const risky = { mode: 'allowlistedEgress', domains: ['acme.my.salesforce.com'] } as unknown as ConnectivityConfig;

    // Act / Assess
    expect(() => new BridgeNetwork(stack, 'Network', { keys, crmConnectivity: risky })).toThrow(/pass acceptPublicEgressRisk: true/);
  });

  test('BridgeNetwork refuses fewer than two availability zones', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act / Assess
    expect(() => new BridgeNetwork(stack, 'Network', { keys, maxAzs: 1 })).toThrow(/maxAzs is 1; the bridge needs at least 2/);
  });

  test('BridgeNetwork fails synth when no bucket is admitted through the S3 endpoint', () => {
    // Prepare
    const { stack, keys } = keysIn();
    new BridgeNetwork(stack, 'Network', { keys });

    // Act / Assess
    expect(() => Template.fromStack(stack)).toThrow(/no bucket was registered with allowS3Bucket/);
  });

  test('AuditVault refuses GOVERNANCE retention without acceptGovernanceModeRisk', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act / Assess
    expect(() => new AuditVault(stack, 'Vault', { keys, retentionMode: 'GOVERNANCE' })).toThrow(/pass acceptGovernanceModeRisk: true/);
  });

  test('AuditVault accepts GOVERNANCE retention when the risk is accepted', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act
    new AuditVault(stack, 'Vault', { keys, retentionMode: 'GOVERNANCE', acceptGovernanceModeRisk: true, retentionDays: 30 });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
    });
  });

  test('AuditVault refuses a retention that is not a whole number of days', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act / Assess
    expect(() => new AuditVault(stack, 'Vault', { keys, retentionDays: 0 })).toThrow(/retentionDays is 0/);
  });

  test('BridgeFunction refuses zero reserved concurrency and CRM access without connectivity', () => {
    // Prepare
    const { stack, keys, network } = networkStack();
    const base = { entry: ENTRY, network, keys, invocation: 'synchronous' as const };

    // Act / Assess
    expect(() => new BridgeFunction(stack, 'Zero', { ...base, reservedConcurrentExecutions: 0 })).toThrow(/reservedConcurrentExecutions must be a whole number >= 1/);
    expect(() => new BridgeFunction(stack, 'Crm', { ...base, reservedConcurrentExecutions: 1, reachCrm: true })).toThrow(/reachCrm needs CRM connectivity/);
  });

  test('BridgeFunction enforces its security settings over caller props', () => {
    // Prepare
    const { stack, keys, network } = networkStack();
    const overrides = { runtime: 'nodejs18.x', tracing: 'PassThrough', architecture: 'x86_64', vpc: undefined, bundling: { format: 'cjs', minify: false } };

    // Act
    const fn = new BridgeFunction(stack, 'Fn', {
      ...(overrides as object),
      entry: ENTRY,
      network,
      keys,
      reservedConcurrentExecutions: 1,
      invocation: 'synchronous',
    } as ConstructorParameters<typeof BridgeFunction>[2]);

    // Assess
    const props = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as CfnJson)].Properties;
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.VpcConfig).toBeDefined();
  });

  test('BridgeFunction with reachCrm may reach the PrivateLink endpoint, and only it is admitted there', () => {
    // Prepare
    const app = testApp();
    const stack = new Stack(app, 'Crm');
    const keys = new BridgeKeys(stack, 'Keys');
    const network = new BridgeNetwork(stack, 'Network', {
      keys,
      crmConnectivity: { mode: 'privateLink', serviceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0', privateDnsEnabled: false },
    });
    network.allowS3Bucket(new AuditVault(stack, 'Vault', { keys }).bucket);
    const base = { entry: ENTRY, network, keys, reservedConcurrentExecutions: 1, invocation: 'synchronous' as const };
    const connector = new BridgeFunction(stack, 'Connector', { ...base, reachCrm: true });
    new BridgeFunction(stack, 'Other', base);

    // Act
    const ingress = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r: CfnJson) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(stack.resolve(network.crmEndpointSecurityGroup!.securityGroupId)),
    );

    // Assess
    expect(ingress.map((r: CfnJson) => r.Properties.SourceSecurityGroupId)).toEqual([stack.resolve(connector.securityGroup.securityGroupId)]);
  });
});
