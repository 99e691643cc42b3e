/**
 * CloudWatch metrics (EMF, through Powertools) derived from the audit events the handlers
 * already write: one place counts, so metrics and audit log cannot disagree. A handler wraps
 * its audit port in one line — `audit: withAuditMetrics(new S3AuditStore(…))` — and every
 * event written also publishes its counts, once bridge-wide and once for its agent.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AUDIT_EVENT_REJECTED, type AuditPort } from '../core/audited';
import type { AuditEvent } from '../core/audit/event';
import { gatewayErrorCode } from '../core/audit/gateway-refusals';
import { METRICS } from '../core/constants';

const N = METRICS.NAMES;
type MetricName = (typeof N)[keyof typeof N];

/** Codes of input refused before anything ran: a burst of them is someone probing the API. */
const INPUT_REJECTED = new Set([
  'VALIDATION_FAILED',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  // The same refusals when API Gateway's request model or size limit made them.
  ...['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'REQUEST_TOO_LARGE'].map(gatewayErrorCode),
]);
/** Outcomes of an approval a person decided. */
const DECIDED = new Set<AuditEvent['outcome']>(['approved', 'edited', 'rejected']);

export interface EventMetrics {
  /** Counters, each published on every event (zeros included, so sums and alarms see a continuous series). */
  readonly counts: Readonly<Record<Exclude<MetricName, typeof N.APPROVAL_LATENCY | typeof N.AUDIT_WRITE_FAILURES>, number>>;
  /** Set only on an ApprovalDecided event a person decided that says when the request began waiting. */
  readonly approvalLatencyMs?: number;
}

/**
 * What one audit event counts for:
 * - RecordsReturned: `counts.returned` when the writer set it, otherwise the records of an
 *   allowed Read or GetRequest (an approved read's result is handed over by GetRequest).
 * - Denials: outcome `denied` (policy, unknown agent, forbidden action, kill switch).
 * - ValidationFailures: input refused as malformed (VALIDATION_FAILED, BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, and
 *   API Gateway's own body, parameter and size refusals).
 * - InjectionFlags / OutputGuardHits: the guards' counters.
 * - CrmErrors: an error code `CRM_*`.
 * - ApprovalTimeouts: an ApprovalDecided or RecordOutcome event with outcome `expired`.
 * - AuditEventsRejected: a reduced event, written because the audit schema refused the call's own event
 *   (error code AUDIT_EVENT_REJECTED): a bug in the bridge or crafted input that got past validation.
 * - ApprovalLatency: on an ApprovalDecided event a person decided, `approval.decidedAt` minus
 *   `approval.requestedAt` (when the request began waiting). `latencyMs` is the decision
 *   call's own duration, not the wait.
 */
export function metricsOf(event: AuditEvent): EventMetrics {
  const approvalEvent = event.action === 'ApprovalDecided' || event.action === 'RecordOutcome';
  const handedOver = (event.action === 'Read' || event.action === 'GetRequest') && event.outcome === 'allowed';
  const returned = event.counts.returned ?? (handedOver ? event.counts.records : 0);
  const approvalLatencyMs = approvalWaitMs(event);
  return {
    counts: {
      [N.AUDIT_EVENTS]: 1,
      [N.RECORDS_RETURNED]: returned,
      [N.DENIALS]: event.outcome === 'denied' ? 1 : 0,
      [N.VALIDATION_FAILURES]: event.errorCode !== undefined && INPUT_REJECTED.has(event.errorCode) ? 1 : 0,
      [N.INJECTION_FLAGS]: event.guards.injectionFlags,
      [N.OUTPUT_GUARD_HITS]: Object.values(event.guards.outputGuardHits).reduce((a, b) => a + b, 0),
      [N.CRM_ERRORS]: event.errorCode?.startsWith('CRM_') ? 1 : 0,
      [N.APPROVAL_TIMEOUTS]: approvalEvent && event.outcome === 'expired' ? 1 : 0,
      [N.AUDIT_EVENTS_REJECTED]: event.errorCode === AUDIT_EVENT_REJECTED ? 1 : 0,
    },
    ...(approvalLatencyMs !== undefined ? { approvalLatencyMs } : {}),
  };
}

/** How long a decided request waited for its approver, when the event says when the wait began. */
function approvalWaitMs(event: AuditEvent): number | undefined {
  // Read structurally: `requestedAt` (the request's createdAt, set by the approver API) is optional and absent from older events.
  const approval = event.approval as (NonNullable<AuditEvent['approval']> & { requestedAt?: string }) | undefined;
  if (event.action !== 'ApprovalDecided' || !DECIDED.has(event.outcome) || !approval?.requestedAt) return undefined;
  const waited = Date.parse(approval.decidedAt) - Date.parse(approval.requestedAt);
  return Number.isFinite(waited) && waited >= 0 ? waited : undefined;
}

export interface AuditMetricsOptions {
  /** @default a Metrics instance on METRICS.NAMESPACE with service METRICS.AUDIT_SERVICE */
  readonly metrics?: Metrics;
  /**
   * Where a failure to publish is reported.
   * @default a JSON line on stderr (the function's log); Powertools Logger would add ~20 KB to the proxy bundle for one line
   */
  readonly warn?: (message: string, context: Record<string, unknown>) => void;
}

/**
 * An AuditPort that writes to `inner` first and then publishes the event's metrics. The
 * write's outcome is the caller's: a failed write is rethrown (after counting it), and a
 * failure to publish metrics is logged and never fails the request.
 */
export class MeteredAudit implements AuditPort {
  private readonly metrics: Metrics;
  private readonly warn: (message: string, context: Record<string, unknown>) => void;

  constructor(
    private readonly inner: AuditPort,
    options: AuditMetricsOptions = {},
  ) {
    this.metrics = options.metrics ?? new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.AUDIT_SERVICE });
    this.warn = options.warn ?? ((message, context) => console.warn(JSON.stringify({ level: 'WARN', service: METRICS.AUDIT_SERVICE, message, ...context })));
  }

  async write(event: AuditEvent): Promise<void> {
    try {
      await this.inner.write(event);
    } catch (e) {
      this.publish(event, () => this.metrics.addMetric(N.AUDIT_WRITE_FAILURES, MetricUnit.Count, 1));
      throw e;
    }
    this.publish(event, () => {
      const { counts, approvalLatencyMs } = metricsOf(event);
      for (const [name, value] of Object.entries(counts)) this.metrics.addMetric(name, MetricUnit.Count, value);
      if (approvalLatencyMs !== undefined) this.metrics.addMetric(N.APPROVAL_LATENCY, MetricUnit.Milliseconds, approvalLatencyMs);
    });
  }

  /** One EMF record per event, under two dimension sets: bridge-wide and per agent. */
  private publish(event: AuditEvent, add: () => void): void {
    try {
      this.metrics.addDimensions({});
      this.metrics.addDimensions({ [METRICS.AGENT_DIMENSION]: event.agent.name });
      this.metrics.setTimestamp(new Date(event.time));
      add();
      this.metrics.publishStoredMetrics();
    } catch (e) {
      this.warn('audit metrics not published', { requestId: event.requestId, reason: e instanceof Error ? e.message : String(e) });
      // This event's partial metrics must not ride along with the next event's.
      this.metrics.clearMetrics();
      this.metrics.clearDimensions();
    }
  }
}

/** Wraps an audit port so every event written also publishes its metrics. */
export function withAuditMetrics(inner: AuditPort, options?: AuditMetricsOptions): AuditPort {
  return new MeteredAudit(inner, options);
}
