import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULTS } from '../config';
import { FunctionRole } from './bridge-function';
import { BridgeKeys } from './keys';

export interface AuditVaultProps {
  /** Keys of the bridge; the audit key encrypts every object. */
  readonly keys: BridgeKeys;
  /**
   * Object Lock mode of the default retention. GOVERNANCE lets principals with
   * s3:BypassGovernanceRetention delete records and requires `acceptGovernanceModeRisk: true`.
   * @default DEFAULTS.audit.retentionMode ('COMPLIANCE')
   */
  readonly retentionMode?: 'COMPLIANCE' | 'GOVERNANCE';
  /**
   * Required with retentionMode GOVERNANCE.
   * @default false
   */
  readonly acceptGovernanceModeRisk?: boolean;
  /**
   * Default retention of every object version, in days.
   * @default DEFAULTS.audit.retentionDays (365)
   */
  readonly retentionDays?: number;
  /**
   * Days until objects move to STANDARD_IA.
   * @default DEFAULTS.audit.transitionToInfrequentAccessDays (90)
   */
  readonly transitionToInfrequentAccessDays?: number;
  /**
   * Days until objects move to GLACIER.
   * @default - objects stay in STANDARD_IA
   */
  readonly transitionToGlacierDays?: number;
  /**
   * The one role exempt from the bucket policy's denials of deletes and policy or lock changes.
   * @default - no exemption; only the account root can then change the bucket policy
   */
  readonly breakGlassRoleArn?: string;
}

/** Key prefixes of the audit bucket (lambda/core/audit/keys.ts lays keys out under them). */
export const AUDIT_PREFIXES = { events: 'events/', digests: 'digests/' } as const;

/** Actions the bucket policy denies to everyone but the break-glass role. */
export const AUDIT_DENIED_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:BypassGovernanceRetention',
] as const;

/**
 * Write-once audit storage: an S3 bucket with Object Lock default retention, versioning,
 * SSE-KMS under the audit key with a bucket key, all public access blocked, TLS only,
 * server access logs to a separate locked-down bucket, retained on stack deletion.
 *
 * Writers must send `x-amz-server-side-encryption: aws:kms` and
 * `x-amz-server-side-encryption-aws-kms-key-id: <audit key ARN>` (SDK: ServerSideEncryption
 * and SSEKMSKeyId); the bucket policy denies any other put.
 */
export class AuditVault extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly retentionMode: 'COMPLIANCE' | 'GOVERNANCE';
  public readonly retentionDays: number;
  private readonly keys: BridgeKeys;

  constructor(scope: Construct, id: string, props: AuditVaultProps) {
    super(scope, id);
    // Log delivery through a bucket policy, never through the LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.retentionMode = props.retentionMode ?? DEFAULTS.audit.retentionMode;
    this.retentionDays = props.retentionDays ?? DEFAULTS.audit.retentionDays;
    if (this.retentionMode === 'GOVERNANCE' && props.acceptGovernanceModeRisk !== true) {
      throw new Error(
        'AuditVault: GOVERNANCE retention lets principals with s3:BypassGovernanceRetention delete audit records; pass acceptGovernanceModeRisk: true to accept that risk, or keep COMPLIANCE',
      );
    }
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < 1) {
      throw new Error(`AuditVault: retentionDays is ${this.retentionDays}; Object Lock needs a whole number of days >= 1`);
    }
    this.keys = props.keys;
    const iaDays = props.transitionToInfrequentAccessDays ?? DEFAULTS.audit.transitionToInfrequentAccessDays;

    // S3 delivers server access logs only to SSE-S3 buckets without Object Lock default retention.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) }] }],
    });
    Validations.of(this.accessLogsBucket).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'This is the server access log bucket of the audit vault; logging it would log its own log deliveries.' },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'This is the server access log bucket of the audit vault; logging it would log its own log deliveries.' },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: 'This is the server access log bucket of the audit vault; logging it would log its own log deliveries.' },
      { id: 'PCI.DSS.321-S3BucketLoggingEnabled', reason: 'This is the server access log bucket of the audit vault; logging it would log its own log deliveries.' },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery supports only SSE-S3 on the target bucket.' },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery supports only SSE-S3 on the target bucket.' },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery supports only SSE-S3 on the target bucket.' },
    );

    const retention = Duration.days(this.retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention:
        this.retentionMode === 'COMPLIANCE' ? s3.ObjectLockRetention.compliance(retention) : s3.ObjectLockRetention.governance(retention),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.keys.audit,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-vault/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) },
            ...(props.transitionToGlacierDays === undefined
              ? []
              : [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.transitionToGlacierDays) }]),
          ],
        },
      ],
    });

    for (const bucket of [this.bucket, this.accessLogsBucket]) {
      this.denyTampering(bucket, props.breakGlassRoleArn);
      // Deleting the policy resource would need s3:DeleteBucketPolicy, which the policy itself denies.
      bucket.policy?.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
    const auditKeyArn = props.keys.audit.keyArn;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsNotEncryptedWithKms',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPutsWithAnotherKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': auditKeyArn } },
      }),
    );
    Validations.of(this.bucket).acknowledge(
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-S3BucketReplicationEnabled`,
        reason:
          'Replication needs a second region and bucket the deployer chooses; Object Lock, versioning and RETAIN already prevent loss, and replication can be added per account.',
      })),
    );
    Validations.of(this.accessLogsBucket).acknowledge(
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-S3BucketReplicationEnabled`,
        reason: 'Access logs of the audit vault stay in-region with the vault; they are versioned, deletion-denied and retained.',
      })),
    );
  }

  /**
   * Put-only: the grantee can add audit objects under `keyPattern` but never read, delete or
   * relabel them (the bucket policy denies deletes to everyone anyway).
   */
  public grantAppend(grantee: iam.IGrantable, keyPattern = '*'): iam.Grant {
    this.keys.audit.grant(grantee, 'kms:GenerateDataKey');
    this.acknowledgeKeyPattern(grantee, keyPattern);
    return iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(keyPattern)] });
  }

  /**
   * The digest job: list and read events and digests, and add digests, nothing else (no
   * delete, no put outside `digests/`, no other bucket).
   */
  public grantDigestJob(grantee: iam.IGrantable): void {
    const prefixes = [AUDIT_PREFIXES.events, AUDIT_PREFIXES.digests];
    this.keys.audit.grantDecrypt(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket', 's3:ListBucketVersions'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)),
    });
    this.acknowledgeKeyPattern(grantee, `${AUDIT_PREFIXES.events}*`);
    this.grantAppend(grantee, `${AUDIT_PREFIXES.digests}*`);
  }

  /** A key-prefix wildcard is the narrowest grant on objects named by time; said where it is granted. */
  private acknowledgeKeyPattern(grantee: iam.IGrantable, keyPattern: string): void {
    if (!(grantee.grantPrincipal instanceof FunctionRole) || keyPattern === '*') return;
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(grantee.grantPrincipal.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${keyPattern}]`,
      reason: `Audit object keys carry their time (${keyPattern.replace('*', '')}YYYY/MM/DD/…), so a key-prefix wildcard is the narrowest grant.`,
    });
  }

  private denyTampering(bucket: s3.Bucket, breakGlassRoleArn: string | undefined): void {
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeletesAndLockOrPolicyChanges',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...AUDIT_DENIED_ACTIONS],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        conditions: breakGlassRoleArn ? { ArnNotEquals: { 'aws:PrincipalArn': breakGlassRoleArn } } : undefined,
      }),
    );
  }
}
