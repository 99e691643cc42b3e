import fc from 'fast-check';
import { AuditEventSchema, buildAuditEvent, type AuditEventInput } from '../../../lambda/core/audit/event';
import { BridgeError } from '../../../lambda/core/errors';

const input = (over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  requestId: 'req-1',
  agent: { name: 'support-agent', principalArn: 'arn:aws:sts::123456789012:assumed-role/agent/session-1' },
  action: 'Read',
  object: 'Contact',
  recordIds: ['0035e00000AbCdEAAZ', '51'],
  fields: ['Id', 'Email', 'Email'],
  policy: { version: 'sha256-abc', decisionId: 'dec-1', decision: 'allow', reasons: ['policy0'] },
  outcome: 'allowed',
  latencyMs: 2.5,
  ...over,
});

describe('buildAuditEvent', () => {
  it('fills schema version, id, time, counts and empty guards, and de-duplicates field names', () => {
    // Prepare
    const time = new Date('2025-03-04T05:06:07.089Z');

    // Act
    const e = buildAuditEvent(input({ time }));

    // Assess
    expect(e).toMatchObject({ schemaVersion: 1, time: '2025-03-04T05:06:07.089Z', fields: ['Id', 'Email'], counts: { records: 2 } });
    expect(e.guards).toEqual({ redactions: {}, injectionFlags: 0, outputGuardHits: {} });
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['an e-mail as a record id', { recordIds: ['jane@example.com'] }, 'recordIds.0'],
    ['a sentence as a field name', { fields: ['call me at 555 0100'] }, 'fields.0'],
    ['free text as a policy reason', { policy: { version: 'v', decisionId: 'd', decision: 'deny' as const, reasons: ['Jane Doe asked'] } }, 'policy.reasons.0'],
    ['a non-ARN principal', { agent: { name: 'a', principalArn: 'jane' } }, 'agent.principalArn'],
  ])('rejects %s with the offending path', (_label, over, path) => {
    // Prepare
    const bad = input(over as Partial<AuditEventInput>);

    // Act
    const act = () => buildAuditEvent(bad);

    // Assess
    expect(act).toThrow(BridgeError);
    expect(act).toThrow(path);
  });

  it('rejects record contents smuggled in as extra members', () => {
    // Prepare
    const e = { ...buildAuditEvent(input()), values: { Email: 'jane@example.com' } };

    // Act
    const result = AuditEventSchema.safeParse(e);

    // Assess
    expect(result.success).toBe(false);
  });

  it('never accepts a record id or field name containing whitespace or "@"', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(' ', '@', '\n', '\t'), fc.string({ maxLength: 30 }), (a, bad, b) => {
        // Prepare
        const value = `x${a}${bad}${b}`;

        // Act
        const asId = () => buildAuditEvent(input({ recordIds: [value] }));
        const asField = () => buildAuditEvent(input({ fields: [value] }));

        // Assess
        expect(asId).toThrow(BridgeError);
        expect(asField).toThrow(BridgeError);
      }),
    );
  });
});
