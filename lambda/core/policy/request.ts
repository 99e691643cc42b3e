/**
 * PolicyRequest validation and its translation to a Cedar authorization call. Requests are
 * checked here, in TypeScript, so evaluation can skip Cedar's per-call schema validation
 * (which would triple its cost); the policies themselves are schema-validated at load.
 */
import * as z from 'zod/mini';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { BridgeError } from '../errors';
import { CRM_KINDS, CRM_OBJECT_TYPES } from '../types';
import { parseOrThrow } from '../validation';
import { FIELD_NAME } from './annotations';
import { pick, type AttributeUse } from './attributes';
import { SCALED_AMOUNT_BOUND } from './slice';
import { AGENT_TIERS, AMOUNT_ACTIONS, POLICY_ACTIONS, type PolicyRequest } from './types';

/** Cedar decimal: at most 4 fractional digits, within a signed 64-bit range. */
const MAX_AMOUNT = 922_337_203_685_477;
/** A number Cedar's decimal holds exactly: finite, with at most 4 decimal places (what the policy request admits). */
export const isCedarDecimal = (n: number): boolean => Number.isFinite(n) && Math.round(n * 1e4) / 1e4 === n;
/** An ISO 4217 currency code (`EUR`): the currency of a refund's amount, in its params and its policy request. */
export const CurrencyCodeSchema = z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'));
const label = z.string().check(z.minLength(1), z.maxLength(256));

export const policyRequestSchema = z.strictObject({
  agent: z.strictObject({
    id: label,
    team: label,
    territories: z.array(label).check(z.maxLength(100)),
    tier: z.enum(AGENT_TIERS),
    maxRecords: z.optional(z.int().check(z.positive(), z.maximum(1_000_000))),
  }),
  action: z.enum(POLICY_ACTIONS),
  resource: z.strictObject({ type: z.enum(CRM_OBJECT_TYPES), id: z.optional(label) }),
  context: z.strictObject({
    fields: z.array(z.string().check(z.regex(FIELD_NAME, 'must be a field API name'))).check(z.maxLength(500)),
    recordLimit: z.int().check(z.minimum(0), z.maximum(1_000_000)),
    crm: z.enum(CRM_KINDS),
    purpose: z.string().check(z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be a purpose code (lowercase letters, digits, "_", ".", "-")')),
    amount: z.optional(
      z
        .number()
        .check(
          z.minimum(-MAX_AMOUNT),
          z.maximum(MAX_AMOUNT),
          z.refine<number>(isCedarDecimal, 'must have at most 4 decimal places'),
        ),
    ),
    currency: z.optional(CurrencyCodeSchema),
    unmaskedPii: z.boolean(),
    now: z.optional(z.date().check(z.refine<Date>((d) => !Number.isNaN(d.getTime()), 'must be a valid date'))),
  }),
});

export function validatePolicyRequest(value: unknown): PolicyRequest {
  const req = parseOrThrow(policyRequestSchema, value, 'Policy request') as PolicyRequest;
  const needsAmount = AMOUNT_ACTIONS.includes(req.action);
  // An amount means nothing without its currency: policies compare both, so both come together or neither.
  for (const attr of ['amount', 'currency'] as const) {
    if (needsAmount !== (req.context[attr] !== undefined)) {
      throw new BridgeError(
        'VALIDATION_FAILED',
        needsAmount ? `Policy request is invalid: ${req.action} needs context.${attr}` : `Policy request is invalid: ${req.action} takes no context.${attr}`,
      );
    }
  }
  return req;
}

/** Cedar's decimal literal: digits, a dot, 1-4 digits (never exponent notation, given the range check). */
function toCedarDecimal(n: number): string {
  const [int, frac = '0'] = String(n).split('.');
  return `${int}.${frac}`;
}

/**
 * The decimal Cedar parses from toCedarDecimal(n), × 10⁴, as a Long; clamped to ±SCALED_AMOUNT_BOUND
 * (2^53: exact, and past every literal a scaled set compares it with), so it stays an exact number.
 */
function scaledDecimal(n: number): number {
  const [int, frac = ''] = String(Math.abs(n)).split('.');
  // Exact below 2^53; at or above it the sum rounds but stays at or above it, and is clamped.
  const scaled = Math.min(Number(int) * 10_000 + Number(frac.padEnd(4, '0')), SCALED_AMOUNT_BOUND);
  return n < 0 ? -scaled : scaled;
}

/** A read without a record id is a request on the collection, `<Type>::"*"`. */
export const COLLECTION_ID = '*';

/**
 * The Cedar call for `req` on a set with a preparsed id, carrying only what the set's policies read:
 * context attributes, principal attributes, the principal's team when something tests ancestry, and
 * no principal entity at all when nothing of it is read (`has` on it is then false, as without the attribute).
 */
export function toCedarCall(req: PolicyRequest, now: Date, set: { id: string; reads: AttributeUse; scaledAmount?: boolean }): Cedar.StatefulAuthorizationCall {
  const { agent, context } = req;
  const { reads } = set;
  const attrs: Record<string, Cedar.CedarValueJson> = { territories: agent.territories, tier: agent.tier };
  if (agent.maxRecords !== undefined) attrs.maxRecords = agent.maxRecords;
  const cedarContext: Cedar.Context = {
    fields: context.fields,
    recordLimit: context.recordLimit,
    crm: context.crm,
    purpose: context.purpose,
    unmaskedPii: context.unmaskedPii,
    hourUtc: now.getUTCHours(),
    weekdayUtc: now.getUTCDay(),
  };
  if (context.amount !== undefined) {
    cedarContext.amount = set.scaledAmount ? scaledDecimal(context.amount) : { __extn: { fn: 'decimal', arg: toCedarDecimal(context.amount) } };
  }
  if (context.currency !== undefined) cedarContext.currency = context.currency;
  const principal = { type: 'Agent', id: agent.id };
  const read = pick(attrs, reads.anywhere);
  let entities: Cedar.EntityJson[] = [];
  if (reads.ancestors) entities = [{ uid: principal, attrs: read, parents: [{ type: 'Team', id: agent.team }] }];
  else if (Object.keys(read).length) entities = [{ uid: principal, attrs: read, parents: [] }];
  return {
    principal,
    action: { type: 'Action', id: req.action },
    resource: { type: req.resource.type, id: req.resource.id ?? COLLECTION_ID },
    context: pick(cedarContext, reads.context),
    entities,
    preparsedPolicySetId: set.id,
  };
}
