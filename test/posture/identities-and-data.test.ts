/**
 * Security invariants: agent roles can call only execute-api:Invoke on the agent routes (no
 * Secrets Manager, KMS, S3, DynamoDB or Step Functions permission at all); the CRM secrets use
 * a CMK and resource policies that admit only the connector (and rotation) roles; DynamoDB
 * tables use a CMK, point-in-time recovery and TTL.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { API_ROUTES, REQUESTS_STATUS_INDEX } from '../../lambda/core/constants';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: Record<string, CfnJson>; DeletionPolicy?: string };
const FORBIDDEN_SERVICES = ['secretsmanager', 'kms', 's3', 'dynamodb', 'states', 'sts', 'iam'];
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe('posture: identities, secrets and tables', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);

  /** Every statement of every policy attached to a role, whatever kind of policy carries it. */
  function statementsOf(roleId: string): CfnJson[] {
    const role = resources[roleId];
    const inline = asList<CfnJson>(role.Properties.Policies).flatMap((p) => p.PolicyDocument.Statement);
    const attached = ofType('AWS::IAM::ManagedPolicy')
      .filter(([pid, p]) => JSON.stringify(p.Properties.Roles ?? []).includes(`"${roleId}"`) || JSON.stringify(role.Properties.ManagedPolicyArns ?? []).includes(`"${pid}"`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const policies = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles ?? []).includes(`"${roleId}"`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    return [...inline, ...attached, ...policies];
  }

  beforeAll(() => {
    const config = configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
      raw.agents.external = { roleArns: ['arn:aws:iam::210987654321:role/ExternalAgent'], actions: ['Read'], team: 'sales', territories: [] };
    });
    stack = bridgeStack(config);
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  test('agent roles can call only execute-api:Invoke on the agent routes', () => {
    // Prepare
    const roleId = id(stack.agentApi.agentRoles.support);

    // Act
    const statements = statementsOf(roleId);

    // Assess
    expect(resources[roleId].Properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.Action).toBe('execute-api:Invoke');
      const routes = asList<CfnJson>(s.Resource).map((r) => JSON.stringify(r));
      const agentRoutes = API_ROUTES.filter((r) => r.caller === 'agent');
      expect(routes).toHaveLength(agentRoutes.length);
      agentRoutes.forEach((r, i) => expect(routes[i]).toContain(`/live/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}"`));
    }
  });

  test('agent roles hold no Secrets Manager, KMS, S3, DynamoDB or Step Functions permission at all', () => {
    // Prepare
    const statements = statementsOf(id(stack.agentApi.agentRoles.support));

    // Act
    const actions = statements.flatMap((s) => asList<string>(s.Action).concat(asList<string>(s.NotAction)));

    // Assess
    for (const action of actions) expect(FORBIDDEN_SERVICES).not.toContain(action.split(':')[0]);
    expect(actions).not.toContain('*');
  });

  test('agents that bring their own role ARNs get no role created in the bridge', () => {
    // Prepare / Act
    const agentRoles = Object.keys(stack.agentApi.agentRoles);

    // Assess
    expect(agentRoles).toEqual(['support']);
    expect(stack.agentApi.agentPrincipals.external).toEqual(['arn:aws:iam::210987654321:role/ExternalAgent']);
  });

  test('every secret is encrypted with the secrets CMK', () => {
    // Prepare / Act
    const secrets = ofType('AWS::SecretsManager::Secret').map(([, r]) => r);

    // Assess
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const s of secrets) expect(s.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stack.keys.secrets), 'Arn'] });
  });

  /** The function roles that read each secret: the rotation function the CRM users, the rest per step. */
  function readersOf(which: 'readUser' | 'writeUser' | 'hmacKey') {
    const api = stack.agentApi.functions;
    const flow = stack.approvalFlow.functions;
    const fns = {
      readUser: [stack.rotation.function, api.agentApi, api.approverApi, flow.approvalExecute],
      writeUser: [stack.rotation.function, api.agentActions, flow.approvalExecute],
      hmacKey: [api.agentApi, api.approverApi, flow.approvalReview, flow.approvalExecute],
    }[which];
    return fns.map((f) => id(f.functionRole));
  }
  const sorted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();

  test.each([
    ['read user', 'readUser'],
    ['write user', 'writeUser'],
    ['HMAC key', 'hmacKey'],
  ] as const)('the %s secret’s resource policy denies reading the value to all but the account root and the roles that need it', (_n, which) => {
    // Prepare
    const secretId = id(stack.credentials[which]);
    const root = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
    const readers = [root, ...readersOf(which).map((roleId) => ({ 'Fn::GetAtt': [roleId, 'Arn'] }))];

    // Act
    const [, policy] = ofType('AWS::SecretsManager::ResourcePolicy').find(([, r]) => r.Properties.SecretId.Ref === secretId)!;
    const statements = policy.Properties.ResourcePolicy.Statement as CfnJson[];

    // Assess
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    const deny = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    expect(sorted(deny.Condition.ArnNotLike['aws:PrincipalArn'])).toEqual(sorted(readers));
  });

  test('only the roles that need them are granted the CRM user secrets; the agent read path never the write user', () => {
    // Prepare
    const granted = (secretId: string) =>
      ofType('AWS::IAM::Role')
        .filter(([roleId]) => statementsOf(roleId).some((s) => asList<string>(s.Action).includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes(`"${secretId}"`)))
        .map(([roleId]) => roleId);

    // Act
    const readers = granted(id(stack.credentials.readUser));
    const writers = granted(id(stack.credentials.writeUser));

    // Assess
    expect(readers.sort()).toEqual(readersOf('readUser').sort());
    expect(writers.sort()).toEqual(readersOf('writeUser').sort());
    expect(writers).not.toContain(id(stack.agentApi.proxy.functionRole));
  });

  test('DynamoDB tables use the data CMK, point-in-time recovery, TTL on expiresAt, deletion protection and RETAIN', () => {
    // Prepare / Act
    const tables = ofType('AWS::DynamoDB::Table').map(([, r]) => r);

    // Assess
    expect(tables).toHaveLength(3);
    for (const t of tables) {
      expect(t.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [id(stack.keys.data), 'Arn'] } },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      });
      expect(t.DeletionPolicy).toBe('Retain');
    }
  });

  test('the requests table indexes requests by status and creation time for the approver list', () => {
    // Prepare / Act
    const table = resources[id(stack.tables.requests)];

    // Assess
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: REQUESTS_STATUS_INDEX.NAME,
        KeySchema: [
          { AttributeName: REQUESTS_STATUS_INDEX.PARTITION, KeyType: 'HASH' },
          { AttributeName: REQUESTS_STATUS_INDEX.SORT, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  test('the kill-switch parameter starts at normal, admits only the three modes and is readable by the proxy', () => {
    // Prepare
    const paramId = id(stack.agentApi.killSwitch);

    // Act
    const param = resources[paramId];
    const proxyStatements = statementsOf(id(stack.agentApi.proxy.functionRole));

    // Assess
    expect(param.Properties).toMatchObject({ Type: 'String', Value: 'normal', AllowedPattern: '^(normal|read-only|frozen)$' });
    const ssmActions = proxyStatements.filter((s) => JSON.stringify(s.Resource).includes(paramId)).flatMap((s) => asList<string>(s.Action));
    expect(ssmActions.length).toBeGreaterThan(0);
    for (const a of ssmActions) expect(a).toMatch(/^ssm:(Describe|Get)/);
  });
});
