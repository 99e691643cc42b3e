/**
 * The approval flow's definition as synthesized: the states and their transitions, the approval timeout from the
 * config, every failure path through RecordOutcome into a Fail state, and the construct's guards and resources.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BridgeStack } from '../../../lib/bridge-stack';
import { AuditVault } from '../../../lib/constructs/audit-vault';
import { CrmCredentials } from '../../../lib/constructs/crm-credentials';
import { DataTables } from '../../../lib/constructs/data-tables';
import { APPROVAL_ERRORS, APPROVAL_STATES as S, APPROVAL_STEP_ROLES, ApprovalFlow, type ApprovalStepRole } from '../../../lib/constructs/approval-flow';
import { APPROVAL_ENV } from '../../../lambda/core/constants';
import { resolveDefinitionString } from '../../../local/state-machine';
import { DEFAULT_CONFIG, EGRESS_CONFIG, bridgeStack, configFrom, networkStack, CfnJson } from '../bridge-fixtures';

const TIMEOUT_MINUTES = 45;
const LAMBDA_SERVICE_ERRORS = ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'];

type State = Record<string, CfnJson>;
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

/** The synthesized ASL with each step function's ARN written as `fn:<role>`. */
function definitionOf(stack: BridgeStack): Definition {
  const resources = Template.fromStack(stack).toJSON().Resources;
  const roleOf = new Map<string, ApprovalStepRole>(APPROVAL_STEP_ROLES.map((r) => [stack.getLogicalId(stack.approvalFlow.functions[r].node.defaultChild as CfnJson), r]));
  const machine = resources[stack.getLogicalId(stack.approvalFlow.stateMachine.node.defaultChild as CfnJson)];
  return JSON.parse(
    resolveDefinitionString(machine.Properties.DefinitionString, (id) => {
      if (!roleOf.has(id)) throw new Error(`unexpected reference ${id}`);
      return `fn:${roleOf.get(id)}`;
    }),
  );
}

/** The function a task invokes, whether directly or through the lambda:invoke integration. */
const invoked = (state: State) => (state.Resource.startsWith('fn:') ? state.Resource : state.Parameters.FunctionName);

