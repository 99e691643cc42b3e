/**
 * Operations posture: the CRM secrets rotate on the configured schedule through a rotation
 * function in the isolated subnets whose role reaches only its secrets; every alarm notifies the
 * KMS-encrypted topic; every bridge function and dead-letter queue is watched; the anomaly
 * alarms use the configured thresholds; the missing-digest alarm is among them; a dashboard exists.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BridgeStack } from '../../lib/bridge-stack';
import { BridgeFunction } from '../../lib/constructs/bridge-function';
import { METRICS } from '../../lambda/core/constants';
import { DEFAULT_CONFIG, bridgeStack, configFrom, CfnJson } from '../lib/bridge-fixtures';

type Resource = { Type: string; Properties: CfnJson };
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ROTATION_DAYS = 14;
const THRESHOLDS = { recordsPerMinutePerAgent: 300, validationFailuresPer5Minutes: 12, denialsPer5Minutes: 8 };

describe('posture: rotation, alarms and dashboard', () => {
  let stack: BridgeStack;
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  const statementsOf = (roleId: string): CfnJson[] =>
    asList<CfnJson>(resources[roleId].Properties.ManagedPolicyArns).flatMap((arn) => {
      const policy = arn.Ref ? resources[arn.Ref] : undefined;
      return policy?.Type === 'AWS::IAM::ManagedPolicy' ? (policy.Properties.PolicyDocument.Statement as CfnJson[]) : [];
    });
  beforeAll(() => {
    stack = bridgeStack(
      configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
        raw.crm.rotationDays = ROTATION_DAYS;
        raw.alarms = { ...raw.alarms, ...THRESHOLDS };
      }),
    );
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  test('both CRM secrets rotate every crm.rotationDays with the rotation function, the first rotation on schedule', () => {
    // Prepare / Act
    const schedules = ofType('AWS::SecretsManager::RotationSchedule').map(([, r]) => r.Properties);

    // Assess
    expect(schedules.map((s) => s.SecretId.Ref).sort()).toEqual([id(stack.credentials.readUser), id(stack.credentials.writeUser)].sort());
    for (const s of schedules) {
      expect(s.RotationRules).toEqual({ ScheduleExpression: `rate(${ROTATION_DAYS} days)` });
      expect(s.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [id(stack.rotation.function), 'Arn'] });
      expect(s.RotateImmediatelyOnUpdate).toBe(false);
    }
  });

  test('the rotation role uses Secrets Manager on its secrets only: the two it rotates and the Salesforce administrator, never "*"', () => {
    // Prepare
    const allowed = [stack.credentials.readUser, stack.credentials.writeUser, stack.credentials.rotationAdmin!].map((s) => JSON.stringify({ Ref: id(s) }));

    // Act
    const statements = statementsOf(id(stack.rotation.function.functionRole)).filter((s) => asList<string>(s.Action).some((a) => a.startsWith('secretsmanager:')));
    const writers = ofType('AWS::IAM::Role').filter(([roleId]) => statementsOf(roleId).some((s) => asList<string>(s.Action).includes('secretsmanager:PutSecretValue')));

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(asList<CfnJson>(s.Resource).map((r) => JSON.stringify(r)).every((r) => allowed.includes(r))).toBe(true);
      expect(asList<string>(s.Action).every((a) => a !== '*' && a !== 'secretsmanager:*')).toBe(true);
    }
    expect(writers.map(([roleId]) => roleId)).toEqual([id(stack.rotation.function.functionRole)]);
  });

  test('the rotation function runs in the isolated subnets and only Secrets Manager may invoke it, for the two CRM secrets', () => {
    // Prepare
    const fn = resources[id(stack.rotation.function)].Properties;
    const isolated = stack.network.vpc.isolatedSubnets.map((s) => JSON.stringify(stack.resolve(s.subnetId)));

    // Act
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.FunctionName).includes(id(stack.rotation.function)));

    // Assess
    expect(fn.VpcConfig.SubnetIds.length).toBeGreaterThanOrEqual(2);
    for (const subnet of fn.VpcConfig.SubnetIds) expect(isolated).toContain(JSON.stringify(subnet));
    expect(permissions.map((p) => [p.Principal, p.SourceArn.Ref]).sort()).toEqual(
      [stack.credentials.readUser, stack.credentials.writeUser].map((s) => ['secretsmanager.amazonaws.com', id(s)]).sort(),
    );
  });

  test('every alarm of the stack notifies the KMS-encrypted alarm topic, on alarm and on recovery', () => {
    // Prepare
    const topicId = id(stack.monitoring.alarmTopic);

    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);

    // Assess
    expect(alarms).toHaveLength(stack.monitoring.alarms.length);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
    }
    expect(resources[topicId].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [id(stack.keys.alarms), 'Arn'] });
  });

  test('every bridge function has an Errors and a Throttles alarm, and every dead-letter queue a depth alarm', () => {
    // Prepare
    const functions = stack.node.findAll().filter((c): c is BridgeFunction => c instanceof BridgeFunction);
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const watching = (namespace: string, metric: string, dimension: CfnJson) =>
      alarms.filter((a) => a.Namespace === namespace && a.MetricName === metric && JSON.stringify(a.Dimensions?.[0]?.Value) === JSON.stringify(dimension));

    // Act
    const queues = functions.flatMap((f) => (f.deadLetterQueue ? [f.deadLetterQueue] : []));

    // Assess
    expect(functions).toContain(stack.rotation.function);
    for (const f of functions) {
      expect(watching('AWS/Lambda', 'Errors', { Ref: id(f) })).toHaveLength(1);
      expect(watching('AWS/Lambda', 'Throttles', { Ref: id(f) })).toHaveLength(1);
    }
    expect(queues.length).toBeGreaterThan(0);
    for (const q of queues) expect(watching('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': [id(q), 'QueueName'] })).toHaveLength(1);
  });

  test('the anomaly alarms use the configured thresholds, one records-per-minute alarm per configured agent', () => {
    // Prepare
    const props = (a: { node: { defaultChild?: unknown } }) => resources[id(a)].Properties;

    // Act
    const perAgent = Object.entries(stack.monitoring.recordVolumeAlarms);

    // Assess
    expect(perAgent.map(([agent]) => agent)).toEqual(Object.keys(stack.config.agents));
    for (const [agent, alarm] of perAgent) {
      expect(props(alarm)).toMatchObject({ MetricName: METRICS.NAMES.RECORDS_RETURNED, Period: 60, Threshold: THRESHOLDS.recordsPerMinutePerAgent, ComparisonOperator: 'GreaterThanThreshold' });
      expect(props(alarm).Dimensions).toContainEqual({ Name: METRICS.AGENT_DIMENSION, Value: agent });
    }
    expect(props(stack.monitoring.validationFailureAlarm)).toMatchObject({ MetricName: METRICS.NAMES.VALIDATION_FAILURES, Period: 300, Threshold: THRESHOLDS.validationFailuresPer5Minutes });
    expect(props(stack.monitoring.denialAlarm)).toMatchObject({ MetricName: METRICS.NAMES.DENIALS, Period: 300, Threshold: THRESHOLDS.denialsPer5Minutes });
  });

  test('the missing-digest alarm is one of the monitored alarms, and the dashboard lists every alarm', () => {
    // Prepare
    const [[dashboardId, dashboard]] = ofType('AWS::CloudWatch::Dashboard');

    // Act
    const body = JSON.stringify(dashboard.Properties.DashboardBody);

    // Assess
    expect(dashboardId).toBe(id(stack.monitoring.dashboard));
    expect(stack.monitoring.alarms).toContain(stack.digestJob.missingDigestAlarm);
    for (const a of stack.monitoring.alarms) expect(body).toContain(id(a));
  });
});
