import { Aspects, Duration, IAspect, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, IConstruct } from 'constructs';
import { METRICS } from '../../lambda/core/constants';
import { DEFAULTS } from '../config';
import { BridgeFunction } from './bridge-function';
import { BridgeKeys } from './keys';

const N = METRICS.NAMES;
const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
const RUNBOOK = 'See the README, Incident runbook.';

/** Alarm settings for "count reached in one period". No traffic means no data, which is never a problem here. */
const atLeast = (count: number) => ({
  threshold: count,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
});

export interface BridgeMonitoringProps {
  /** Keys of the bridge; the alarms key encrypts the topic. */
  readonly keys: BridgeKeys;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription; subscribe on the topic yourself
   */
  readonly alarmEmail?: string;
  /**
   * Agent names (the config's `agents` keys, as audit events carry them); each gets a
   * records-per-minute alarm and a line on the dashboard.
   * @default - none
   */
  readonly agentNames?: readonly string[];
  /**
   * Records one agent may receive in a minute; more raises its alarm.
   * @default DEFAULTS.alarms.recordsPerMinutePerAgent (500)
   */
  readonly recordsPerMinutePerAgent?: number;
  /**
   * Validation failures in 5 minutes that raise the burst alarm.
   * @default DEFAULTS.alarms.validationFailuresPer5Minutes (25)
   */
  readonly validationFailuresPer5Minutes?: number;
  /**
   * Denials in 5 minutes that raise the burst alarm.
   * @default DEFAULTS.alarms.denialsPer5Minutes (25)
   */
  readonly denialsPer5Minutes?: number;
}

/** The alarms watching one house function, created when the stack is synthesized. */
export interface FunctionAlarms {
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  /** Absent for synchronous functions, and where another construct already alarms on the queue. */
  readonly deadLetters?: cloudwatch.Alarm;
}

/** A metric the audit-event decorator (lambda/adapters/metrics.ts) publishes, bridge-wide or for one agent. */
export function auditMetric(name: string, props: { agent?: string; statistic?: string; period?: Duration; label?: string } = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS.AUDIT_SERVICE, ...(props.agent ? { [METRICS.AGENT_DIMENSION]: props.agent } : {}) },
    statistic: props.statistic ?? cloudwatch.Stats.SUM,
    period: props.period ?? FIVE_MINUTES,
    label: props.label,
  });
}

/**
 * Where the bridge's alarms go and what they watch: one SNS topic encrypted with the alarms
 * CMK, TLS-only publishing and an optional email subscription; alarms on the audit-derived
 * metrics (records per minute per agent, validation-failure and denial bursts, audit write
 * failures, audit events the schema refused, approval timeouts); Errors and Throttles alarms
 * on every house function and a depth alarm on every dead-letter queue, found by walking the
 * stack when it is synthesized, so functions added by any construct are watched; and a
 * CloudWatch dashboard.
 * Constructs add their own alarms with `alarm()` (the digest job's missing-digest alarm).
 */
