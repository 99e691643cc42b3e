/**
 * Security invariants of the human-in-the-loop flow: the state machine is Standard, CMK-encrypted, logs without
 * execution data and traces; an unanswered approval ends in deny; only the approver API may send task results and
 * only the agent API proxy may start executions; approvers cannot call agent routes and agents cannot call approver
 * routes; no function holds a wildcard resource on KMS, Secrets Manager, DynamoDB, SNS or Step Functions.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { APPROVAL_STATES as S, APPROVAL_STEP_ROLES } from '../../lib/constructs/approval-flow';
import { API_ROUTES } from '../../lambda/core/constants';
import { BridgeFunction } from '../../lib/constructs/bridge-function';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: Record<string, CfnJson> };
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const APPROVER = 'arn:aws:iam::123456789012:role/SupportLead';
const SCOPED_SERVICES = ['kms', 'secretsmanager', 'dynamodb', 'sns', 'states'];

/** Whether an IAM action pattern (with * and ?) covers `action`. */
function covers(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

describe('posture: approval flow', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  let definition: CfnJson;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  const machine = () => resources[id(stack.approvalFlow.stateMachine)];

  /** Every Allow statement of every policy attached to a role, whatever kind of policy carries it. */
  function statementsOf(roleId: string): CfnJson[] {
    const role = resources[roleId];
    const attachedIds = asList<CfnJson>(role.Properties.ManagedPolicyArns).map((a) => a.Ref).filter(Boolean);
    const managed = ofType('AWS::IAM::ManagedPolicy').filter(
      ([pid, p]) => attachedIds.includes(pid) || asList<CfnJson>(p.Properties.Roles).some((r) => r.Ref === roleId),
    );
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => asList<CfnJson>(p.Properties.Roles).some((r) => r.Ref === roleId));
    return [
      ...asList<CfnJson>(role.Properties.Policies).flatMap((p) => p.PolicyDocument.Statement),
      ...[...managed, ...policies].flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
    ].filter((s) => s.Effect === 'Allow');
  }
  const rolesAllowed = (action: string) =>
    ofType('AWS::IAM::Role')
      .filter(([roleId]) => statementsOf(roleId).some((s) => asList<string>(s.Action).some((a) => covers(a, action))))
      .map(([roleId]) => roleId);
  const bridgeFunctions = (): BridgeFunction[] => stack.node.findAll().filter((c): c is BridgeFunction => c instanceof BridgeFunction);

  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    resources = Template.fromStack(stack).toJSON().Resources;
    const parts = machine().Properties.DefinitionString['Fn::Join'][1] as CfnJson[];
    definition = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'arn')).join(''));
  });

  test('the state machine is Standard and encrypted with the data CMK', () => {
    // Prepare / Act
    const props = machine().Properties;

    // Assess
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.EncryptionConfiguration).toMatchObject({ Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: { 'Fn::GetAtt': [id(stack.keys.data), 'Arn'] } });
  });

  test('it logs every event without execution data to a KMS-encrypted log group, and traces', () => {
    // Prepare
    const logging = machine().Properties.LoggingConfiguration;

    // Act
    const group = resources[logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]];

    // Assess
    expect(logging).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(stack.keys.logs), 'Arn'] });
    expect(machine().Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  test('an unanswered approval ends in deny: the wait is bounded and its timeout leads to a Fail state', () => {
    // Prepare
    const wait = definition.States[S.waitForApproval];

    // Act: follow the timeout catch; the outcome Pass names the outcome the Choice then routes on.
    const onTimeout = definition.States[wait.Catch.find((c: CfnJson) => c.ErrorEquals.includes('States.Timeout')).Next];
    const recorded = definition.States[onTimeout.Next];
    const choice = definition.States[recorded.Next];
    const end = definition.States[choice.Choices.find((c: CfnJson) => c.StringEquals === onTimeout.Parameters.outcome)?.Next ?? choice.Default];

    // Assess
    expect(wait.TimeoutSeconds).toBe(stack.config.approvals.timeoutMinutes * 60);
    expect(onTimeout.Parameters.outcome).toBe('expired');
    expect(recorded.Resource).toBe('arn');
    expect(end.Type).toBe('Fail');
  });

  test('only the approver API role may send task results, and only to this state machine', () => {
    // Prepare
    const approverRole = id(stack.agentApi.functions.approverApi.functionRole);

    // Act
    const senders = ['states:SendTaskSuccess', 'states:SendTaskFailure'].map(rolesAllowed);
    const grants = statementsOf(approverRole).filter((s) => asList<string>(s.Action).some((a) => a.startsWith('states:')));

    // Assess
    for (const roles of senders) expect(roles).toEqual([approverRole]);
    expect(grants).toHaveLength(1);
    expect(grants[0].Resource).toEqual({ Ref: id(stack.approvalFlow.stateMachine) });
  });

  test('the callers of the CMK-encrypted machine may only generate data keys, through Step Functions, for this machine', () => {
    // Prepare
    const callers = [stack.agentApi.proxy.functionRole, stack.agentApi.functions.approverApi.functionRole].map(id);

    // Act
    const kmsGrants = callers.map((role) => statementsOf(role).filter((s) => asList<string>(s.Action).some((a) => a.startsWith('kms:')) && JSON.stringify(s.Condition ?? {}).includes('aws:states:stateMachineArn')));

    // Assess
    for (const grants of kmsGrants) {
      expect(grants).toHaveLength(1);
      expect(grants[0].Action).toBe('kms:GenerateDataKey');
      expect(grants[0].Resource).toEqual({ 'Fn::GetAtt': [id(stack.keys.data), 'Arn'] });
      expect(grants[0].Condition.StringEquals['kms:EncryptionContext:aws:states:stateMachineArn']).toEqual({ Ref: id(stack.approvalFlow.stateMachine) });
      expect(grants[0].Condition.StringEquals['kms:ViaService']).toEqual({ 'Fn::Join': ['', ['states.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
    }
  });

  test('only the agent API proxy may start executions', () => {
    // Prepare / Act
    const starters = rolesAllowed('states:StartExecution');

    // Assess
    expect(starters).toEqual([id(stack.agentApi.proxy.functionRole)]);
  });

  test('the state machine role may invoke the five step functions and nothing else', () => {
    // Prepare
    const roleId = machine().Properties.RoleArn['Fn::GetAtt'][0];
    const steps = APPROVAL_STEP_ROLES.map((r) => id(stack.approvalFlow.functions[r])).sort();

    // Act
    const invoke = statementsOf(roleId).filter((s) => asList<string>(s.Action).some((a) => a.startsWith('lambda:')));
    const targets = new Set(invoke.flatMap((s) => asList<CfnJson>(s.Resource)).map((r) => JSON.stringify(r).match(/"(\w+)","Arn"/)?.[1]));

    // Assess
    for (const s of invoke) expect(s.Action).toBe('lambda:InvokeFunction');
    expect([...targets].sort()).toEqual(steps);
  });

  test('approver routes deny every principal that is not a configured approver, agent routes every one that is not an agent', () => {
    // Prepare
    const policy = resources[id(stack.agentApi.api)].Properties.Policy.Statement as CfnJson[];
    const routes = (caller: string) => API_ROUTES.filter((r) => r.caller === caller).map((r) => `execute-api:/live/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}`);
    const agent = JSON.parse(JSON.stringify(stack.resolve(stack.agentApi.agentRoles.support.roleArn)));

    // Act
    const denyOf = (resourcesOfRoutes: string[]) => policy.find((s) => s.Effect === 'Deny' && JSON.stringify(asList(s.Resource).sort()) === JSON.stringify([...resourcesOfRoutes].sort()));
    const approverDeny = denyOf(routes('approver'));
    const agentDeny = denyOf(routes('agent'));

    // Assess
    expect(approverDeny).toMatchObject({ Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Condition: { ArnNotLike: { 'aws:PrincipalArn': [APPROVER] } } });
    expect(agentDeny).toMatchObject({ Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Condition: { ArnNotLike: { 'aws:PrincipalArn': [agent] } } });
  });

  test('with no approvers configured, the approver routes deny everyone', () => {
    // Prepare
    const readOnly = bridgeStack(
      configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
        raw.approvers = {};
        raw.agents.support.actions = ['Read'];
      }),
    );
    const policy = Template.fromStack(readOnly).toJSON().Resources[readOnly.getLogicalId(readOnly.agentApi.api.node.defaultChild as CfnJson)].Properties.Policy.Statement as CfnJson[];

    // Act
    const approverRoutes = policy.filter((s) => JSON.stringify(s.Resource).includes('/v1/approvals'));

    // Assess
    expect(approverRoutes).toHaveLength(1);
    expect(approverRoutes[0].Effect).toBe('Deny');
    expect(approverRoutes[0].Condition).toBeUndefined();
  });

  test('agent role policies name the agent routes and no approver route', () => {
    // Prepare
    const statements = statementsOf(id(stack.agentApi.agentRoles.support));

    // Act
    const named = statements.flatMap((s) => asList<CfnJson>(s.Resource)).map((r) => JSON.stringify(r));

    // Assess
    expect(named).toHaveLength(API_ROUTES.filter((r) => r.caller === 'agent').length);
    for (const r of named) expect(r).not.toContain('/v1/approvals');
  });

  test('no function role holds a wildcard resource for KMS, Secrets Manager, DynamoDB, SNS or Step Functions', () => {
    // Prepare
    const roles = bridgeFunctions().map((f) => id(f.functionRole));

    // Act
    const wildcards = roles.flatMap((roleId) =>
      statementsOf(roleId)
        .filter((s) => asList<string>(s.Action).some((a) => SCOPED_SERVICES.includes(a.split(':')[0]) || a === '*'))
        .filter((s) => asList<CfnJson>(s.Resource).some((r) => JSON.stringify(r).includes('*')))
        .map((s) => `${roleId}: ${JSON.stringify(s.Action)} on ${JSON.stringify(s.Resource)}`),
    );

    // Assess
    expect(roles.length).toBeGreaterThanOrEqual(APPROVAL_STEP_ROLES.length + 3);
    expect(wildcards).toEqual([]);
  });
});
