import { ArnFormat, Aws, Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { APPROVAL_ENV, AUDIT_ENV, ENV, VAULT_ENV } from '../../lambda/core/constants';
import { BridgeConfig, DEFAULTS, MAX_APPROVAL_TIMEOUT_MINUTES } from '../config';
import { CRM_FUNCTION_TIMEOUT, POLICY_DIR_IN_BUNDLE, POLICY_FUNCTION_MEMORY_MB, handlerEntry, policyBundling } from './agent-api';
import { AUDIT_PREFIXES, AuditVault } from './audit-vault';
import { BridgeFunction } from './bridge-function';
import { CrmCredentials } from './crm-credentials';
import { DataTables } from './data-tables';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/** The state machine's steps, by function role (constants FUNCTIONS). */
export const APPROVAL_STEP_ROLES = ['approvalReview', 'approvalWait', 'approvalToken', 'approvalExecute', 'approvalOutcome'] as const;
export type ApprovalStepRole = (typeof APPROVAL_STEP_ROLES)[number];

/** State names of the definition (local runners and tests address states by name). */
export const APPROVAL_STATES = {
  prepareReview: 'PrepareReview',
  waitForApproval: 'WaitForApproval',
  issueDecisionToken: 'IssueDecisionToken',
  execute: 'Execute',
  completed: 'Completed',
  rejected: 'Rejected',
  expired: 'Expired',
  failed: 'Failed',
  recordOutcome: 'RecordOutcome',
  outcomeIs: 'OutcomeIs',
  succeeded: 'RequestCompleted',
  failRejected: 'RequestRejected',
  failExpired: 'RequestExpired',
  failFailed: 'RequestFailed',
  outcomeNotRecorded: 'OutcomeNotRecorded',
} as const;

/** Errors the flow raises and ends with (the approver API fails a rejected task with `rejected`). */
export const APPROVAL_ERRORS = { rejected: 'Bridge.Rejected', expired: 'Bridge.Expired', failed: 'Bridge.Failed' } as const;

/** Outcome names RecordOutcome receives (status of the finished request). */
export const APPROVAL_OUTCOMES = ['completed', 'rejected', 'expired', 'failed'] as const;

/** Each step runs at most this many times at once unless the caller says otherwise. */
const STEP_RESERVED_CONCURRENCY = 5;
/** What operators replace after deploy with the Slack incoming-webhook URL. */
const SLACK_PLACEHOLDER = 'REPLACE_WITH_THE_SLACK_INCOMING_WEBHOOK_URL';

export interface ApprovalFlowProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  readonly auditVault: AuditVault;
  readonly tables: DataTables;
  readonly credentials: CrmCredentials;
  /** The kill switch; Execute refuses to write unless the bridge is in `normal` mode. */
  readonly killSwitch: ssm.IStringParameter;
  /** The runtime config JSON every function reads (AgentApi.runtimeConfigJson). */
  readonly runtimeConfigJson: string;
  /** Approvers by name; each one with an `email` gets an e-mail subscription to the approval topic. */
  readonly approvers: BridgeConfig['approvers'];
  /**
   * Minutes an approval waits before the request ends in deny (expired).
   * @default DEFAULTS.approvals.timeoutMinutes (60)
   */
  readonly timeoutMinutes?: number;
  /**
   * Creates a Secrets Manager secret for a Slack incoming-webhook URL and lets the notifying step read it.
   * Requires allowlisted egress (the step reaches Slack through the egress firewall only).
   * @default false
   */
  readonly slackWebhook?: boolean;
  /**
   * Reserved (and maximum) concurrent executions of each step function.
   * @default 5
   */
  readonly reservedConcurrency?: number;
  /**
   * Retention of the functions' and the state machine's log groups.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/**
 * A role whose grants land in one customer-managed policy (no inline policies), like the functions' roles. The
 * policy is a sibling of the role, so the state machine may depend on the role while the policy names the machine.
 */
class StateMachineRole extends iam.Role {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    const stack = Stack.of(scope);
    super(scope, id, {
      // Only this account's state machines may assume it (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    });
    this.policy = new iam.ManagedPolicy(scope, `${id}Policy`);
    this.addManagedPolicy(this.policy);
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/**
 * The human-in-the-loop state machine (Standard) and its five step functions:
 * PrepareReview → WaitForApproval (callback with a task token, bounded by the approval timeout) → IssueDecisionToken
 * → Execute → RecordOutcome. Rejection, timeout and every error lead to RecordOutcome with the matching outcome and
 * end in a Fail state; only a completed request succeeds. State data holds ids, outcome names, the decision token and
 * errors, never record contents.
 *
 * Enforced: CMK encryption with the data key, logging of every event without execution data to a log group
 * encrypted with the logs key, X-Ray tracing, a role that may invoke the five functions only. Approval notices go to
 * an SNS topic (data key, TLS only) with an e-mail subscription per approver that has an address, and, when asked,
 * to a Slack incoming webhook whose URL sits in a secret only the notifying step can read.
 *
 * Starting executions (`grantStart`) and answering a waiting one (`grantTaskResponse`) are granted to named
 * functions only: the agent API proxy and the approver API.
 */
export class ApprovalFlow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly topic: sns.Topic;
  public readonly slackSecret?: secretsmanager.Secret;
  /** The step functions, by role. */
  public readonly functions: Readonly<Record<ApprovalStepRole, BridgeFunction>>;
  public readonly logGroup: logs.LogGroup;
  private readonly dataKey: kms.IKey;
  /** How long WaitForApproval waits before the request expires. */
  public readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ApprovalFlowProps) {
    super(scope, id);
    const { network, keys, auditVault, tables, credentials, killSwitch } = props;
    this.dataKey = keys.data;
    const minutes = props.timeoutMinutes ?? DEFAULTS.approvals.timeoutMinutes;
    if (!Number.isInteger(minutes) || minutes < 1) {
      throw new Error(`ApprovalFlow: timeoutMinutes is ${minutes}; an approval needs a whole number of minutes >= 1 to wait`);
    }
    // The request record expires with its TTL: a longer wait would outlive what it waits for.
    if (minutes > MAX_APPROVAL_TIMEOUT_MINUTES) {
      throw new Error(`ApprovalFlow: timeoutMinutes is ${minutes}; at most ${MAX_APPROVAL_TIMEOUT_MINUTES} (the request's 7-day lifetime minus an hour)`);
    }
    if (props.slackWebhook && network.crmConnectivity.mode !== 'allowlistedEgress') {
      throw new Error('ApprovalFlow: slackWebhook needs allowlisted egress (connectivity mode allowlistedEgress with hooks.slack.com); the functions have no other route to Slack');
    }
    this.timeout = Duration.minutes(minutes);
    const retention = props.logRetentionDays ?? DEFAULTS.logs.retentionDays;
    const reserved = props.reservedConcurrency ?? STEP_RESERVED_CONCURRENCY;
    const reachCrm = network.crmConnectivity.mode !== 'none';

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'crm-agent-bridge approvals',
      masterKey: keys.data,
      enforceSSL: true,
    });
    for (const approver of Object.values(props.approvers)) {
      if (approver.email) this.topic.addSubscription(new subscriptions.EmailSubscription(approver.email));
    }

    const base = {
      [ENV.CONFIG_JSON]: props.runtimeConfigJson,
      [ENV.REQUESTS_TABLE]: tables.requests.tableName,
      [AUDIT_ENV.BUCKET]: auditVault.bucket.bucketName,
      [AUDIT_ENV.KMS_KEY_ID]: keys.audit.keyArn,
    };
    const step = (fnId: string, role: ApprovalStepRole, description: string, extra: Partial<ConstructorParameters<typeof BridgeFunction>[2]>, environment: Record<string, string>) =>
      new BridgeFunction(this, fnId, {
        entry: handlerEntry(role),
        description: `crm-agent-bridge approval flow: ${description}`,
        network,
        keys,
        invocation: 'synchronous',
        reservedConcurrentExecutions: reserved,
        logRetentionDays: retention,
        ...extra,
        environment: { ...base, ...environment },
      });

    const review = step('Review', 'approvalReview', 'PrepareReview (the approver’s redacted view)', {}, {
      [ENV.HMAC_SECRET_ARN]: credentials.hmacKey.secretArn,
    });
    tables.grantRequestTransitions(review);
    credentials.grantHmacKey(review.functionRole);

    const wait = step('Wait', 'approvalWait', 'WaitForApproval (seal the task token, notify approvers)', { reachCrm: props.slackWebhook === true }, {
      [APPROVAL_ENV.DATA_KEY_ID]: keys.data.keyArn,
      [APPROVAL_ENV.TOPIC_ARN]: this.topic.topicArn,
      [APPROVAL_ENV.TIMEOUT_SECONDS]: String(this.timeout.toSeconds()),
    });
    tables.grantRequestTransitions(wait);
    // Seals the task token under a fresh data key.
    keys.data.grant(wait, 'kms:GenerateDataKey');
    // Publishing to the encrypted topic: SNS uses the data key with the publisher's permissions, and only SNS may.
    iam.Grant.addToPrincipal({ grantee: wait, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
    iam.Grant.addToPrincipal({
      grantee: wait,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [keys.data.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
    });
    if (props.slackWebhook) {
      this.slackSecret = this.slackWebhookSecret(keys, wait);
      wait.addEnvironment(APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN, this.slackSecret.secretArn);
    }

    const token = step('Token', 'approvalToken', 'IssueDecisionToken (policy re-evaluation, ES256 token)', { memorySize: POLICY_FUNCTION_MEMORY_MB, bundling: policyBundling() }, {
      [ENV.POLICY_DIR]: POLICY_DIR_IN_BUNDLE,
      [APPROVAL_ENV.DECISION_KEY_ID]: keys.decisions.keyArn,
    });
    tables.grantRequestTransitions(token);
    keys.decisions.grant(token, 'kms:Sign', 'kms:GetPublicKey');

    const execute = step('Execute', 'approvalExecute', 'Execute (verify the token, re-identify, write or read the CRM)', { reachCrm, timeout: CRM_FUNCTION_TIMEOUT }, {
      [APPROVAL_ENV.JTI_TABLE]: tables.jti.tableName,
      [APPROVAL_ENV.DECISION_KEY_ID]: keys.decisions.keyArn,
      [APPROVAL_ENV.DATA_KEY_ID]: keys.data.keyArn,
      [ENV.CRM_WRITE_SECRET_ARN]: credentials.writeUser.secretArn,
      [ENV.CRM_READ_SECRET_ARN]: credentials.readUser.secretArn,
      [ENV.HMAC_SECRET_ARN]: credentials.hmacKey.secretArn,
      [ENV.KILL_SWITCH_PARAMETER]: killSwitch.parameterName,
      [VAULT_ENV.TABLE]: tables.vault.tableName,
      [VAULT_ENV.KMS_KEY_ID]: keys.data.keyArn,
    });
    tables.grantRequestTransitions(execute);
    tables.grantJtiBurn(execute);
    tables.grantVaultRead(execute);
    // An approved read is redacted like any read: tokenized originals go to the vault.
    tables.grantVaultWrite(execute);
    // Vault envelopes (open and seal) and the sealed result of an approved read.
    keys.data.grant(execute, 'kms:GenerateDataKey', 'kms:Decrypt');
    // Verifies the decision token; it never signs.
    keys.decisions.grant(execute, 'kms:GetPublicKey');
    credentials.grantWriteUser(execute.functionRole);
    credentials.grantReadUser(execute.functionRole);
    credentials.grantHmacKey(execute.functionRole);
    killSwitch.grantRead(execute);

    const outcome = step('Outcome', 'approvalOutcome', 'RecordOutcome (final status, audit event)', {}, {});
    tables.grantRequestTransitions(outcome);

    this.functions = { approvalReview: review, approvalWait: wait, approvalToken: token, approvalExecute: execute, approvalOutcome: outcome };
    for (const f of Object.values(this.functions)) auditVault.grantAppend(f, `${AUDIT_PREFIXES.events}*`);

    // Vended-logs prefix: Step Functions log delivery manages the resource policy of such groups.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-approvals`,
      encryptionKey: keys.logs,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new StateMachineRole(this, 'Role');
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'crm-agent-bridge: a person approves, edits or rejects before anything is written',
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition()),
      role,
      // Enforced: Standard (exactly-once steps, long waits), CMK, logs without execution data, tracing.
      stateMachineType: sfn.StateMachineType.STANDARD,
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(keys.data),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    this.acknowledgeRoleFindings(role);
  }

  /** The principal may start executions of this state machine (and no other). */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    this.grantEncryptForCaller(grantee);
    return iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [this.stateMachine.stateMachineArn] });
  }

  /** The principal may complete or fail a waiting approval task; only the approver API should hold this. */
  public grantTaskResponse(grantee: iam.IGrantable): iam.Grant {
    this.grantEncryptForCaller(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: [this.stateMachine.stateMachineArn],
    });
  }

  /**
   * On a CMK-encrypted machine, Step Functions encrypts an execution's input and a task's output with data keys it
   * asks KMS for under the caller's identity. The caller may generate data keys only through Step Functions and only
   * in this machine's encryption context; it gets no Decrypt, so it cannot read execution history.
   */
  private grantEncryptForCaller(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [this.dataKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn,
            'kms:ViaService': `states.${Stack.of(this).region}.amazonaws.com`,
          },
        },
      }),
    );
  }

  private definition(): sfn.IChainable {
    const S = APPROVAL_STATES;
    // States get their own scope: their ids are the state names, which may equal the functions' ids.
    const states = new Construct(this, 'Definition');
    const f = this.functions;
    const requestId = sfn.JsonPath.stringAt('$.requestId');
    const invoke = (name: string, fn: BridgeFunction, payload: Record<string, unknown> | undefined, resultPath: string) =>
      new tasks.LambdaInvoke(states, name, {
        stateName: name,
        lambdaFunction: fn,
        payload: payload ? sfn.TaskInput.fromObject(payload) : undefined,
        payloadResponseOnly: true,
        resultPath,
        // Only Lambda service errors are retried (CDK's default set); a function error is an outcome.
        retryOnServiceExceptions: true,
      });

    const outcome = (name: string, value: (typeof APPROVAL_OUTCOMES)[number], withError: boolean) =>
      new sfn.Pass(states, name, {
        stateName: name,
        parameters: { requestId, outcome: value, ...(withError ? { error: sfn.JsonPath.objectAt('$.error') } : {}) },
      });
    const recordOutcome = invoke(S.recordOutcome, f.approvalOutcome, undefined, sfn.JsonPath.DISCARD);
    recordOutcome.addCatch(new sfn.Fail(states, S.outcomeNotRecorded, { stateName: S.outcomeNotRecorded, error: APPROVAL_ERRORS.failed, cause: 'the outcome could not be recorded' }), {
      errors: [sfn.Errors.ALL],
      resultPath: '$.error',
    });
    recordOutcome.next(
      new sfn.Choice(states, S.outcomeIs, { stateName: S.outcomeIs })
        .when(sfn.Condition.stringEquals('$.outcome', 'completed'), new sfn.Succeed(states, S.succeeded, { stateName: S.succeeded }))
        .when(
          sfn.Condition.stringEquals('$.outcome', 'rejected'),
          new sfn.Fail(states, S.failRejected, { stateName: S.failRejected, error: APPROVAL_ERRORS.rejected, cause: 'an approver rejected the request' }),
        )
        .when(
          sfn.Condition.stringEquals('$.outcome', 'expired'),
          new sfn.Fail(states, S.failExpired, { stateName: S.failExpired, error: APPROVAL_ERRORS.expired, cause: 'no approver decided before the approval timeout' }),
        )
        .otherwise(new sfn.Fail(states, S.failFailed, { stateName: S.failFailed, error: APPROVAL_ERRORS.failed, cause: 'the request failed; RecordOutcome has the error' })),
    );
    const completed = outcome(S.completed, 'completed', false).next(recordOutcome);
    const rejected = outcome(S.rejected, 'rejected', true).next(recordOutcome);
    const expired = outcome(S.expired, 'expired', true).next(recordOutcome);
    const failed = outcome(S.failed, 'failed', true).next(recordOutcome);
    const onError = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

    const prepareReview = invoke(S.prepareReview, f.approvalReview, { requestId }, sfn.JsonPath.DISCARD).addCatch(failed, onError);
    const waitForApproval = new tasks.LambdaInvoke(states, S.waitForApproval, {
      stateName: S.waitForApproval,
      lambdaFunction: f.approvalWait,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ requestId, taskToken: sfn.JsonPath.taskToken }),
      // The approver API's SendTaskSuccess output: {decision, approver}.
      resultPath: '$.approval',
      taskTimeout: sfn.Timeout.duration(this.timeout),
      retryOnServiceExceptions: true,
    })
      .addCatch(rejected, { errors: [APPROVAL_ERRORS.rejected], resultPath: '$.error' })
      .addCatch(expired, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' })
      .addCatch(failed, onError);
    const issueToken = invoke(S.issueDecisionToken, f.approvalToken, { requestId }, '$.decision').addCatch(failed, onError);
    const execute = invoke(S.execute, f.approvalExecute, { requestId, token: sfn.JsonPath.stringAt('$.decision.token') }, sfn.JsonPath.DISCARD).addCatch(
      failed,
      onError,
    );
    return prepareReview.next(waitForApproval).next(issueToken).next(execute).next(completed);
  }

  /** The Slack webhook URL: only the notifying step may read it (resource-policy deny for everyone else). */
  private slackWebhookSecret(keys: BridgeKeys, reader: BridgeFunction): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'SlackWebhook', {
      description: 'crm-agent-bridge: Slack incoming-webhook URL for approval notices, as {"webhookUrl": "https://hooks.slack.com/..."} (put after deploy)',
      encryptionKey: keys.secrets,
      // A placeholder, not a secret: the real URL is put after deploy and never passes through the template.
      secretObjectValue: { webhookUrl: SecretValue.unsafePlainText(SLACK_PLACEHOLDER) },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheNotifyingStepReadsTheValue',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        // The account root can rewrite this policy anyway; exempting it keeps a break-glass reader.
        conditions: { ArnNotLike: { 'aws:PrincipalArn': [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`, reader.functionRole.roleArn] } },
      }),
    );
    iam.Grant.addToPrincipal({ grantee: reader, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
    iam.Grant.addToPrincipal({
      grantee: reader,
      actions: ['kms:Decrypt'],
      resourceArns: [keys.secrets.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
    });
    const reason = 'Slack issues incoming-webhook URLs; a new one is made in Slack and put here, no Lambda can rotate it.';
    Validations.of(secret).acknowledge(
      ...['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerRotationEnabled'].map((rule) => ({ id: rule, reason })),
    );
    return secret;
  }

  /** Findings on the state machine role that name what Step Functions itself requires. */
  private acknowledgeRoleFindings(role: StateMachineRole): void {
    const stack = Stack.of(this);
    const fnFinding = (f: BridgeFunction) => `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`;
    Validations.of(role.policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Log delivery (logs:*LogDelivery, DescribeResourcePolicies/LogGroups) and X-Ray trace publishing support no resource-level permissions.',
      },
      ...Object.values(this.functions).map((f) => ({
        id: fnFinding(f),
        reason: 'The :* covers versions and aliases of this one step function; Step Functions invokes nothing else.',
      })),
    );
  }
}
