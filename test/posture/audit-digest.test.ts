/**
 * The digest job: scheduled at the configured period, with failure handling (DLQ, retries,
 * alarms to an encrypted topic), and least privilege — it may only read audit objects, write
 * digests and sign with the signing key.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULTS } from '../../lib/config';
import { AUDIT_ENV } from '../../lambda/core/constants';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: Record<string, CfnJson> };
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const PERIOD = 5;

describe('posture: audit digest job', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  beforeAll(() => {
    stack = bridgeStack(configFrom(DEFAULT_CONFIG, (raw: CfnJson) => (raw.audit.digestPeriodMinutes = PERIOD)));
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  test('an EventBridge schedule runs the digest function at the configured period', () => {
    // Prepare
    const fnId = id(stack.digestJob.function);

    // Act
    const [, rule] = ofType('AWS::Events::Rule')[0];
    const env = resources[fnId].Properties.Environment.Variables;

    // Assess
    expect(ofType('AWS::Events::Rule')).toHaveLength(1);
    expect(rule.Properties.ScheduleExpression).toBe(`rate(${PERIOD} minutes)`);
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })]);
    expect(env[AUDIT_ENV.DIGEST_PERIOD_MINUTES]).toBe(String(PERIOD));
  });

  test('the default period is 15 minutes', () => {
    // Prepare
    const defaults = bridgeStack(configFrom(DEFAULT_CONFIG));

    // Act
    const rule = Object.values(Template.fromStack(defaults).findResources('AWS::Events::Rule'))[0] as Resource;

    // Assess
    expect(DEFAULTS.audit.digestPeriodMinutes).toBe(15);
    expect(rule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
  });

  test('failed runs land in an encrypted dead-letter queue; one run at a time', () => {
    // Prepare
    const fn = resources[id(stack.digestJob.function)].Properties;

    // Act
    const queue = resources[fn.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]];

    // Assess
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [id(stack.keys.data), 'Arn'] });
  });

  test('a missing digest alarms: AuditDigestsWritten Sum < 1 over two periods, missing data breaching', () => {
    // Prepare / Act
    const alarm = resources[id(stack.digestJob.missingDigestAlarm)].Properties;

    // Assess
    expect(alarm).toMatchObject({
      Namespace: 'CrmAgentBridge',
      MetricName: 'AuditDigestsWritten',
      Dimensions: [{ Name: 'service', Value: 'audit-digest' }],
      Statistic: 'Sum',
      Period: PERIOD * 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
  });

  test('both digest alarms notify the KMS-encrypted, TLS-only alarm topic', () => {
    // Prepare
    const topicId = id(stack.monitoring.alarmTopic);
    const [, topicPolicy] = ofType('AWS::SNS::TopicPolicy')[0];

    // Act
    const alarms = [stack.digestJob.missingDigestAlarm, stack.digestJob.failedRunAlarm].map((a) => resources[id(a)].Properties);

    // Assess
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(resources[topicId].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [id(stack.keys.alarms), 'Arn'] });
    expect(topicPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  test('the digest role may only read audit events and digests, write digests and sign', () => {
    // Prepare
    const role = resources[id(stack.digestJob.function.functionRole)];
    const bucket = id(stack.auditVault.bucket);
    const policyId = role.Properties.ManagedPolicyArns[0].Ref;

    // Act
    const statements = (resources[policyId].Properties.PolicyDocument.Statement as CfnJson[]).map((s) => ({
      actions: asList<string>(s.Action),
      resources: asList<CfnJson>(s.Resource).map((r) => JSON.stringify(r)),
      condition: s.Condition,
    }));
    const s3 = statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));

    // Assess
    expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
    expect(role.Properties.Policies).toBeUndefined();
    for (const s of statements) expect(s.actions.map((a) => a.split(':')[0]).every((svc) => ['s3', 'kms', 'logs', 'ec2', 'xray', 'sqs'].includes(svc))).toBe(true);
    const sqs = statements.filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
    expect(sqs).toEqual([{ actions: ['sqs:SendMessage'], resources: [JSON.stringify({ 'Fn::GetAtt': [id(stack.digestJob.function.deadLetterQueue!), 'Arn'] })], condition: undefined }]);
    const s3Actions = s3.flatMap((s) => s.actions);
    expect(s3Actions.filter((a) => /Delete|PutBucket|PutObjectRetention|PutObjectLegalHold|Bypass/.test(a))).toEqual([]);
    for (const s of s3) for (const r of s.resources) expect(r).toContain(bucket);
    const puts = s3.filter((s) => s.actions.includes('s3:PutObject'));
    expect(puts.flatMap((s) => s.resources)).toEqual([expect.stringMatching(/\/digests\/\*"\]\]\}$/)]);
    const list = s3.find((s) => s.actions.includes('s3:ListBucketVersions'));
    expect(list?.condition).toEqual({ StringLike: { 's3:prefix': ['events/*', 'digests/*'] } });
    const kmsByKey = (key: { node: { defaultChild?: unknown } }) =>
      kms.filter((s) => s.resources.includes(JSON.stringify({ 'Fn::GetAtt': [id(key), 'Arn'] }))).flatMap((s) => s.actions).sort();
    expect(kmsByKey(stack.keys.audit)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kmsByKey(stack.keys.signing)).toEqual(['kms:Sign']);
    // The data key only for sending failed events to the encrypted dead-letter queue.
    expect(kmsByKey(stack.keys.data)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms.flatMap((s) => s.resources).filter((r) => ![stack.keys.audit, stack.keys.signing, stack.keys.data].some((k) => r === JSON.stringify({ 'Fn::GetAtt': [id(k), 'Arn'] })))).toEqual([]);
  });
});
