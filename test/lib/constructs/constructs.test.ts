/** Negative tests: insecure construct props throw with a message naming the flag or limit. */
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectivityConfig } from '../../../lib/config';
import { AuditDigestJob } from '../../../lib/constructs/audit-digest-job';
import { AuditVault } from '../../../lib/constructs/audit-vault';
import { BridgeFunction } from '../../../lib/constructs/bridge-function';
import { CrmCredentials } from '../../../lib/constructs/crm-credentials';
import { DataTables } from '../../../lib/constructs/data-tables';
import { BridgeKeys } from '../../../lib/constructs/keys';
import { BridgeMonitoring } from '../../../lib/constructs/monitoring';
import { BridgeNetwork } from '../../../lib/constructs/network';
import { DEFAULT_CONFIG, bridgeStack, configFrom, networkStack, testApp, CfnJson } from '../bridge-fixtures';

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

  test('DataTables refuses a removal policy other than RETAIN without acceptDataLossRisk', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act / Assess
    expect(() => new DataTables(stack, 'Tables', { keys, removalPolicy: RemovalPolicy.DESTROY })).toThrow(/pass acceptDataLossRisk: true/);
  });

  test('DataTables with the data-loss risk accepted drops deletion protection and retention', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act
    new DataTables(stack, 'Tables', { keys, removalPolicy: RemovalPolicy.DESTROY, acceptDataLossRisk: true });

    // Assess
    const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table')) as CfnJson[];
    expect(tables).toHaveLength(3);
    for (const t of tables) {
      expect(t.Properties.DeletionProtectionEnabled).toBe(false);
      expect(t.DeletionPolicy).toBe('Delete');
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  test('CrmCredentials refuses an HMAC key shorter than 32 characters', () => {
    // Prepare
    const { stack, keys } = keysIn();
    const crm = { kind: 'salesforce' as const, instanceHost: 'acme.my.salesforce.com' };

    // Act / Assess
    expect(() => new CrmCredentials(stack, 'Creds', { keys, crm, hmacKeyLength: 16 })).toThrow(/hmacKeyLength is 16; the HMAC key needs at least 32/);
  });

  test('CrmCredentials creates placeholder credentials with the CRM token and instance URLs', () => {
    // Prepare
    const { stack, keys } = keysIn();

    // Act
    const creds = new CrmCredentials(stack, 'Creds', { keys, crm: { kind: 'hubspot', instanceHost: 'api.hubapi.com' } });

    // Assess
    const secret = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(creds.readUser.node.defaultChild as CfnJson)];
    const generate = secret.Properties.GenerateSecretString;
    expect(JSON.parse(generate.SecretStringTemplate)).toEqual({
      clientId: expect.stringMatching(/^REPLACE_/),
      tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
      instanceUrl: 'https://api.hubapi.com',
    });
    expect(generate.GenerateStringKey).toBe('clientSecret');
  });

  test('CrmCredentials.addRotation schedules both CRM secrets and lets only the rotation role read them besides their users', () => {
    // Prepare
    const { stack, keys, network } = networkStack();
    const creds = new CrmCredentials(stack, 'Creds', { keys, crm: { kind: 'salesforce', instanceHost: 'acme.my.salesforce.com' } });
    const rotation = new BridgeFunction(stack, 'Rotation', { entry: ENTRY, network, keys, reservedConcurrentExecutions: 1, invocation: 'synchronous' });

    // Act
    creds.addRotation(rotation, Duration.days(30));

    // Assess
    const template = Template.fromStack(stack);
    const schedules = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule')) as CfnJson[];
    expect(schedules.map((s) => s.Properties.SecretId.Ref).sort()).toEqual(
      [creds.readUser, creds.writeUser].map((s) => stack.getLogicalId(s.node.defaultChild as CfnJson)).sort(),
    );
    for (const s of schedules) expect(s.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    const rotationRole = stack.resolve(rotation.functionRole.roleArn);
    expect(creds.readersOf('write').map((a) => stack.resolve(a))).toContainEqual(rotationRole);
    expect(creds.readersOf('hmac').map((a) => stack.resolve(a))).not.toContainEqual(rotationRole);
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'secretsmanager.amazonaws.com' });
  });

  test('AuditDigestJob refuses a period that does not divide a day', () => {
    // Prepare
    const { stack, keys, network } = networkStack();
    const auditVault = new AuditVault(stack, 'Vault', { keys });
    const monitoring = new BridgeMonitoring(stack, 'Monitoring', { keys });

    // Act / Assess
    expect(() => new AuditDigestJob(stack, 'Digest', { network, keys, auditVault, monitoring, periodMinutes: 7, bridgeVersion: '1.0.0' })).toThrow(
      /periodMinutes is 7; it must be a whole number of minutes dividing 1440/,
    );
  });

  test('AgentApi refuses a runtime config that would not fit the Lambda environment', () => {
    // Prepare
    const config = configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
      for (let i = 0; i < 40; i++) raw.agents[`agent${i}`] = { createRole: true, actions: ['Read'], team: 'support', territories: ['EMEA'] };
    });

    // Act / Assess
    expect(() => bridgeStack(config)).toThrow(/runtime config is about \d+ bytes; Lambda environments hold at most 4 KB/);
  });
});
