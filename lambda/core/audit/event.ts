/**
 * The audit event: one JSON object per decision or outcome, written before the response
 * leaves. It names things (ids, field API names, policy ids, counts) and never holds record
 * contents: every string is constrained to an identifier shape, so free text, e-mail
 * addresses and anything with spaces are rejected by the schema itself.
 */
import * as z from 'zod/mini';
import { randomUUID } from 'node:crypto';
import { AGENT_ACTIONS, CRM_KINDS, CRM_OBJECT_TYPES } from '../constants';
import { BridgeError } from '../errors';
import '../validation';  // zod's English messages

export const AUDIT_SCHEMA_VERSION = 1;

/** Ids, tokens and names: no whitespace, no '@', bounded — so no sentence, e-mail or note fits. */
const IDENT = /^[A-Za-z0-9][A-Za-z0-9_.:/+=,-]*$/;
const ident = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), z.regex(IDENT, 'must be an identifier (no spaces, no "@")'));
/** Whether `value` fits an identifier field of at most `max` characters. */
export const fitsIdent = (value: string, max: number): boolean => value.length <= max && IDENT.test(value);
/** The longest record id an event holds. */
export const MAX_RECORD_ID_LENGTH = 64;
/** Whether an event can hold `id` as a record id: what the CRM adapters ask of every id a CRM returns. */
export const isAuditableRecordId = (id: string): boolean => fitsIdent(id, MAX_RECORD_ID_LENGTH);
/** CRM field API names: Salesforce `Foo__c`, `Account.Name`; HubSpot `hs_lead_status`. */
const fieldName = z.string().check(z.minLength(1), z.maxLength(80), z.regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'must be a field API name'));
/** IAM/STS principal ARN (the local runtime uses the same shape for its header identities). */
const principalArn = z
  .string()
  .check(z.maxLength(512), z.regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM or STS principal ARN'));
/** Whether an event can name `arn` as a principal. */
export const isAuditablePrincipal = (arn: string): boolean => principalArn.safeParse(arn).success;
const count = z.int().check(z.minimum(0));
/** Guard counters keyed by entity type (EMAIL, US_SSN, …): counts only, never the matched text. */
const countsByType = z.record(z.string().check(z.regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'must be an entity type name')), count);
const isoTime = z.iso.datetime({ offset: false, precision: 3 });

/** Agent actions plus the events of the approval flow. */
export const AUDIT_ACTIONS = [
  ...AGENT_ACTIONS,
  'GetRequest',
  'Authorize',
  'ListApprovals',
  'GetApproval',
  'ReviewPrepared',
  'ApprovalDecided',
  'IssueToken',
  'Execute',
  'RecordOutcome',
  /** API Gateway refused the call before any function saw it (resource policy, request model, web ACL, throttling). */
  'GatewayRefusal',
] as const;
export const AUDIT_OUTCOMES = [
  'allowed',
  'denied',
  'approval_required',
  'approved',
  'edited',
  'rejected',
  'expired',
  'executed',
  'failed',
  'error',
] as const;
export const POLICY_DECISIONS = ['allow', 'deny', 'approval_required'] as const;

export const AuditEventSchema = z.strictObject({
  schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
  eventId: z.uuid(),
  time: isoTime,
  requestId: ident(128),
  /** `principalArn` is absent only when the caller presented no IAM principal at all. */
  agent: z.strictObject({ name: ident(64), principalArn: z.optional(principalArn) }),
  action: z.enum(AUDIT_ACTIONS),
  crm: z.optional(z.enum(CRM_KINDS)),
  object: z.optional(z.enum(CRM_OBJECT_TYPES)),
  recordIds: z.array(ident(MAX_RECORD_ID_LENGTH)).check(z.maxLength(10_000)),
  fields: z.array(fieldName).check(z.maxLength(500)),
  counts: z.strictObject({ records: count, requested: z.optional(count), returned: z.optional(count) }),
  /** Absent when the request was refused before policy was asked (bad input, unknown caller, kill switch). */
  policy: z.optional(
    z.strictObject({
      version: ident(128),
      decisionId: ident(128),
      decision: z.enum(POLICY_DECISIONS),
      reasons: z.array(ident(128)).check(z.maxLength(50)),
    }),
  ),
  guards: z.strictObject({ redactions: countsByType, injectionFlags: count, outputGuardHits: countsByType }),
  outcome: z.enum(AUDIT_OUTCOMES),
  /** A BridgeError code (lambda/core/errors.ts), `GATEWAY_<type>`, or AUDIT_EVENT_REJECTED (lambda/core/audited.ts). */
  errorCode: z.optional(z.string().check(z.regex(/^[A-Z][A-Z_]{0,63}$/))),
  latencyMs: z.number().check(z.minimum(0)),
  approval: z.optional(
    z.strictObject({
      approver: z.strictObject({ name: ident(64), principalArn }),
      decision: z.enum(['approve', 'edit', 'reject', 'timeout']),
      decidedAt: isoTime,
      /** When the request started waiting: decidedAt − requestedAt is the approval latency. */
      requestedAt: z.optional(isoTime),
      /** jti of the decision token issued for the approved action. */
      tokenId: z.optional(ident(128)),
      /** Names of the fields the approver changed (never their values). */
      editedFields: z.optional(z.array(fieldName).check(z.maxLength(500))),
    }),
  ),
});

export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditOutcome = AuditEvent['outcome'];

/** What a caller supplies; the builder fills identity, time and empty counters. */
export type AuditEventInput = Omit<AuditEvent, 'schemaVersion' | 'eventId' | 'time' | 'recordIds' | 'fields' | 'guards' | 'counts'> & {
  eventId?: string;
  time?: Date;
  recordIds?: readonly string[];
  fields?: readonly string[];
  counts?: Partial<AuditEvent['counts']>;
  guards?: Partial<AuditEvent['guards']>;
};

/**
 * Builds and validates an event. An event that fails the schema is a bug in the caller, so it
 * throws INTERNAL; the proxy then fails closed. The error names the offending paths, never values.
 */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  const { eventId, time, recordIds, fields, counts, guards, ...rest } = input;
  const candidate = {
    ...rest,
    schemaVersion: AUDIT_SCHEMA_VERSION,
    eventId: eventId ?? randomUUID(),
    time: (time ?? new Date()).toISOString(),
    recordIds: [...(recordIds ?? [])],
    fields: [...new Set(fields ?? [])],
    counts: { ...counts, records: counts?.records ?? recordIds?.length ?? 0 },
    guards: { redactions: {}, injectionFlags: 0, outputGuardHits: {}, ...guards },
  };
  const parsed = AuditEventSchema.safeParse(candidate);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new BridgeError('INTERNAL', `audit event rejected by schema v${AUDIT_SCHEMA_VERSION}: ${paths.join('; ')}`, {
      issues: paths,
    });
  }
  return parsed.data;
}

/** Parses a stored event; returns the issues instead of throwing, for verifiers and queries. */
export function parseAuditEvent(json: string): { ok: true; event: AuditEvent } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = AuditEventSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, event: parsed.data }
    : { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}
