/**
 * Calls API Gateway refuses itself (resource policy, IAM signature, request model, web ACL, throttling) never reach
 * a function, so no handler audits them. The stage's access log records them with an error response type; a
 * subscription on that log hands the lines here, and each becomes an audit event like any other denial.
 */
import { createHash } from 'node:crypto';
import { ACCESS_LOG_FIELDS } from '../constants';
import { parsePrincipal } from '../identity';
import type { AuditEventInput } from './event';

export type AccessLogLine = { readonly [K in keyof typeof ACCESS_LOG_FIELDS]?: string };

/** API Gateway writes '-' for a context variable that has no value. */
const ABSENT = '-';
const FIELDS = Object.keys(ACCESS_LOG_FIELDS) as (keyof typeof ACCESS_LOG_FIELDS)[];
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/+=,-]{0,127}$/;

/** One access log line as written by the stage's format; undefined when it is not such a line. */
export function parseAccessLogLine(message: string): AccessLogLine | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  const line: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value !== ABSENT && value !== '') line[field] = value;
  }
  return line.requestId || line.status ? line : undefined;
}

/**
 * `GATEWAY_<response type>`: API Gateway's documented gateway response types (ACCESS_DENIED, BAD_REQUEST_BODY,
 * WAF_FILTERED, THROTTLED…), with DEFAULT_4XX/5XX spelled out so the code stays within the audit schema's alphabet.
 */
export function gatewayErrorCode(responseType: string): string {
  const spelled = responseType
    .toUpperCase()
    .replace(/4XX/g, 'CLIENT_ERROR')
    .replace(/5XX/g, 'SERVER_ERROR')
    .replace(/[^A-Z_]+/g, '_');
  return `GATEWAY_${spelled}`.slice(0, 64);
}

/** The same refusal always yields the same event id, so a redelivered batch cannot audit a refusal twice. */
function refusalEventId(requestId: string): string {
  const h = createHash('sha256').update(`gateway-refusal:${requestId}`).digest('hex');
  // RFC 9562 version 8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const wholeNumber = (value: string | undefined): number | undefined => {
  const n = value === undefined ? NaN : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/** Milliseconds since the epoch that a Date can hold. */
const MAX_EPOCH_MS = 8.64e15;
const epochMs = (value: string | undefined): number | undefined => {
  const n = wholeNumber(value);
  return n !== undefined && n <= MAX_EPOCH_MS ? n : undefined;
};

/**
 * The audit event for one refused call, or undefined for a line that is not a refusal. `fallback` supplies what the
 * log delivery knows when the line lacks it: the log event's id and timestamp.
 */
export function refusalEvent(
  line: AccessLogLine,
  /** The configured identity (agent or approver) a caller ARN belongs to. */
  nameOf: (principalArn: string) => string | undefined,
  fallback: { readonly logEventId: string; readonly timestamp: number },
): AuditEventInput | undefined {
  // Only API Gateway's own error answers carry a response type; a function's answer, even a 4xx, does not.
  if (!line.responseType) return undefined;
  const requestId = line.requestId && REQUEST_ID.test(line.requestId) ? line.requestId : `cwl-${fallback.logEventId}`.slice(0, 128);
  const principalArn = line.principalArn && parsePrincipal(line.principalArn) ? line.principalArn : undefined;
  const status = wholeNumber(line.status) ?? 0;
  return {
    eventId: refusalEventId(requestId),
    time: new Date(epochMs(line.requestTimeEpoch) ?? fallback.timestamp),
    requestId,
    agent: { name: (principalArn && nameOf(principalArn)) || 'unknown', ...(principalArn ? { principalArn } : {}) },
    action: 'GatewayRefusal',
    outcome: status >= 500 ? 'error' : 'denied',
    errorCode: gatewayErrorCode(line.responseType),
    latencyMs: wholeNumber(line.responseLatency) ?? 0,
  };
}
