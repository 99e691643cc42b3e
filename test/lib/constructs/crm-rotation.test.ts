/** CrmRotation: the rotation function on both CRM secrets, on the configured schedule, with only the four steps' rights. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ConnectivityConfig, DEFAULTS } from '../../../lib/config';
import { CrmCredentials } from '../../../lib/constructs/crm-credentials';
import { CrmRotation } from '../../../lib/constructs/crm-rotation';
import { BridgeKeys } from '../../../lib/constructs/keys';
import { BridgeNetwork } from '../../../lib/constructs/network';
import { ENV } from '../../../lambda/core/constants';
import { parseRuntimeConfig } from '../../../lambda/core/runtime-config';
import { CfnJson, testApp } from '../bridge-fixtures';

const PRIVATE_LINK = { mode: 'privateLink', serviceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0', privateDnsEnabled: false } as ConnectivityConfig;
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function build(kind: 'salesforce' | 'hubspot', rotationDays?: number) {
  const stack = new Stack(testApp(), 'RotationTest');
  const keys = new BridgeKeys(stack, 'Keys');
  const network = new BridgeNetwork(stack, 'Network', { keys, crmConnectivity: PRIVATE_LINK });
  network.allowS3Bucket(new s3.Bucket(stack, 'Data', { enforceSSL: true }));
  const credentials = new CrmCredentials(stack, 'Creds', { keys, crm: { kind, instanceHost: 'acme.my.salesforce.com' } });
  const rotation = new CrmRotation(stack, 'Rotation', { network, keys, credentials, crm: { kind, instanceHost: 'acme.my.salesforce.com' }, rotationDays });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: CfnJson }>;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  return { stack, keys, network, credentials, rotation, resources, id };
}

describe('CrmRotation', () => {
  test('schedules both CRM secrets every rotationDays with the rotation function, first rotation on schedule', () => {
    // Prepare / Act
    const { credentials, rotation, resources, id } = build('salesforce', 7);

    // Assess
    const schedules = Object.values(resources).filter((r) => r.Type === 'AWS::SecretsManager::RotationSchedule');
    expect(schedules.map((s) => s.Properties.SecretId.Ref).sort()).toEqual([id(credentials.readUser), id(credentials.writeUser)].sort());
    for (const s of schedules) {
      expect(s.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(7 days)' });
      expect(s.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [id(rotation.function), 'Arn'] });
      expect(s.Properties.RotateImmediatelyOnUpdate).toBe(false);
    }
  });

  test('defaults to DEFAULTS.rotationDays and writes "1 day" in the singular Secrets Manager expects', () => {
    // Prepare / Act
    const defaults = build('hubspot');
    const daily = build('hubspot', 1);

    // Assess
    const expression = (r: ReturnType<typeof build>) =>
      Object.values(r.resources).find((x) => x.Type === 'AWS::SecretsManager::RotationSchedule')!.Properties.RotationRules.ScheduleExpression;
    expect(defaults.rotation.rotationDays).toBe(DEFAULTS.rotationDays);
    expect(expression(defaults)).toBe(`rate(${DEFAULTS.rotationDays} days)`);
    expect(expression(daily)).toBe('rate(1 day)');
  });

  test.each([0, 1.5, 1001])('refuses rotationDays %p', (days) => {
    // Act / Assess
    expect(() => build('salesforce', days)).toThrow(/rotationDays is .*; it must be a whole number of days from 1 to 1000/);
  });

  test('Secrets Manager may invoke the function for these two secrets only', () => {
    // Prepare / Act
    const { credentials, rotation, resources, id } = build('salesforce');

    // Assess
    const permissions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission');
    expect(permissions.map((p) => p.Properties.Principal)).toEqual(['secretsmanager.amazonaws.com', 'secretsmanager.amazonaws.com']);
    expect(permissions.map((p) => p.Properties.SourceArn.Ref).sort()).toEqual([id(credentials.readUser), id(credentials.writeUser)].sort());
    for (const p of permissions) expect(p.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [id(rotation.function), 'Arn'] });
  });

  test.each(['salesforce', 'hubspot'] as const)('%s: the role holds the four steps’ rights on its secrets, and nothing on any other secret', (kind) => {
    // Prepare
    const { credentials, rotation, resources, id, keys } = build(kind);
    const policyId = resources[id(rotation.function.functionRole)].Properties.ManagedPolicyArns[0].Ref;

    // Act
    const statements = (resources[policyId].Properties.PolicyDocument.Statement as CfnJson[]).map((s) => ({
      actions: asList<string>(s.Action),
      resources: asList<CfnJson>(s.Resource),
      condition: s.Condition,
    }));
    const secrets = statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
    const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));

    // Assess
    const steps = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];
    const rotated = [credentials.readUser, credentials.writeUser].map((s) => ({ Ref: id(s) }));
    expect(secrets.filter((s) => s.actions.includes('secretsmanager:PutSecretValue'))).toEqual(rotated.map((r) => ({ actions: steps, resources: [r], condition: undefined })));
    const readOnly = secrets.filter((s) => !s.actions.includes('secretsmanager:PutSecretValue'));
    expect(readOnly).toEqual(
      kind === 'salesforce' ? [{ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [{ Ref: id(credentials.rotationAdmin!) }], condition: undefined }] : [],
    );
    expect(JSON.stringify(secrets)).not.toContain('"*"');
    expect(JSON.stringify(secrets)).not.toContain(id(credentials.hmacKey));
    for (const s of kms) {
      expect(s.resources).toEqual([{ 'Fn::GetAtt': [id(keys.secrets), 'Arn'] }]);
      expect(s.condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
    }
    expect(credentials.readersOf('read').map((a) => JSON.stringify(a))).toContain(JSON.stringify(rotation.function.functionRole.roleArn));
  });

  test('the function runs in the isolated workload subnets, reaches the CRM endpoint, and reads only the CRM from its config', () => {
    // Prepare
    const { stack, network, rotation, resources, id, credentials } = build('salesforce');
    const fn = resources[id(rotation.function)].Properties;

    // Act
    const env = fn.Environment.Variables;
    const runtime = parseRuntimeConfig(env[ENV.CONFIG_JSON]);

    // Assess
    expect(fn.VpcConfig.SubnetIds).toEqual(network.vpc.selectSubnets(network.workloadSubnets).subnetIds.map((s) => stack.resolve(s)));
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets.every((s) => network.vpc.isolatedSubnets.includes(s))).toBe(true);
    expect(fn.ReservedConcurrentExecutions).toBe(2);
    expect(runtime.crm).toEqual({ kind: 'salesforce', instanceHost: 'acme.my.salesforce.com' });
    expect(runtime.agents).toEqual({});
    expect(env[ENV.CRM_ROTATION_ADMIN_SECRET_ARN]).toEqual({ Ref: id(credentials.rotationAdmin!) });
    const toCrm = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::EC2::SecurityGroupEgress' &&
        JSON.stringify(r.Properties.GroupId) === JSON.stringify(stack.resolve(rotation.function.securityGroup.securityGroupId)) &&
        JSON.stringify(r.Properties.DestinationSecurityGroupId) === JSON.stringify(stack.resolve(network.crmEndpointSecurityGroup!.securityGroupId)),
    );
    expect(toCrm.map((r) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[443, 443]]);
  });

  test('HubSpot has no credentials administrator: no admin secret, no admin variable', () => {
    // Prepare / Act
    const { credentials, rotation, resources, id } = build('hubspot');

    // Assess
    expect(credentials.rotationAdmin).toBeUndefined();
    expect(resources[id(rotation.function)].Properties.Environment.Variables[ENV.CRM_ROTATION_ADMIN_SECRET_ARN]).toBeUndefined();
    expect(() => credentials.readersOf('admin')).toThrow(/there is no admin secret/);
  });
});
