import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { BridgeConfig } from './config';
import { AgentApi } from './constructs/agent-api';
import { ApprovalFlow } from './constructs/approval-flow';
import { AuditDigestJob } from './constructs/audit-digest-job';
import { AuditVault } from './constructs/audit-vault';
import { CrmCredentials } from './constructs/crm-credentials';
import { CrmRotation } from './constructs/crm-rotation';
import { DataTables } from './constructs/data-tables';
import { GatewayRefusalAudit } from './constructs/gateway-refusal-audit';
import { BridgeKeys } from './constructs/keys';
import { BridgeMonitoring } from './constructs/monitoring';
import { BridgeNetwork } from './constructs/network';

export interface BridgeStackProps extends StackProps {
  /** The validated deployment config (lib/config.ts). */
  readonly config: BridgeConfig;
}

/** Accounts named in role ARNs; agents and approvers may sit in other accounts than the bridge. */
function accountsOf(roleArns: readonly string[]): string[] {
  return [...new Set(roleArns.map((arn) => arn.split(':')[4]))];
}

/** The package version, written into every audit digest. */
function bridgeVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The whole bridge. Later capabilities (approval flow, rotation, alarms) attach to the public constructs. */
export class BridgeStack extends Stack {
  public readonly config: BridgeConfig;
  public readonly keys: BridgeKeys;
  public readonly network: BridgeNetwork;
  public readonly auditVault: AuditVault;
  public readonly monitoring: BridgeMonitoring;
  public readonly tables: DataTables;
  public readonly credentials: CrmCredentials;
  public readonly agentApi: AgentApi;
  public readonly approvalFlow: ApprovalFlow;
  public readonly digestJob: AuditDigestJob;
  public readonly gatewayRefusals: GatewayRefusalAudit;
  public readonly rotation: CrmRotation;
  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    const { config } = props;
    super(scope, id, {
      description: 'crm-agent-bridge: lets AI agents use the CRM without CRM credentials',
      env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
      ...props,
    });
    this.config = config;
    this.azCount = config.network.maxAzs;
    this.keys = new BridgeKeys(this, 'Keys');
    const agentRoleArns = Object.values(config.agents).flatMap((a) => a.roleArns ?? []);
    this.network = new BridgeNetwork(this, 'Network', {
      keys: this.keys,
      cidr: config.network.cidr,
      maxAzs: config.network.maxAzs,
      logRetention: config.logs.retentionDays,
      crmConnectivity: config.connectivity,
      apiCallerAccounts: accountsOf(agentRoleArns),
    });
    this.auditVault = new AuditVault(this, 'AuditVault', { keys: this.keys, ...config.audit });
    this.network.allowS3Bucket(this.auditVault.bucket);
    const { email: alarmEmail, ...thresholds } = config.alarms;
    this.monitoring = new BridgeMonitoring(this, 'Monitoring', { keys: this.keys, alarmEmail, ...thresholds, agentNames: Object.keys(config.agents) });
    this.tables = new DataTables(this, 'Tables', { keys: this.keys });
    this.credentials = new CrmCredentials(this, 'CrmCredentials', { keys: this.keys, crm: config.crm });
    this.rotation = new CrmRotation(this, 'CrmRotation', {
      network: this.network,
      keys: this.keys,
      credentials: this.credentials,
      crm: config.crm,
      rotationDays: config.crm.rotationDays,
      logRetentionDays: config.logs.retentionDays,
    });
    this.agentApi = new AgentApi(this, 'AgentApi', {
      network: this.network,
      keys: this.keys,
      auditVault: this.auditVault,
      tables: this.tables,
      credentials: this.credentials,
      runtime: config,
      ...config.api,
      logRetentionDays: config.logs.retentionDays,
    });
    this.approvalFlow = new ApprovalFlow(this, 'ApprovalFlow', {
      network: this.network,
      keys: this.keys,
      auditVault: this.auditVault,
      tables: this.tables,
      credentials: this.credentials,
      killSwitch: this.agentApi.killSwitch,
      runtimeConfigJson: this.agentApi.runtimeConfigJson,
      approvers: config.approvers,
      ...config.approvals,
      logRetentionDays: config.logs.retentionDays,
    });
    this.agentApi.useApprovalFlow(this.approvalFlow);
    this.gatewayRefusals = new GatewayRefusalAudit(this, 'GatewayRefusals', {
      network: this.network,
      keys: this.keys,
      auditVault: this.auditVault,
      accessLogGroup: this.agentApi.accessLogGroup,
      runtimeConfigJson: this.agentApi.runtimeConfigJson,
      logRetentionDays: config.logs.retentionDays,
    });
    this.digestJob = new AuditDigestJob(this, 'AuditDigest', {
      network: this.network,
      keys: this.keys,
      auditVault: this.auditVault,
      monitoring: this.monitoring,
      periodMinutes: config.audit.digestPeriodMinutes,
      bridgeVersion: bridgeVersion(),
      logRetentionDays: config.logs.retentionDays,
    });

    const outputs: Record<string, [string, string]> = {
      AgentApiUrl: [this.agentApi.api.url, 'Private agent API (call through the execute-api VPC endpoint with SigV4)'],
      KillSwitchParameter: [this.agentApi.killSwitch.parameterName, 'SSM parameter: normal | read-only | frozen'],
      CrmReadSecretArn: [this.credentials.readUser.secretArn, 'Put the read integration user credentials here'],
      CrmWriteSecretArn: [this.credentials.writeUser.secretArn, 'Put the write integration user credentials here'],
      ...(this.credentials.rotationAdmin
        ? { CrmRotationAdminSecretArn: [this.credentials.rotationAdmin.secretArn, 'Put the Salesforce credentials administrator (rotation) here'] as [string, string] }
        : {}),
      AuditBucket: [this.auditVault.bucket.bucketName, 'Audit events and digests (Object Lock)'],
      AuditSigningKeyArn: [this.keys.signing.keyArn, 'KMS key that signs audit digests (bridge audit verify --key-id)'],
      AlarmTopicArn: [this.monitoring.alarmTopic.topicArn, 'Alarm notifications'],
      StateMachineArn: [this.approvalFlow.stateMachine.stateMachineArn, 'Approval flow (one execution per request id)'],
      ApprovalTopicArn: [this.approvalFlow.topic.topicArn, 'Approval notices (approvers with an e-mail address are subscribed)'],
      ...(this.approvalFlow.slackSecret
        ? { SlackWebhookSecretArn: [this.approvalFlow.slackSecret.secretArn, 'Put {"webhookUrl": "https://hooks.slack.com/..."} here'] as [string, string] }
        : {}),
      ...Object.fromEntries(
        Object.entries(this.agentApi.agentRoles).map(([name, role]): [string, [string, string]] => [
          `AgentRole${name.replace(/[^A-Za-z0-9]/g, '')}`,
          [role.roleArn, `Role agent '${name}' assumes to call the API`],
        ]),
      ),
    };
    for (const [id, [value, description]] of Object.entries(outputs)) new CfnOutput(this, id, { value, description });
  }

  /** AZs resolved by CloudFormation (Fn::GetAZs), so synth with an account and region needs no lookup. */
  public get availabilityZones(): string[] {
    return Array.from({ length: this.azCount }, (_, i) => Fn.select(i, Fn.getAzs()));
  }
}

/** The five cdk-nag packs every synth of the bridge runs; findings land in the validation report. */
export function applyCompliancePacks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new HIPAASecurityChecks(app),
    new PCIDSS321Checks(app),
    new ServerlessChecks(app),
  );
}
