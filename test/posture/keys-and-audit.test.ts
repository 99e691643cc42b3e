/**
 * Security invariants: one CMK per purpose with rotation plus an asymmetric signing key, no
 * wildcard principals in key policies; the audit bucket is write-once and tamper-denied.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { AUDIT_DENIED_ACTIONS } from '../../lib/constructs/audit-vault';
import { DEFAULT_CONFIG, EGRESS_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: Record<string, CfnJson>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

function principalsOf(statement: CfnJson): unknown[] {
  const p = statement.Principal;
  if (p === '*') return ['*'];
  return Object.values(p ?? {}).flatMap((v) => (Array.isArray(v) ? v : [v]));
}

describe('posture: KMS keys', () => {
  let template: Template;
  let stack: BridgeStack;
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG));
    template = Template.fromStack(stack);
  });

  test('one symmetric CMK per purpose (data, secrets, audit, logs, alarms), each with rotation enabled', () => {
    // Prepare
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as Resource[];

    // Act
    const symmetric = keys.filter((k) => k.Properties.KeySpec === 'SYMMETRIC_DEFAULT');

    // Assess
    expect(symmetric).toHaveLength(5);
    for (const key of symmetric) expect(key.Properties.EnableKeyRotation).toBe(true);
    for (const purpose of ['data', 'secrets', 'audit', 'logs', 'alarms', 'signing', 'decisions']) {
      template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${stack.stackName}/${purpose}` });
    }
  });

  test('two asymmetric ECC_NIST_P256 SIGN_VERIFY keys: one signs audit digests, the other decision tokens', () => {
    // Prepare
    const keys = template.toJSON().Resources as Record<string, Resource>;

    // Act
    const asymmetric = Object.entries(keys).filter(([, k]) => k.Type === 'AWS::KMS::Key' && k.Properties.KeySpec === 'ECC_NIST_P256');

    // Assess
    expect(asymmetric.map(([, k]) => k.Properties.KeyUsage)).toEqual(['SIGN_VERIFY', 'SIGN_VERIFY']);
    expect(asymmetric.map(([kid]) => kid).sort()).toEqual([stack.keys.signing, stack.keys.decisions].map((k) => stack.getLogicalId(k.node.defaultChild as CfnJson)).sort());
  });

  test('no key policy grants a wildcard principal', () => {
    // Prepare
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as Resource[];

    // Act
    const principals = keys.flatMap((k) => (k.Properties.KeyPolicy.Statement as CfnJson[]).flatMap(principalsOf));

    // Assess
    expect(principals.length).toBeGreaterThan(0);
    for (const p of principals) expect(JSON.stringify(p)).not.toMatch(/^"\*"$|"\*"/);
  });

  test('the logs key admits CloudWatch Logs only for this account’s log groups', () => {
    // Prepare / Act / Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: Match.anyValue() },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('keys are retained when the stack is deleted', () => {
    // Prepare / Act / Assess
    for (const key of Object.values(template.findResources('AWS::KMS::Key')) as Resource[]) {
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('posture: audit vault', () => {
  let template: Template;
  let stack: BridgeStack;
  let auditBucket: Resource;
  let auditPolicy: Resource;
  beforeAll(() => {
    stack = bridgeStack(configFrom(EGRESS_CONFIG));
    template = Template.fromStack(stack);
    const bucketId = stack.getLogicalId(stack.auditVault.bucket.node.defaultChild as CfnJson);
    auditBucket = template.toJSON().Resources[bucketId];
    auditPolicy = (Object.values(template.findResources('AWS::S3::BucketPolicy')) as Resource[]).find((p) => p.Properties.Bucket.Ref === bucketId)!;
  });

  test('Object Lock is enabled with a COMPLIANCE default retention from config', () => {
    // Prepare / Act / Assess
    expect(auditBucket.Properties.ObjectLockEnabled).toBe(true);
    expect(auditBucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: stack.config.audit.retentionDays } },
    });
  });

  test('versioning, block public access, SSE-KMS with the audit key and a bucket key', () => {
    // Prepare / Act / Assess
    expect(auditBucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(auditBucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rule = auditBucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(rule.BucketKeyEnabled).toBe(true);
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(JSON.stringify(rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toContain(stack.getLogicalId(stack.keys.audit.node.defaultChild as CfnJson));
  });

  test('SSL-only: requests without TLS are denied', () => {
    // Prepare / Act / Assess
    expect(auditPolicy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    );
  });

  test('server access logs go to a separate versioned, private, SSL-only, retained bucket', () => {
    // Prepare
    const logsId = stack.getLogicalId(stack.auditVault.accessLogsBucket.node.defaultChild as CfnJson);
    const logsBucket = template.toJSON().Resources[logsId] as Resource;

    // Act / Assess
    expect(auditBucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logsId });
    expect(logsBucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(logsBucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    expect(logsBucket.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the bucket and its policy are retained on stack deletion', () => {
    // Prepare / Act / Assess
    expect(auditBucket.DeletionPolicy).toBe('Retain');
    expect(auditPolicy.DeletionPolicy).toBe('Retain');
  });

  test('lifecycle moves objects to cheaper storage after the configured days', () => {
    // Prepare / Act / Assess
    expect(auditBucket.Properties.LifecycleConfiguration.Rules[0].Transitions).toEqual(
      expect.arrayContaining([{ StorageClass: 'STANDARD_IA', TransitionInDays: stack.config.audit.transitionToInfrequentAccessDays }]),
    );
  });

  test('the bucket policy denies deletes and Object Lock or policy changes to all but the break-glass role', () => {
    // Prepare
    const deny = (auditPolicy.Properties.PolicyDocument.Statement as CfnJson[]).find((s) => s.Sid === 'DenyDeletesAndLockOrPolicyChanges');

    // Act / Assess
    expect(deny.Effect).toBe('Deny');
    expect(deny.Principal).toEqual({ AWS: '*' });
    expect([...deny.Action].sort()).toEqual([...AUDIT_DENIED_ACTIONS].sort());
    expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': stack.config.audit.breakGlassRoleArn } });
  });

  test('the bucket policy denies unencrypted puts and puts under another key', () => {
    // Prepare
    const statements = auditPolicy.Properties.PolicyDocument.Statement as CfnJson[];

    // Act
    const unencrypted = statements.find((s) => s.Sid === 'DenyPutsNotEncryptedWithKms');
    const otherKey = statements.find((s) => s.Sid === 'DenyPutsWithAnotherKey');

    // Assess
    expect(unencrypted).toMatchObject({ Effect: 'Deny', Action: 's3:PutObject', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } });
    expect(otherKey.Effect).toBe('Deny');
    expect(JSON.stringify(otherKey.Condition.StringNotEquals['s3:x-amz-server-side-encryption-aws-kms-key-id'])).toContain(
      stack.getLogicalId(stack.keys.audit.node.defaultChild as CfnJson),
    );
  });
});
