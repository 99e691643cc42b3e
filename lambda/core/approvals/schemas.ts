/**
 * What agents and approvers send to the approval-flow routes (constants API_ROUTES), as zod/mini schemas:
 * the handlers validate with them and the MCP server derives its tool input schemas from them.
 */
import * as z from 'zod/mini';
import { CRM_OBJECT_TYPES } from '../constants';
import { CurrencyCodeSchema, isCedarDecimal } from '../policy/request';
import { IDENTIFIER, isIdentifier } from '../query/identifiers';
import { QUERY_LIMITS as L } from '../query/limits';
import type { CrmObjectType, Scalar } from '../types';

/** Bounds of a proposal: one record, a handful of fields, short values. */
export const PROPOSAL_LIMITS = {
  maxFields: 30,
  maxValueLength: 32_000,
  maxReasonLength: 1000,
  maxCommentLength: 1000,
  maxRecordIdLength: 64,
  maxTokenLength: 4096,
} as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\p{Cs}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;
const text = (max: number) =>
  z.string().check(z.maxLength(max), z.refine((s) => !CONTROL.test(s), 'must be text without control characters'));
const nonEmptyText = (max: number) => text(max).check(z.minLength(1));

export const FieldNameSchema = z
  .string()
  .check(
    z.maxLength(L.maxIdentifierLength),
    z.regex(IDENTIFIER, 'must be a CRM API name (letters, digits, underscores)'),
    z.refine(isIdentifier, 'must not be a SOQL keyword'),
  );
export const RecordIdSchema = z.string().check(z.minLength(1), z.maxLength(PROPOSAL_LIMITS.maxRecordIdLength), z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a CRM record id'));
const ObjectSchema = z.enum(CRM_OBJECT_TYPES);
const ScalarSchema = z.union([text(PROPOSAL_LIMITS.maxValueLength), z.number().check(z.refine(Number.isFinite, 'must be finite')), z.boolean(), z.null()]);
/** Field values to write: placeholders such as `{EMAIL_1}` from the agent's conversation are allowed and re-identified at execution. */
export const FieldValuesSchema = z
  .record(FieldNameSchema, ScalarSchema)
  .check(z.refine((f) => Object.keys(f).length >= 1 && Object.keys(f).length <= PROPOSAL_LIMITS.maxFields, `must name 1 to ${PROPOSAL_LIMITS.maxFields} fields`));
const ConversationIdSchema = z.string().check(z.maxLength(L.maxConversationIdLength), z.regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits and . _ : -'));

/** A currency amount as Cedar's decimal holds it: positive, at most 4 decimals. */
const AmountSchema = z.number().check(
  z.positive(),
  z.maximum(1e12),
  z.refine(isCedarDecimal, 'must have at most 4 decimals'),
);
const ReasonSchema = nonEmptyText(PROPOSAL_LIMITS.maxReasonLength);

const CreateParams = z.strictObject({ object: ObjectSchema, fields: FieldValuesSchema, conversationId: z.optional(ConversationIdSchema) });
const UpdateParams = z.strictObject({ object: ObjectSchema, recordId: RecordIdSchema, fields: FieldValuesSchema, conversationId: z.optional(ConversationIdSchema) });
const RefundParams = z.strictObject({
  object: z.enum(['Case', 'Account', 'Opportunity']),
  recordId: RecordIdSchema,
  amount: AmountSchema,
  currency: CurrencyCodeSchema,
  reason: ReasonSchema,
  conversationId: z.optional(ConversationIdSchema),
});

/**
 * `POST /v1/records/propose`: one action on one record, waiting for a person. Each `op` (PROPOSAL_OPS) takes the
 * params of the action it proposes plus the `reason` a person reads; a refund's params already hold a reason, which
 * is both that reason and the refund reason written to the CRM. Every op's `conversationId` is one of its params, so
 * the decision token binds it: placeholders resolve at execution only from the conversation that was approved.
 */
export const ProposeRequestSchema = z.discriminatedUnion('op', [
  z.extend(CreateParams, { op: z.literal('create'), reason: ReasonSchema }),
  z.extend(UpdateParams, { op: z.literal('update'), reason: ReasonSchema }),
  z.extend(RefundParams, { op: z.literal('refund') }),
]);
export type ProposeRequest = z.infer<typeof ProposeRequestSchema>;

const TokenSchema = z.string().check(z.minLength(1), z.maxLength(PROPOSAL_LIMITS.maxTokenLength));

/**
 * The actions an agent may ask to run, each with exactly the parameters a decision token binds. `conversationId`
 * is among them for every action: it names the vault scope placeholders re-identify from at execution.
 */
export const ActionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('ProposeCreate'), params: CreateParams }),
  z.strictObject({ action: z.literal('ProposeUpdate'), params: UpdateParams }),
  z.strictObject({ action: z.literal('IssueRefund'), params: RefundParams }),
]);
export type BridgeAction = z.infer<typeof ActionSchema>;
export type ActionName = BridgeAction['action'];

/** `POST /v1/authorize`: asks policy about an action; an allowed one comes back with a decision token. */
export const AuthorizeRequestSchema = ActionSchema;
export type AuthorizeRequest = BridgeAction;

/** `POST /v1/actions/execute`: runs an action with the decision token issued for exactly it. */
export const ExecuteActionRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('ProposeCreate'), params: CreateParams, token: TokenSchema }),
  z.strictObject({ action: z.literal('ProposeUpdate'), params: UpdateParams, token: TokenSchema }),
  z.strictObject({ action: z.literal('IssueRefund'), params: RefundParams, token: TokenSchema }),
]);
export type ExecuteActionRequest = z.infer<typeof ExecuteActionRequestSchema>;

/** `POST /v1/approvals/{id}/decision`. Edits change proposed field values and must pass policy again. */
export const ApprovalDecisionSchema = z
  .strictObject({
    decision: z.enum(['approve', 'edit', 'reject']),
    edits: z.optional(FieldValuesSchema),
    comment: nonEmptyText(PROPOSAL_LIMITS.maxCommentLength),
  })
  .check(
    z.refine((d) => (d.decision === 'edit') === (d.edits !== undefined), {
      message: 'edits come with decision "edit", and only with it',
      path: ['edits'],
    }),
  );
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

/** `GET /v1/approvals?status=…` */
export const ApprovalListQuerySchema = z.strictObject({
  status: z._default(z.enum(['approval_required', 'approved', 'rejected', 'completed', 'failed', 'expired']), 'approval_required'),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.string().check(z.maxLength(1024))),
});

/** The CRM write an action turns into, with the field names the executor checks against the token. */
export interface CrmWrite {
  readonly op: 'create' | 'update';
  readonly object: CrmObjectType;
  readonly recordId?: string;
  readonly fields: Record<string, Scalar>;
}
