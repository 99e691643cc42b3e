import { Metrics } from '@aws-lambda-powertools/metrics';
import { audited, AUDIT_EVENT_REJECTED, type AuditPort } from '../../lambda/core/audited';
import { type AuditEvent, type AuditEventInput, buildAuditEvent } from '../../lambda/core/audit/event';
import { METRICS } from '../../lambda/core/constants';
import { BridgeError } from '../../lambda/core/errors';
import { metricsOf, withAuditMetrics } from '../../lambda/adapters/metrics';
import { failure } from '../support/failure';

const AGENT = { name: 'support-agent', principalArn: 'arn:aws:iam::123456789012:role/support-agent' };

const event = (patch: Partial<AuditEventInput> = {}): AuditEvent =>
  buildAuditEvent({ requestId: 'req-1', agent: AGENT, action: 'Read', outcome: 'allowed', latencyMs: 12, ...patch });

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** An in-memory audit sink that records what it was given, or fails on purpose. */
class MemoryAudit implements AuditPort {
  readonly events: AuditEvent[] = [];
  failWith?: Error;
  async write(e: AuditEvent): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.events.push(e);
  }
}

/** Runs `act` with stdout captured and returns the EMF records Powertools printed. */
async function emitted(act: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await act().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

describe('metricsOf: what one audit event counts for', () => {
  it('counts the records of an allowed read and the guards that fired', () => {
    // Prepare
    const e = event({ recordIds: ['003A', '003B', '003C'], guards: { injectionFlags: 2, outputGuardHits: { EMAIL: 1, US_SSN: 2 } } });

    // Act
    const m = metricsOf(e);

    // Assess
    expect(m.counts).toEqual({
      AuditEvents: 1,
      RecordsReturned: 3,
      Denials: 0,
      ValidationFailures: 0,
      InjectionFlags: 2,
      OutputGuardHits: 3,
      CrmErrors: 0,
      ApprovalTimeouts: 0,
      AuditEventsRejected: 0,
    });
    expect(m.approvalLatencyMs).toBeUndefined();
  });

  it.each([
    ['a denial', { outcome: 'denied', errorCode: 'POLICY_DENIED' }, { Denials: 1 }],
    ['a kill-switch refusal', { outcome: 'denied', errorCode: 'BRIDGE_FROZEN' }, { Denials: 1 }],
    ['a malformed body', { outcome: 'failed', errorCode: 'VALIDATION_FAILED' }, { ValidationFailures: 1 }],
    ['an oversized body', { outcome: 'failed', errorCode: 'BODY_TOO_LARGE' }, { ValidationFailures: 1 }],
    ['a body API Gateway refused', { action: 'GatewayRefusal', outcome: 'denied', errorCode: 'GATEWAY_BAD_REQUEST_BODY' }, { Denials: 1, ValidationFailures: 1 }],
    ['a call the resource policy refused', { action: 'GatewayRefusal', outcome: 'denied', errorCode: 'GATEWAY_ACCESS_DENIED' }, { Denials: 1 }],
    ['a CRM timeout', { outcome: 'error', errorCode: 'CRM_TIMEOUT' }, { CrmErrors: 1 }],
    ['an expired approval', { action: 'RecordOutcome', outcome: 'expired' }, { ApprovalTimeouts: 1 }],
    ['a reduced event the audit schema refused', { outcome: 'error', errorCode: AUDIT_EVENT_REJECTED }, { AuditEventsRejected: 1 }],
    ['a reduced event of a write that already executed', { action: 'Execute', outcome: 'executed', errorCode: AUDIT_EVENT_REJECTED }, { AuditEventsRejected: 1 }],
  ] as const)('counts %s once each and nothing else', (_name, patch, expected) => {
    // Prepare
    const e = event(patch as Partial<AuditEventInput>);

    // Act
    const { counts } = metricsOf(e);

    // Assess
    const nonZero = Object.fromEntries(Object.entries(counts).filter(([k, v]) => v !== 0 && k !== 'AuditEvents'));
    expect(nonZero).toEqual(expected);
  });

  it('counts the records handed to the agent only: allowed reads and approved results, or counts.returned', () => {
    // Prepare
    const denied = event({ recordIds: ['003A'], outcome: 'denied' });
    const parked = event({ recordIds: ['003A'], outcome: 'approval_required' });
    const written = event({ action: 'RecordOutcome', recordIds: ['003A'], outcome: 'executed' });
    const approvedRead = event({ action: 'GetRequest', recordIds: ['003A', '003B'] });
    const explicit = event({ action: 'GetRequest', recordIds: ['003A', '003B'], counts: { returned: 1 } });

    // Act
    const returned = [denied, parked, written, approvedRead, explicit].map((e) => metricsOf(e).counts.RecordsReturned);

    // Assess
    expect(returned).toEqual([0, 0, 0, 2, 1]);
  });

  it('counts the reduced event audited() writes when the schema refuses a call\'s event, and not the call\'s ordinary event', async () => {
    // Prepare
    const events: AuditEvent[] = [];
    const deps = { audit: { write: async (e: AuditEvent) => void events.push(e) }, crmKind: 'salesforce' as const, now: () => new Date() };
    const ctx = { callerArn: 'arn:aws:sts::123456789012:assumed-role/support-agent/s1', requestId: 'req-1' };
    const read = (recordId: string) =>
      audited(deps, ctx, 'Read', async (trail) => {
        trail.recordIds.push(recordId);
        return { status: 200 };
      });
    await read('003A');
    await failure(read('a'.repeat(65)));

    // Act
    const rejected = events.map((e) => metricsOf(e).counts.AuditEventsRejected);

    // Assess
    expect(events.map((e) => e.errorCode)).toEqual([undefined, AUDIT_EVENT_REJECTED]);
    expect(rejected).toEqual([0, 1]);
  });

  it('takes the approval latency from when the request began waiting to the decision, never from a timeout', () => {
    // Prepare
    const decidedAt = new Date();
    const approver = { name: 'alice', principalArn: 'arn:aws:iam::123456789012:role/approver-alice' };
    const decided = (outcome: 'approved' | 'rejected', decision: 'approve' | 'reject', waitedMs?: number) => {
      const e = event({ action: 'ApprovalDecided', outcome, latencyMs: 40, approval: { approver, decision, decidedAt: decidedAt.toISOString() } });
      // The approver API adds when the wait began (the request's createdAt).
      return waitedMs === undefined ? e : { ...e, approval: { ...e.approval!, requestedAt: new Date(decidedAt.getTime() - waitedMs).toISOString() } };
    };
    const expired = event({ action: 'RecordOutcome', outcome: 'expired' });

    // Act
    const [approved, rejected, unknown, timedOut] = [decided('approved', 'approve', 90_000), decided('rejected', 'reject', 30_000), decided('approved', 'approve'), expired].map(metricsOf);

    // Assess
    expect(approved.approvalLatencyMs).toBe(90_000);
    expect(rejected.approvalLatencyMs).toBe(30_000);
    expect(unknown.approvalLatencyMs).toBeUndefined();
    expect(timedOut.approvalLatencyMs).toBeUndefined();
    expect(timedOut.counts.ApprovalTimeouts).toBe(1);
  });
});

describe('withAuditMetrics: the AuditPort decorator', () => {
  it('writes the event, then prints one EMF record with a bridge-wide and a per-agent dimension set', async () => {
    // Prepare
    const inner = new MemoryAudit();
    const audit = withAuditMetrics(inner);
    const e = event({ recordIds: ['003A', '003B'], guards: { injectionFlags: 1 } });

    // Act
    const records = await emitted(() => audit.write(e));

    // Assess
    expect(inner.events).toEqual([e]);
    expect(records).toHaveLength(1);
    const [emf] = records;
    const [definition] = emf._aws.CloudWatchMetrics;
    expect(definition.Namespace).toBe(METRICS.NAMESPACE);
    expect(definition.Dimensions).toEqual([['service'], ['service', METRICS.AGENT_DIMENSION]]);
    expect(emf._aws.Timestamp).toBe(Date.parse(e.time));
    expect(emf).toMatchObject({ service: METRICS.AUDIT_SERVICE, agent: 'support-agent', RecordsReturned: 2, InjectionFlags: 1, Denials: 0, AuditEvents: 1 });
    expect(definition.Metrics.map((m) => m.Name).sort()).toEqual(Object.keys(metricsOf(e).counts).sort());
  });

  it('publishes the approval latency in milliseconds', async () => {
    // Prepare
    const audit = withAuditMetrics(new MemoryAudit());
    const decidedAt = Date.now();
    const approver = { name: 'alice', principalArn: 'arn:aws:iam::123456789012:role/approver-alice' };
    const e = event({ action: 'ApprovalDecided', outcome: 'edited', latencyMs: 40, approval: { approver, decision: 'edit', decidedAt: new Date(decidedAt).toISOString() } });
    const withWait = { ...e, approval: { ...e.approval!, requestedAt: new Date(decidedAt - 45_000).toISOString() } };

    // Act
    const [emf] = await emitted(() => audit.write(withWait));

    // Assess
    expect(emf.ApprovalLatency).toBe(45_000);
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'ApprovalLatency', Unit: 'Milliseconds' });
  });

  it('keeps each event in its own record: dimensions and values do not carry over', async () => {
    // Prepare
    const audit = withAuditMetrics(new MemoryAudit());

    // Act
    const records = await emitted(async () => {
      await audit.write(event({ agent: { name: 'sales-agent' }, outcome: 'denied' }));
      await audit.write(event({ recordIds: ['003A'] }));
    });

    // Assess
    expect(records.map((r) => [r.agent, r.Denials, r.RecordsReturned])).toEqual([
      ['sales-agent', 1, 0],
      ['support-agent', 0, 1],
    ]);
    for (const r of records) expect(r._aws.CloudWatchMetrics[0].Dimensions).toHaveLength(2);
  });

  it('rethrows a failed write unchanged and counts it, without the event’s own metrics', async () => {
    // Prepare
    const inner = new MemoryAudit();
    inner.failWith = new BridgeError('AUDIT_UNAVAILABLE', 'bucket unreachable');
    const audit = withAuditMetrics(inner);
    let thrown: unknown;

    // Act
    const records = await emitted(async () => {
      thrown = await failure(audit.write(event({ recordIds: ['003A'] })));
    });

    // Assess
    expect(thrown).toBe(inner.failWith);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ AuditWriteFailures: 1 });
    expect(records[0].RecordsReturned).toBeUndefined();
  });

  it('never fails the request when metrics cannot be published, and logs why', async () => {
    // Prepare
    const inner = new MemoryAudit();
    const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.AUDIT_SERVICE });
    const publish = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementationOnce(() => {
      throw new Error('stdout closed');
    });
    const warnings: unknown[][] = [];
    const audit = withAuditMetrics(inner, { metrics, warn: (...args: unknown[]) => warnings.push(args) });
    const first = event({ agent: { name: 'sales-agent' }, outcome: 'denied' });

    // Act
    await audit.write(first);
    const next = await emitted(() => audit.write(event({ recordIds: ['003A'] })));

    // Assess
    expect(inner.events).toHaveLength(2);
    expect(warnings).toEqual([['audit metrics not published', { requestId: 'req-1', reason: 'stdout closed' }]]);
    expect(publish).toHaveBeenCalledTimes(2);
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ agent: 'support-agent', Denials: 0, RecordsReturned: 1 });
    expect(next[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service'], ['service', 'agent']]);
  });

  it('reports a publishing failure as one JSON line in the function log by default', async () => {
    // Prepare
    const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.AUDIT_SERVICE });
    jest.spyOn(metrics, 'addMetric').mockImplementation(() => {
      throw new RangeError('too many dimensions');
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    // Act
    await withAuditMetrics(new MemoryAudit(), { metrics }).write(event());

    // Assess
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0])))).toEqual([
      { level: 'WARN', service: METRICS.AUDIT_SERVICE, message: 'audit metrics not published', requestId: 'req-1', reason: 'too many dimensions' },
    ]);
    warn.mockRestore();
  });
});
