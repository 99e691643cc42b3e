import fc from 'fast-check';
import { buildAuditEvent } from '../../../lambda/core/audit/event';
import { gatewayErrorCode, parseAccessLogLine, refusalEvent, type AccessLogLine } from '../../../lambda/core/audit/gateway-refusals';
import { ACCESS_LOG_FIELDS } from '../../../lambda/core/constants';

const AGENT_ROLE = 'arn:aws:sts::111122223333:assumed-role/support-agent/session-1';
const names: Record<string, string> = { [AGENT_ROLE]: 'support' };
const nameOf = (arn: string) => names[arn];
const fallback = { logEventId: '37468423878', timestamp: Date.parse('2026-11-21T10:00:00Z') };

/** A line as API Gateway writes it with the stage's format: every value a string, '-' for none. */
function accessLine(overrides: Partial<Record<keyof typeof ACCESS_LOG_FIELDS, string>>): string {
  const line = Object.fromEntries(Object.keys(ACCESS_LOG_FIELDS).map((k) => [k, '-']));
  return JSON.stringify({ ...line, requestId: 'c0ffee00-1111-2222-3333-444455556666', requestTimeEpoch: '1795255200123', ...overrides });
}

describe('gateway refusals', () => {
  it('turns a resource-policy refusal of a configured agent into a denied GatewayRefusal event', () => {
    // Prepare
    const line = parseAccessLogLine(accessLine({ status: '403', responseType: 'ACCESS_DENIED', principalArn: AGENT_ROLE, responseLatency: '4' }))!;

    // Act
    const event = buildAuditEvent(refusalEvent(line, nameOf, fallback)!);

    // Assess
    expect(event).toMatchObject({
      action: 'GatewayRefusal',
      outcome: 'denied',
      errorCode: 'GATEWAY_ACCESS_DENIED',
      requestId: 'c0ffee00-1111-2222-3333-444455556666',
      agent: { name: 'support', principalArn: AGENT_ROLE },
      time: new Date(1795255200123).toISOString(),
      latencyMs: 4,
      recordIds: [],
      fields: [],
    });
  });

  it('records an unsigned call as unknown without a principal, and the gateway 5xx answers as errors', () => {
    // Prepare
    const unsigned = parseAccessLogLine(accessLine({ status: '403', responseType: 'MISSING_AUTHENTICATION_TOKEN' }))!;
    const timeout = parseAccessLogLine(accessLine({ status: '504', responseType: 'INTEGRATION_TIMEOUT', principalArn: AGENT_ROLE }))!;

    // Act
    const [a, b] = [unsigned, timeout].map((l) => buildAuditEvent(refusalEvent(l, nameOf, fallback)!));

    // Assess
    expect(a.agent).toEqual({ name: 'unknown' });
    expect(a.outcome).toBe('denied');
    expect(b).toMatchObject({ outcome: 'error', errorCode: 'GATEWAY_INTEGRATION_TIMEOUT' });
  });

  it('ignores the calls a function answered, even with a 4xx status', () => {
    // Prepare
    const answered = parseAccessLogLine(accessLine({ status: '403', integrationStatus: '200' }))!;

    // Act
    const event = refusalEvent(answered, nameOf, fallback);

    // Assess
    expect(event).toBeUndefined();
  });

  it('gives the same refusal the same event id, so a redelivered batch writes nothing twice', () => {
    // Prepare
    const line = parseAccessLogLine(accessLine({ status: '400', responseType: 'BAD_REQUEST_BODY' }))!;
    const other = parseAccessLogLine(accessLine({ status: '400', responseType: 'BAD_REQUEST_BODY', requestId: 'another-request' }))!;

    // Act
    const ids = [line, line, other].map((l) => buildAuditEvent(refusalEvent(l, nameOf, fallback)!).eventId);

    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('spells the default response types within the audit code alphabet', () => {
    // Act
    const codes = ['DEFAULT_4XX', 'DEFAULT_5XX', 'WAF_FILTERED', 'THROTTLED'].map(gatewayErrorCode);

    // Assess
    expect(codes).toEqual(['GATEWAY_DEFAULT_CLIENT_ERROR', 'GATEWAY_DEFAULT_SERVER_ERROR', 'GATEWAY_WAF_FILTERED', 'GATEWAY_THROTTLED']);
  });

  it('falls back to the log event id and time when the line lacks a usable request id or time', () => {
    // Prepare
    const line = parseAccessLogLine(accessLine({ status: '429', responseType: 'THROTTLED', requestId: 'has spaces', requestTimeEpoch: '99999999999999999999' }))!;

    // Act
    const event = buildAuditEvent(refusalEvent(line, nameOf, fallback)!);

    // Assess
    expect(event.requestId).toBe('cwl-37468423878');
    expect(event.time).toBe('2026-11-21T10:00:00.000Z');
  });

  it('rejects what is not an access log line', () => {
    // Act
    const parsed = ['not json', '[1,2]', 'null', '{"unrelated":"x"}', '{"requestId": 5}'].map(parseAccessLogLine);

    // Assess
    expect(parsed).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('never throws and always yields a schema-valid event, whatever the line holds (property)', () => {
    const value = fc.oneof(fc.string(), fc.constant('-'), fc.integer().map(String), fc.constantFrom(AGENT_ROLE, 'arn:aws:iam::1:role/x'));
    const line = fc.record(
      Object.fromEntries(Object.keys(ACCESS_LOG_FIELDS).map((k) => [k, value])) as Record<keyof AccessLogLine, fc.Arbitrary<string>>,
      { requiredKeys: ['responseType'] },
    );
    fc.assert(
      fc.property(line, fc.string(), (raw, extra) => {
        const parsed = parseAccessLogLine(JSON.stringify(raw)) ?? {};
        parseAccessLogLine(extra);
        const input = refusalEvent(parsed, nameOf, fallback);
        if (input) expect(() => buildAuditEvent(input)).not.toThrow();
      }),
    );
  });
});
