/**
 * BridgeMonitoring: alarms on the audit-derived metrics at the configured thresholds, Errors and
 * Throttles alarms on every house function and a depth alarm on every dead-letter queue (found
 * by walking the stack), everything notifying the encrypted topic, and the dashboard.
 */
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DEFAULTS } from '../../../lib/config';
import { BridgeFunction } from '../../../lib/constructs/bridge-function';
import { BridgeMonitoring } from '../../../lib/constructs/monitoring';
import { withAuditMetrics } from '../../../lambda/adapters/metrics';
import { AUDIT_EVENT_REJECTED } from '../../../lambda/core/audited';
import { buildAuditEvent } from '../../../lambda/core/audit/event';
import { METRICS } from '../../../lambda/core/constants';
import { CfnJson, networkStack } from '../bridge-fixtures';

const ENTRY = join(__dirname, '..', '..', 'fixtures', 'echo-handler.ts');
type Resource = { Type: string; Properties: CfnJson };

function build(props: Partial<ConstructorParameters<typeof BridgeMonitoring>[2]> = {}) {
  const { stack, keys, network } = networkStack();
  const monitoring = new BridgeMonitoring(stack, 'Monitoring', { keys, agentNames: ['support', 'sales'], ...props });
  const fn = (id: string, invocation: 'synchronous' | 'asynchronous') => new BridgeFunction(stack, id, { entry: ENTRY, network, keys, reservedConcurrentExecutions: 1, invocation });
  const sync = fn('Sync', 'synchronous');
  const async = fn('Async', 'asynchronous');
  // A construct that alarms on its own dead-letter queue already, as the digest job does.
  const selfWatched = fn('SelfWatched', 'asynchronous');
  const ownAlarm = monitoring.alarm(stack, 'OwnDlqAlarm', {
    metric: selfWatched.deadLetterQueue!.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnJson);
  const alarm = (a: cloudwatch.Alarm) => resources[id(a)].Properties;
  return { stack, monitoring, sync, async, selfWatched, ownAlarm, resources, id, alarm };
}

describe('BridgeMonitoring', () => {
  let built: ReturnType<typeof build>;
  beforeAll(() => {
    built = build({ recordsPerMinutePerAgent: 120, validationFailuresPer5Minutes: 7, denialsPer5Minutes: 9 });
  });

  test('each agent gets a records-per-minute alarm: more than the threshold in one minute', () => {
    // Prepare / Act
    const { monitoring, alarm } = built;

    // Assess
    expect(Object.keys(monitoring.recordVolumeAlarms)).toEqual(['support', 'sales']);
    for (const agent of ['support', 'sales']) {
      expect(alarm(monitoring.recordVolumeAlarms[agent])).toMatchObject({
        Namespace: METRICS.NAMESPACE,
        MetricName: 'RecordsReturned',
        Dimensions: [
          { Name: 'agent', Value: agent },
          { Name: 'service', Value: METRICS.AUDIT_SERVICE },
        ],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 120,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test.each([
    ['validationFailureAlarm', 'ValidationFailures', 7],
    ['denialAlarm', 'Denials', 9],
    ['auditWriteFailureAlarm', 'AuditWriteFailures', 1],
    ['auditEventRejectedAlarm', 'AuditEventsRejected', 1],
    ['approvalTimeoutAlarm', 'ApprovalTimeouts', 1],
  ] as const)('%s fires at %s >= its threshold in 5 minutes, bridge-wide', (member, metricName, threshold) => {
    // Prepare / Act
    const props = built.alarm(built.monitoring[member]);

    // Assess
    expect(props).toMatchObject({
      Namespace: METRICS.NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: METRICS.AUDIT_SERVICE }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('one audit event the schema refused in 5 minutes raises an alarm to the topic that says what it means and what to do', () => {
    // Prepare
    const { monitoring, alarm, id } = built;
    const topic = { Ref: id(monitoring.alarmTopic) };

    // Act
    const props = alarm(monitoring.auditEventRejectedAlarm);

    // Assess
    expect(monitoring.alarms).toContain(monitoring.auditEventRejectedAlarm);
    expect(props).toMatchObject({
      Namespace: METRICS.NAMESPACE,
      MetricName: METRICS.NAMES.AUDIT_EVENTS_REJECTED,
      Dimensions: [{ Name: 'service', Value: METRICS.AUDIT_SERVICE }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(props.AlarmDescription).toContain(AUDIT_EVENT_REJECTED);
    expect(props.AlarmDescription).toMatch(/bug in the bridge or crafted input.*security team.*Incident runbook/);
  });

  test('the thresholds default to DEFAULTS.alarms', () => {
    // Prepare / Act
    const { monitoring, alarm } = build();

    // Assess
    expect(alarm(monitoring.recordVolumeAlarms.support).Threshold).toBe(DEFAULTS.alarms.recordsPerMinutePerAgent);
    expect(alarm(monitoring.validationFailureAlarm).Threshold).toBe(DEFAULTS.alarms.validationFailuresPer5Minutes);
    expect(alarm(monitoring.denialAlarm).Threshold).toBe(DEFAULTS.alarms.denialsPer5Minutes);
  });

  test.each([0, -1, 2.5])('refuses a threshold of %p', (value) => {
    // Act / Assess
    expect(() => build({ denialsPer5Minutes: value })).toThrow(/denialsPer5Minutes is .*; it must be a whole number of at least 1/);
  });

  test('every house function gets an Errors and a Throttles alarm, found by walking the stack', () => {
    // Prepare
    const { monitoring, sync, async, selfWatched, id, alarm } = built;

    // Act
    const watched = [...monitoring.functionAlarms.keys()];

    // Assess
    expect(watched.sort((a, b) => a.node.path.localeCompare(b.node.path))).toEqual([async, selfWatched, sync]);
    for (const fn of watched) {
      const { errors, throttles } = monitoring.functionAlarms.get(fn)!;
      for (const [a, metricName] of [
        [errors, 'Errors'],
        [throttles, 'Throttles'],
      ] as const) {
        expect(alarm(a)).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn) } }],
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    }
  });

  test('every dead-letter queue alarms once: the house alarm, unless its construct already watches it', () => {
    // Prepare
    const { monitoring, sync, async, selfWatched, stack, alarm, resources } = built;

    // Act
    const queueAlarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/SQS');

    // Assess
    expect(monitoring.functionAlarms.get(sync)!.deadLetters).toBeUndefined();
    expect(monitoring.functionAlarms.get(selfWatched)!.deadLetters).toBeUndefined();
    expect(alarm(monitoring.functionAlarms.get(async)!.deadLetters!)).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [built.id(async.deadLetterQueue!), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
    });
    expect(queueAlarms.map((a) => JSON.stringify(a.Properties.Dimensions)).sort()).toEqual(
      [async, selfWatched].map((f) => JSON.stringify([{ Name: 'QueueName', Value: stack.resolve(f.deadLetterQueue!.queueName) }])).sort(),
    );
  });

  test('every alarm notifies the KMS-encrypted topic on alarm and on recovery', () => {
    // Prepare
    const { monitoring, resources, id } = built;
    const topic = { Ref: id(monitoring.alarmTopic) };

    // Act
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');

    // Assess
    expect(alarms).toHaveLength(monitoring.alarms.length);
    expect(alarms.length).toBe(2 + 5 + 3 * 2 + 1 + 1);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([topic]);
      expect(a.Properties.OKActions).toEqual([topic]);
    }
    expect(resources[id(monitoring.alarmTopic)].Properties.KmsMasterKeyId).toBeDefined();
  });

  test('the alarms watch exactly the series the audit-metrics decorator publishes', async () => {
    // Prepare
    const { monitoring, alarm } = built;
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (lines.push(String(c)), true));
    const event = buildAuditEvent({ requestId: 'r1', agent: { name: 'support' }, action: 'Read', outcome: 'allowed', latencyMs: 1, recordIds: ['003A'] });

    // Act
    try {
      await withAuditMetrics({ write: async () => undefined }).write(event);
      await withAuditMetrics({ write: async () => Promise.reject(new Error('down')) })
        .write(event)
        .catch(() => undefined);
    } finally {
      spy.mockRestore();
    }
    const emitted = lines.map((l) => JSON.parse(l) as CfnJson);
    const series = new Set(
      emitted.flatMap((e) =>
        e._aws.CloudWatchMetrics.flatMap((d: CfnJson) =>
          d.Metrics.flatMap((m: CfnJson) =>
            // CloudWatch identifies a series by its dimension set, whatever the order; the template lists them sorted.
            d.Dimensions.map((names: string[]) => JSON.stringify([d.Namespace, m.Name, [...names].sort().map((n) => ({ Name: n, Value: e[n] }))])),
          ),
        ),
      ),
    );

    // Assess
    const audited = [
      monitoring.recordVolumeAlarms.support,
      monitoring.validationFailureAlarm,
      monitoring.denialAlarm,
      monitoring.auditWriteFailureAlarm,
      monitoring.auditEventRejectedAlarm,
      monitoring.approvalTimeoutAlarm,
    ];
    for (const a of audited) {
      const p = alarm(a);
      expect(series).toContain(JSON.stringify([p.Namespace, p.MetricName, p.Dimensions]));
    }
  });

  test('the dashboard graphs the audit metrics per agent, the functions, the queues, and lists every alarm', () => {
    // Prepare
    const { monitoring, resources, id, stack } = built;

    // Act
    const body = JSON.stringify(resources[id(monitoring.dashboard)].Properties.DashboardBody);

    // Assess
    expect(resources[id(monitoring.dashboard)].Properties.DashboardName).toBe(`${stack.stackName}-operations`);
    for (const name of Object.values(METRICS.NAMES)) expect(body).toContain(`\\"${name}\\"`);
    expect(body).toContain('\\"agent\\",\\"support\\"');
    expect(body).toContain('\\"agent\\",\\"sales\\"');
    expect(body).toContain('Lambda errors and throttles');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    for (const a of monitoring.alarms) expect(body).toContain(id(a));
  });
});

describe('BridgeMonitoring in a stack with no agents', () => {
  test('creates no per-agent alarm and still watches functions', () => {
    // Prepare
    const { stack, keys, network } = networkStack();
    const monitoring = new BridgeMonitoring(stack, 'Monitoring', { keys });
    new BridgeFunction(stack, 'Fn', { entry: ENTRY, network, keys, reservedConcurrentExecutions: 1, invocation: 'synchronous' });

    // Act
    Template.fromStack(stack as Stack);

    // Assess
    expect(monitoring.recordVolumeAlarms).toEqual({});
    expect(monitoring.functionAlarms.size).toBe(1);
  });
});