describe('ApprovalFlow definition', () => {
  let stack: BridgeStack;
  let def: Definition;
  const state = (name: string) => def.States[name];
  beforeAll(() => {
    stack = bridgeStack(
      configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
        raw.approvals = { timeoutMinutes: TIMEOUT_MINUTES };
      }),
    );
    def = definitionOf(stack);
  });

  test('the happy path runs PrepareReview, WaitForApproval, IssueDecisionToken, Execute, then records the outcome and succeeds', () => {
    // Prepare
    const path: string[] = [];

    // Act: follow Next from StartAt; the Choice is taken with outcome "completed".
    for (let name: string | undefined = def.StartAt; name; ) {
      path.push(name);
      const s = state(name);
      name = s.Type === 'Choice' ? s.Choices.find((c: CfnJson) => c.StringEquals === 'completed')?.Next : s.Next;
    }

    // Assess
    expect(path).toEqual([S.prepareReview, S.waitForApproval, S.issueDecisionToken, S.execute, S.completed, S.recordOutcome, S.outcomeIs, S.succeeded]);
    expect(state(S.succeeded).Type).toBe('Succeed');
  });

  test('each task invokes its own step function with ids only', () => {
    // Prepare / Act
    const tasks = Object.entries(def.States).filter(([, s]) => s.Type === 'Task');

    // Assess
    expect(Object.fromEntries(tasks.map(([name, s]) => [name, invoked(s)]))).toEqual({
      [S.prepareReview]: 'fn:approvalReview',
      [S.waitForApproval]: 'fn:approvalWait',
      [S.issueDecisionToken]: 'fn:approvalToken',
      [S.execute]: 'fn:approvalExecute',
      [S.recordOutcome]: 'fn:approvalOutcome',
    });
    expect(state(S.prepareReview).Parameters).toEqual({ 'requestId.$': '$.requestId' });
    expect(state(S.issueDecisionToken).Parameters).toEqual({ 'requestId.$': '$.requestId' });
    expect(state(S.issueDecisionToken).ResultPath).toBe('$.decision');
    expect(state(S.execute).Parameters).toEqual({ 'requestId.$': '$.requestId', 'token.$': '$.decision.token' });
    expect(state(S.recordOutcome).Parameters).toBeUndefined();
  });

  test('WaitForApproval waits for a task token, stores the decision at $.approval and times out after the configured minutes', () => {
    // Prepare / Act
    const wait = state(S.waitForApproval);

    // Assess
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters.Payload).toEqual({ 'requestId.$': '$.requestId', 'taskToken.$': '$$.Task.Token' });
    expect(wait.ResultPath).toBe('$.approval');
    expect(wait.TimeoutSeconds).toBe(TIMEOUT_MINUTES * 60);
    expect(stack.approvalFlow.timeout.toMinutes()).toBe(TIMEOUT_MINUTES);
  });

  test('a rejection, a timeout and any other error of WaitForApproval each go to their own outcome', () => {
    // Prepare / Act
    const catches = state(S.waitForApproval).Catch as CfnJson[];

    // Assess
    expect(catches).toEqual([
      { ErrorEquals: [APPROVAL_ERRORS.rejected], ResultPath: '$.error', Next: S.rejected },
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.expired },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.failed },
    ]);
  });

  test('every other step catches any error into the failed outcome', () => {
    // Prepare / Act
    const steps = [S.prepareReview, S.issueDecisionToken, S.execute].map((name) => state(name).Catch);

    // Assess
    for (const c of steps) expect(c).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.failed }]);
  });

  test('each outcome keeps only the request id, the outcome name and the error, then goes to RecordOutcome', () => {
    // Prepare / Act
    const outcomes = [S.completed, S.rejected, S.expired, S.failed].map((name) => [name, state(name)] as const);

    // Assess
    for (const [name, s] of outcomes) {
      expect(s.Type).toBe('Pass');
      expect(s.Next).toBe(S.recordOutcome);
      const expected = { 'requestId.$': '$.requestId', outcome: name.toLowerCase(), ...(name === S.completed ? {} : { 'error.$': '$.error' }) };
      expect(s.Parameters).toEqual(expected);
    }
  });

  test('after RecordOutcome only a completed request succeeds; rejected, expired and failed end in Fail states', () => {
    // Prepare
    const choice = state(state(S.recordOutcome).Next);

    // Act
    const next = Object.fromEntries((choice.Choices as CfnJson[]).map((c) => [c.StringEquals, state(c.Next)]));
    const otherwise = state(choice.Default);

    // Assess
    expect(choice.Type).toBe('Choice');
    expect(next.completed.Type).toBe('Succeed');
    expect(next.rejected).toMatchObject({ Type: 'Fail', Error: APPROVAL_ERRORS.rejected });
    expect(next.expired).toMatchObject({ Type: 'Fail', Error: APPROVAL_ERRORS.expired });
    expect(otherwise).toMatchObject({ Type: 'Fail', Error: APPROVAL_ERRORS.failed });
  });

  test('a RecordOutcome that fails still ends the execution failed', () => {
    // Prepare / Act
    const [c] = state(S.recordOutcome).Catch as CfnJson[];

    // Assess
    expect(c.ErrorEquals).toEqual(['States.ALL']);
    expect(state(c.Next)).toMatchObject({ Type: 'Fail', Error: APPROVAL_ERRORS.failed });
  });

  test('only Lambda service errors are retried', () => {
    // Prepare / Act
    const retried = Object.values(def.States).flatMap((s) => (s.Retry ?? []) as CfnJson[]);

    // Assess
    expect(retried.length).toBe(5);
    for (const r of retried) expect(r.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
  });

  test('state data is read only at ids, the decision token, the task token and errors', () => {
    // Prepare
    const text = JSON.stringify(def);

    // Act
    const paths = new Set([...text.matchAll(/"[A-Za-z]+\.\$":"([^"]+)"/g)].map((m) => m[1]));

    // Assess
    expect([...paths].sort()).toEqual(['$$.Task.Token', '$.decision.token', '$.error', '$.requestId']);
  });
});

