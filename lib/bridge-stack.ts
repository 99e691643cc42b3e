import { App, Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { BridgeConfig } from './config';
import { AuditVault } from './constructs/audit-vault';
import { BridgeKeys } from './constructs/keys';
import { BridgeNetwork } from './constructs/network';

export interface BridgeStackProps extends StackProps {
  /** The validated deployment config (lib/config.ts). */
  readonly config: BridgeConfig;
}

/** Accounts named in role ARNs; agents and approvers may sit in other accounts than the bridge. */
function accountsOf(roleArns: readonly string[]): string[] {
  return [...new Set(roleArns.map((arn) => arn.split(':')[4]))];
}

/** The whole bridge. Later capabilities (API, tables, functions) attach to the public constructs. */
export class BridgeStack extends Stack {
  public readonly config: BridgeConfig;
  public readonly keys: BridgeKeys;
  public readonly network: BridgeNetwork;
  public readonly auditVault: AuditVault;
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
