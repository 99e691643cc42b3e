import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface BridgeKeysProps {
  /**
   * Prefix of the key aliases (`<prefix>/data`, `<prefix>/secrets`, …).
   * @default `alias/<stack name>`
   */
  readonly aliasPrefix?: string;
  /**
   * How often KMS rotates the symmetric keys' material.
   * @default 365 days
   */
  readonly rotationPeriod?: Duration;
}

/**
 * One customer-managed key per purpose, so a grant on one kind of data never opens another:
 * `data` (tables, queues, token vault), `secrets` (CRM credentials), `audit` (audit bucket),
 * `logs` (every log group), `alarms` (the alarm topic), plus two asymmetric ES256 keys: `signing` for audit digests
 * and `decisions` for decision tokens, so the approval flow's signers can never sign a digest (or an auditor's
 * trust in digests extend to tokens). Keys are retained on stack deletion: destroying a key destroys its data.
 *
 * Key policies keep the CDK default statement granting `kms:*` to the account root. That
 * statement is not a wildcard principal: it delegates authority to IAM in this account,
 * which is what makes the grants (`key.grantEncryptDecrypt(role)` etc., IAM policies on
 * the grantee) work. No other principal appears except the CloudWatch Logs service on
 * the logs key, scoped to this account's log groups by encryption context, and CloudWatch on
 * the alarms key, which encrypts nothing but alarm notifications.
 */
export class BridgeKeys extends Construct {
  public readonly data: kms.Key;
  public readonly secrets: kms.Key;
  public readonly audit: kms.Key;
  public readonly logs: kms.Key;
  public readonly alarms: kms.Key;
  /** Signs audit digests (the digest job only). */
  public readonly signing: kms.Key;
  /** Signs decision tokens (the token issuers only; the executors read its public key). */
  public readonly decisions: kms.Key;

  constructor(scope: Construct, id: string, props: BridgeKeysProps = {}) {
    super(scope, id);
    const prefix = props.aliasPrefix ?? `alias/${Stack.of(this).stackName}`;
    const symmetric = (name: string, description: string): kms.Key =>
      new kms.Key(this, name[0].toUpperCase() + name.slice(1), {
        description,
        alias: `${prefix}/${name}`,
        rotationPeriod: props.rotationPeriod,
        // Enforced: the caller cannot turn these off.
        enableKeyRotation: true,
        keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
        keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.data = symmetric('data', 'crm-agent-bridge: tables, queues and the token vault');
    this.secrets = symmetric('secrets', 'crm-agent-bridge: CRM credentials in Secrets Manager');
    this.audit = symmetric('audit', 'crm-agent-bridge: audit vault objects');
    this.logs = symmetric('logs', 'crm-agent-bridge: CloudWatch log groups');
    this.logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    this.alarms = symmetric('alarms', 'crm-agent-bridge: alarm notifications (SNS)');
    // CloudWatch encrypts what it publishes to the alarm topic with this key.
    this.alarms.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    // KMS does not rotate asymmetric keys; a new signing key means a new key id in the tokens or digests.
    const asymmetric = (name: string, description: string): kms.Key =>
      new kms.Key(this, name[0].toUpperCase() + name.slice(1), {
        description,
        alias: `${prefix}/${name}`,
        keySpec: kms.KeySpec.ECC_NIST_P256,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.signing = asymmetric('signing', 'crm-agent-bridge: ES256 audit digests');
    this.decisions = asymmetric('decisions', 'crm-agent-bridge: ES256 decision tokens');
  }
}
