/**
 * The audit event: one JSON object per decision or outcome, written before the response
 * leaves. It names things (ids, field API names, policy ids, counts) and never holds record
 * contents: every string is constrained to an identifier shape, so free text, e-mail
 * addresses and anything with spaces are rejected by the schema itself.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AGENT_ACTIONS, CRM_KINDS, CRM_OBJECT_TYPES } from '../constants';
import { BridgeError } from '../errors';

export const AUDIT_SCHEMA_VERSION = 1;

/** Ids, tokens and names: no whitespace, no '@', bounded — so no sentence, e-mail or note fits. */
const IDENT = /^[A-Za-z0-9][A-Za-z0-9_.:/+=,-]*$/;
const ident = (max: number) => z.string().min(1).max(max).regex(IDENT, 'must be an identifier (no spaces, no "@")');
/** CRM field API names: Salesforce `Foo__c`, `Account.Name`; HubSpot `hs_lead_status`. */
const fieldName = z.string().min(1).max(80).regex(/^[A-Za-z][A-Za-z0-9_.]*$/, 'must be a field API name');
/** IAM/STS principal ARN (the local runtime uses the same shape for its header identities). */
const principalArn = z
  .string()
  .max(512)
  .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM or STS principal ARN');
const count = z.number().int().min(0);
/** Guard counters keyed by entity type (EMAIL, US_SSN, …): counts only, never the matched text. */
const countsByType = z.record(z.string().regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'must be an entity type name'), count);
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
  agent: z.strictObject({ name: ident(64), principalArn: principalArn.optional() }),
  action: z.enum(AUDIT_ACTIONS),
  crm: z.enum(CRM_KINDS).optional(),
  object: z.enum(CRM_OBJECT_TYPES).optional(),
  recordIds: z.array(ident(64)).max(10_000),
  fields: z.array(fieldName).max(500),
  counts: z.strictObject({ records: count, requested: count.optional(), returned: count.optional() }),
  /** Absent when the request was refused before policy was asked (bad input, unknown caller, kill switch). */
  policy: z.strictObject({
    version: ident(128),
    decisionId: ident(128),
    decision: z.enum(POLICY_DECISIONS),
    reasons: z.array(ident(128)).max(50),
  }).optional(),
  guards: z.strictObject({ redactions: countsByType, injectionFlags: count, outputGuardHits: countsByType }),
  outcome: z.enum(AUDIT_OUTCOMES),
  /** A BridgeError code (lambda/core/errors.ts) when the outcome is failed or error. */
  errorCode: z.string().regex(/^[A-Z][A-Z_]{0,63}$/).optional(),
  latencyMs: z.number().min(0),
  approval: z
    .strictObject({
      approver: z.strictObject({ name: ident(64), principalArn }),
      decision: z.enum(['approve', 'edit', 'reject', 'timeout']),
      decidedAt: isoTime,
      /** jti of the decision token issued for the approved action. */
      tokenId: ident(128).optional(),
      /** Names of the fields the approver changed (never their values). */
      editedFields: z.array(fieldName).max(500).optional(),
    })
    .optional(),
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