describe('ApprovalFlow resources', () => {
  test('the approval topic uses the data key, admits TLS only and subscribes approvers that have an e-mail address', () => {
    // Prepare
    const stack = bridgeStack(
      configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
        raw.approvers['support-leads'].email = 'leads@example.com';
        raw.approvers.auditors = { roleArns: ['arn:aws:iam::123456789012:role/Auditor'] };
      }),
    );
    const template = Template.fromStack(stack);
    const topicId = stack.getLogicalId(stack.approvalFlow.topic.node.defaultChild as CfnJson);

    // Act
    const topic = template.toJSON().Resources[topicId];
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).filter((s: CfnJson) => s.Properties.TopicArn.Ref === topicId);
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p: CfnJson) => JSON.stringify(p.Properties.Topics).includes(topicId)) as CfnJson;

    // Assess
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.keys.data.node.defaultChild as CfnJson), 'Arn'] });
    expect(subscriptions.map((s: CfnJson) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([['email', 'leads@example.com']]);
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  test('with a Slack webhook, a secret under the secrets key that only the notifying step may read, named in its environment', () => {
    // Prepare
    const stack = bridgeStack(
      configFrom(EGRESS_CONFIG, (raw: CfnJson) => {
        raw.connectivity.domains.push('hooks.slack.com');
        raw.approvals = { slackWebhook: true };
      }),
    );
    const resources = Template.fromStack(stack).toJSON().Resources;
    const flow = stack.approvalFlow;
    const secretId = stack.getLogicalId(flow.slackSecret!.node.defaultChild as CfnJson);

    // Act
    const secret = resources[secretId];
    const [policy] = Object.values(resources).filter((r: CfnJson) => r.Type === 'AWS::SecretsManager::ResourcePolicy' && r.Properties.SecretId.Ref === secretId) as CfnJson[];
    const env = resources[stack.getLogicalId(flow.functions.approvalWait.node.defaultChild as CfnJson)].Properties.Environment.Variables;

    // Assess
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.keys.secrets.node.defaultChild as CfnJson), 'Arn'] });
    const deny = policy.Properties.ResourcePolicy.Statement.find((s: CfnJson) => s.Effect === 'Deny');
    expect(deny.Action).toBe('secretsmanager:GetSecretValue');
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn'][1]).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(flow.functions.approvalWait.functionRole.node.defaultChild as CfnJson), 'Arn'] });
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toHaveLength(2);
    expect(env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN]).toEqual({ Ref: secretId });
    expect(Template.fromStack(stack).toJSON().Outputs.SlackWebhookSecretArn.Value).toEqual({ Ref: secretId });
  });

  test('without a Slack webhook there is no secret and no secret in the environment', () => {
    // Prepare
    const stack = bridgeStack(configFrom(DEFAULT_CONFIG));

    // Act
    const env = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(stack.approvalFlow.functions.approvalWait.node.defaultChild as CfnJson)].Properties.Environment.Variables;

    // Assess
    expect(stack.approvalFlow.slackSecret).toBeUndefined();
    expect(env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN]).toBeUndefined();
    expect(env[APPROVAL_ENV.TIMEOUT_SECONDS]).toBe(String(stack.approvalFlow.timeout.toSeconds()));
  });
});

describe('ApprovalFlow guards', () => {
  function flowIn(props: { timeoutMinutes?: number; slackWebhook?: boolean }): () => ApprovalFlow {
    const { stack, keys, network } = networkStack();
    const deps = {
      network,
      keys,
      auditVault: new AuditVault(stack, 'Vault', { keys }),
      tables: new DataTables(stack, 'Tables', { keys }),
      credentials: new CrmCredentials(stack, 'Creds', { keys, crm: { kind: 'salesforce', instanceHost: 'acme.my.salesforce.com' } }),
      killSwitch: new ssm.StringParameter(stack, 'Mode', { stringValue: 'normal' }),
      runtimeConfigJson: '{}',
      approvers: {},
    };
    return () => new ApprovalFlow(stack, 'Flow', { ...deps, ...props });
  }

  test('refuses an approval timeout that is not a whole number of minutes from 1 up to the request lifetime', () => {
    // Prepare / Act / Assess
    expect(flowIn({ timeoutMinutes: 0 })).toThrow(/timeoutMinutes is 0; an approval needs a whole number of minutes >= 1/);
    expect(flowIn({ timeoutMinutes: 1.5 })).toThrow(/timeoutMinutes is 1.5/);
    expect(flowIn({ timeoutMinutes: 7 * 24 * 60 })).toThrow(/timeoutMinutes is 10080; at most 10020/);
  });

  test('refuses a Slack webhook without allowlisted egress', () => {
    // Prepare / Act / Assess
    expect(flowIn({ slackWebhook: true })).toThrow(/slackWebhook needs allowlisted egress/);
  });
});
