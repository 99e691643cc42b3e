import type { AuditEvent } from '../../lambda/core/audit/event';
import { audited, AUDIT_EVENT_REJECTED, type AuditPort } from '../../lambda/core/audited';
import { BridgeError } from '../../lambda/core/errors';
import { failure } from '../support/failure';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/support-agent/s1';

function setup() {
  const events: AuditEvent[] = [];
  const audit: AuditPort = { write: async (e) => void events.push(e) };
  const deps = { audit, crmKind: 'salesforce' as const, now: () => new Date('2026-11-21T10:00:00.000Z') };
  return { events, deps, ctx: { callerArn: CALLER, requestId: 'req-1' } };
}

describe('audited', () => {
  it('writes the call as the trail describes it', async () => {
    // Prepare
    const { events, deps, ctx } = setup();

    // Act
    const result = await audited(deps, ctx, 'Read', async (trail) => {
      trail.actor = 'support-agent';
      trail.recordIds.push('0035g000001');
      return { status: 200 };
    });

    // Assess
    expect(result).toEqual({ status: 200 });
    expect(events).toEqual([expect.objectContaining({ outcome: 'allowed', recordIds: ['0035g000001'], agent: { name: 'support-agent', principalArn: CALLER } })]);
  });

  it('still records a call whose event the schema refuses, without the refused values, and fails it closed', async () => {
    // Prepare
    const { events, deps, ctx } = setup();
    const tooLong = 'a'.repeat(65);

    // Act
    const err = await failure(
      audited(deps, ctx, 'Read', async (trail) => {
        trail.actor = 'support-agent';
        trail.fields.push('Email');
        trail.recordIds.push('0035g000001', tooLong);
        return { status: 200 };
      }),
    );

    // Assess
    expect(err).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(err.message).toContain('recordIds.1');
    expect(err.message).not.toContain(tooLong);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ requestId: 'req-1', action: 'Read', outcome: 'error', errorCode: AUDIT_EVENT_REJECTED, recordIds: [], fields: [], counts: { records: 2 } });
    expect(events[0].agent).toEqual({ name: 'unknown', principalArn: CALLER });
  });

  it('keeps the error a failing call already had, and an executed write stays executed', async () => {
    // Prepare
    const { events, deps, ctx } = setup();
    const badId = '-not-an-id';

    // Act
    const crmError = await failure(
      audited(deps, ctx, 'Read', async (trail) => {
        trail.recordIds.push(badId);
        throw new BridgeError('CRM_UNAVAILABLE', 'salesforce is down');
      }),
    );
    const afterWrite = await failure(
      audited(deps, ctx, 'Execute', async (trail) => {
        trail.recordIds.push(badId);
        trail.outcome = 'executed';
        return { status: 200 };
      }),
    );

    // Assess
    expect(crmError.code).toBe('CRM_UNAVAILABLE');
    expect(afterWrite.code).toBe('INTERNAL');
    expect(events.map((e) => [e.outcome, e.errorCode, e.recordIds.length, e.counts.records])).toEqual([
      ['error', AUDIT_EVENT_REJECTED, 0, 1],
      ['executed', AUDIT_EVENT_REJECTED, 0, 1],
    ]);
  });

  it('leaves out a principal or request id the event cannot hold, so the call is still recorded', async () => {
    // Prepare
    const { events, deps } = setup();
    const longArn = `arn:aws:iam::123456789012:user/${'p/'.repeat(250)}bob`;

    // Act
    await failure(audited(deps, { callerArn: longArn, requestId: 'bad id with spaces' }, 'Read', async () => ({ status: 200 })));

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ requestId: 'unrecordable', agent: { name: 'unknown' }, errorCode: AUDIT_EVENT_REJECTED });
    expect(events[0].agent.principalArn).toBeUndefined();
  });
});
