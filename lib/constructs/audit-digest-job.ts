import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUDIT_ENV, METRICS } from '../../lambda/core/constants';
import { DEFAULTS } from '../config';
import { AuditVault } from './audit-vault';
import { BridgeFunction } from './bridge-function';
import { BridgeKeys } from './keys';
import { BridgeMonitoring } from './monitoring';
import { BridgeNetwork } from './network';

/** The metric lambda/handlers/audit-digest.ts publishes (Powertools adds the `service` dimension). */
export const DIGEST_METRIC = { namespace: METRICS.NAMESPACE, metricName: 'AuditDigestsWritten', service: 'audit-digest' } as const;
/** The job's own lookback floor: late objects are digested up to an hour after their period. */
const MIN_LOOKBACK_MINUTES = 60;
/** Enough for a catch-up run of many periods; runs never overlap (reserved concurrency 1). */
const JOB_TIMEOUT = Duration.minutes(5);

export interface AuditDigestJobProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  readonly auditVault: AuditVault;
  readonly monitoring: BridgeMonitoring;
  /**
   * Digest period in minutes; it must divide a day. The job runs at this rate.
   * @default DEFAULTS.audit.digestPeriodMinutes (15)
   */
  readonly periodMinutes?: number;
  /** Version written into every digest (`bridgeVersion`). */
  readonly bridgeVersion: string;
  /**
   * Retention of the job's log group.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/**
 * The scheduled digest job: an EventBridge rule runs lambda/handlers/audit-digest.ts every
 * period; it may only read audit objects and write digests, and sign with the signing key.
 * Failed invocations (after Lambda's retries) land in its encrypted DLQ; an alarm fires when
 * the DLQ holds a message, and another when two periods pass without a digest written
 * (missing data counts as missing, so a job that stopped running alarms too).
 */
export class AuditDigestJob extends Construct {
  public readonly function: BridgeFunction;
  public readonly schedule: events.Rule;
  public readonly missingDigestAlarm: cloudwatch.Alarm;
  public readonly failedRunAlarm: cloudwatch.Alarm;
  public readonly periodMinutes: number;

  constructor(scope: Construct, id: string, props: AuditDigestJobProps) {
    super(scope, id);
    const period = props.periodMinutes ?? DEFAULTS.audit.digestPeriodMinutes;
    if (!Number.isInteger(period) || period < 1 || 1440 % period !== 0) {
      throw new Error(`AuditDigestJob: periodMinutes is ${period}; it must be a whole number of minutes dividing 1440`);
    }
    this.periodMinutes = period;
    const { keys, auditVault } = props;

    this.function = new BridgeFunction(this, 'Function', {
      entry: join(__dirname, '..', '..', 'lambda', 'handlers', 'audit-digest.ts'),
      description: 'crm-agent-bridge: signed, chained audit digests',
      network: props.network,
      keys,
      invocation: 'asynchronous',
      reservedConcurrentExecutions: 1,
      timeout: JOB_TIMEOUT,
      logRetentionDays: props.logRetentionDays,
      environment: {
        [AUDIT_ENV.BUCKET]: auditVault.bucket.bucketName,
        [AUDIT_ENV.KMS_KEY_ID]: keys.audit.keyArn,
        [AUDIT_ENV.SIGNING_KEY_ID]: keys.signing.keyArn,
        [AUDIT_ENV.DIGEST_PERIOD_MINUTES]: String(period),
        [AUDIT_ENV.DIGEST_LOOKBACK_MINUTES]: String(Math.max(MIN_LOOKBACK_MINUTES, period)),
        [AUDIT_ENV.BRIDGE_VERSION]: props.bridgeVersion,
      },
    });
    auditVault.grantDigestJob(this.function);
    keys.signing.grant(this.function, 'kms:Sign');

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Writes the audit digest every ${period} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(period)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(period) })],
    });
    Validations.of(this.schedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A schedule event carries no data to replay; an undelivered run writes no digest, which the DigestMissing alarm (missing data = breaching) reports.',
    });

    const metric = new cloudwatch.Metric({
      namespace: DIGEST_METRIC.namespace,
      metricName: DIGEST_METRIC.metricName,
      dimensionsMap: { service: DIGEST_METRIC.service },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(period),
    });
    this.missingDigestAlarm = props.monitoring.alarm(this, 'DigestMissing', {
      alarmDescription: `No audit digest was written in two ${period}-minute periods: the chain has a gap until the job catches up.`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.failedRunAlarm = props.monitoring.alarm(this, 'DigestRunFailed', {
      alarmDescription: 'An audit digest run failed after its retries; its event is in the dead-letter queue.',
      metric: this.function.deadLetterQueue!.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