export class BridgeMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;
  /** Records-per-minute alarm of each agent, by agent name. */
  public readonly recordVolumeAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  public readonly validationFailureAlarm: cloudwatch.Alarm;
  public readonly denialAlarm: cloudwatch.Alarm;
  public readonly auditWriteFailureAlarm: cloudwatch.Alarm;
  /** Any audit event written reduced because the audit schema refused it (errorCode AUDIT_EVENT_REJECTED). */
  public readonly auditEventRejectedAlarm: cloudwatch.Alarm;
  public readonly approvalTimeoutAlarm: cloudwatch.Alarm;
  /** Alarms of each house function; filled when the stack is synthesized. */
  public readonly functionAlarms = new Map<BridgeFunction, FunctionAlarms>();
  private readonly functionWidgets: { errors: cloudwatch.GraphWidget; queues: cloudwatch.GraphWidget };

  constructor(scope: Construct, id: string, props: BridgeMonitoringProps) {
    super(scope, id);
    const recordsPerMinute = threshold('recordsPerMinutePerAgent', props.recordsPerMinutePerAgent ?? DEFAULTS.alarms.recordsPerMinutePerAgent);
    const validationFailures = threshold('validationFailuresPer5Minutes', props.validationFailuresPer5Minutes ?? DEFAULTS.alarms.validationFailuresPer5Minutes);
    const denials = threshold('denialsPer5Minutes', props.denialsPer5Minutes ?? DEFAULTS.alarms.denialsPer5Minutes);
    const agents = [...new Set(props.agentNames ?? [])];

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'crm-agent-bridge alarms',
      masterKey: props.keys.alarms,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.recordVolumeAlarms = Object.fromEntries(
      agents.map((agent) => [
        agent,
        this.alarm(this, `RecordVolume-${agent}`, {
          alarmDescription: `Agent '${agent}' received more than ${recordsPerMinute} records in a minute: possible bulk export. ${RUNBOOK}`,
          metric: auditMetric(N.RECORDS_RETURNED, { agent, period: ONE_MINUTE }),
          ...atLeast(recordsPerMinute),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        }),
      ]),
    );
    this.validationFailureAlarm = this.alarm(this, 'ValidationFailureBurst', {
      alarmDescription: `${validationFailures} or more requests refused as malformed in 5 minutes: someone may be probing the API. ${RUNBOOK}`,
      metric: auditMetric(N.VALIDATION_FAILURES),
      ...atLeast(validationFailures),
    });
    this.denialAlarm = this.alarm(this, 'DenialBurst', {
      alarmDescription: `${denials} or more requests denied in 5 minutes (policy, unknown caller, forbidden action or kill switch). ${RUNBOOK}`,
      metric: auditMetric(N.DENIALS),
      ...atLeast(denials),
    });
    this.auditWriteFailureAlarm = this.alarm(this, 'AuditWriteFailures', {
      alarmDescription: `Audit events could not be written, so the bridge refused those requests (AUDIT_UNAVAILABLE). ${RUNBOOK}`,
      metric: auditMetric(N.AUDIT_WRITE_FAILURES),
      ...atLeast(1),
    });
    this.auditEventRejectedAlarm = this.alarm(this, 'AuditEventsRejected', {
      alarmDescription:
        `The audit schema refused a call's audit event; the call failed and was recorded reduced (errorCode AUDIT_EVENT_REJECTED). ` +
        'It means a bug in the bridge or crafted input that got past validation: tell the security team, find the events of the ' +
        `window with bridge audit query --json and treat them as a possible attack until the cause is known. ${RUNBOOK}`,
      metric: auditMetric(N.AUDIT_EVENTS_REJECTED),
      ...atLeast(1),
    });
    this.approvalTimeoutAlarm = this.alarm(this, 'ApprovalTimeouts', {
      alarmDescription: 'An approval request expired unanswered and ended in deny: approvers may not be receiving notifications.',
      metric: auditMetric(N.APPROVAL_TIMEOUTS),
      ...atLeast(1),
    });

    this.functionWidgets = {
      errors: new cloudwatch.GraphWidget({ title: 'Lambda errors and throttles (5 min)', width: 12, left: [] }),
      queues: new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', width: 12, left: [] }),
    };
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Records returned per agent (per minute)',
        width: 12,
        left: agents.map((agent) => auditMetric(N.RECORDS_RETURNED, { agent, period: ONE_MINUTE, label: agent })),
        leftAnnotations: [{ value: recordsPerMinute, label: 'alarm threshold' }],
      }),
      new cloudwatch.GraphWidget({
        title: 'Refused requests (5 min)',
        width: 12,
        left: [auditMetric(N.DENIALS, { label: 'denials' }), auditMetric(N.VALIDATION_FAILURES, { label: 'validation failures' })],
        right: [auditMetric(N.AUDIT_EVENTS, { label: 'audit events' })],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Guards and CRM (5 min)',
        width: 12,
        left: [
          auditMetric(N.INJECTION_FLAGS, { label: 'injection flags' }),
          auditMetric(N.OUTPUT_GUARD_HITS, { label: 'output-guard hits' }),
          auditMetric(N.CRM_ERRORS, { label: 'CRM errors' }),
          auditMetric(N.AUDIT_WRITE_FAILURES, { label: 'audit write failures' }),
          auditMetric(N.AUDIT_EVENTS_REJECTED, { label: 'audit events rejected' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Approvals',
        width: 12,
        left: [
          auditMetric(N.APPROVAL_LATENCY, { statistic: cloudwatch.Stats.AVERAGE, label: 'latency, average (ms)' }),
          auditMetric(N.APPROVAL_LATENCY, { statistic: cloudwatch.Stats.MAXIMUM, label: 'latency, maximum (ms)' }),
        ],
        right: [auditMetric(N.APPROVAL_TIMEOUTS, { label: 'timeouts' })],
      }),
    );
    this.dashboard.addWidgets(this.functionWidgets.errors, this.functionWidgets.queues);
    // The list is read when the dashboard is rendered, after every construct has added its alarms.
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 8, alarms: this.alarms }));

    const watchFunctions: IAspect = {
      visit: (node: IConstruct) => {
        if (node instanceof BridgeFunction && !this.functionAlarms.has(node)) this.watchFunction(node);
      },
    };
    Aspects.of(Stack.of(this)).add(watchFunctions);
  }

  /** Creates an alarm whose alarm (and recovery) notifications go to the alarm topic. */
  public alarm(scope: Construct, id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, props);
    const action = new cwActions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Errors, throttles and dead letters of one house function: each alarms on the first occurrence. */
  private watchFunction(fn: BridgeFunction): void {
    const name = fn.node.path.slice(Stack.of(fn).node.path.length + 1);
    const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const depth = fn.deadLetterQueue?.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM });
    const alarms: FunctionAlarms = {
      errors: this.alarm(fn, 'ErrorsAlarm', { alarmDescription: `${name}: the function failed (an error a caller did not get as a typed response). ${RUNBOOK}`, metric: errors, ...atLeast(1) }),
      throttles: this.alarm(fn, 'ThrottlesAlarm', { alarmDescription: `${name}: invocations were throttled at the reserved concurrency.`, metric: throttles, ...atLeast(1) }),
      ...(fn.deadLetterQueue && depth && !this.watchesQueue(fn.deadLetterQueue)
        ? {
            deadLetters: this.alarm(fn, 'DeadLettersAlarm', {
              alarmDescription: `${name}: a failed asynchronous invocation is in the dead-letter queue.`,
              metric: depth,
              ...atLeast(1),
            }),
          }
        : {}),
    };
    this.functionAlarms.set(fn, alarms);
    // Labels only on the graphs: an alarm on a labelled metric renders as metric math.
    this.functionWidgets.errors.addLeftMetric(errors.with({ label: `${name} errors` }));
    this.functionWidgets.errors.addLeftMetric(throttles.with({ label: `${name} throttles` }));
    if (depth) this.functionWidgets.queues.addLeftMetric(depth.with({ label: `${name} DLQ` }));
  }

  /** Whether an alarm already watches the queue's depth (the digest job alarms on its own DLQ). */
  private watchesQueue(queue: sqs.IQueue): boolean {
    return this.alarms.some((a) => a.metric instanceof cloudwatch.Metric && a.metric.namespace === 'AWS/SQS' && a.metric.dimensions?.QueueName === queue.queueName);
  }
}

function threshold(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`BridgeMonitoring: ${name} is ${value}; it must be a whole number of at least 1`);
  return value;
}
