/**
 * What the approval flow's steps share: the error they throw to Step Functions, their input schemas, their
 * dependencies, and the helpers that run one step audited, load its request and describe the approver. Each step lives
 * in its own module (step-*.ts), so each Lambda bundles only the code of its own step; flow.ts composes all five.
 */
import * as z from 'zod/mini';
import type { PolicyPort } from '../agent-calls';
import { audited, newTrail, type AuditPort, type Trail } from '../audited';
import type { AuditEventInput, AuditOutcome } from '../audit/event';
import { BridgeError, isBridgeError, type ErrorCode } from '../errors';
import type { KillSwitch } from '../kill-switch';
import { parseQueryRequest, type QueryRequest } from '../query';
import type { CrmReader, VaultPort } from '../read-pipeline';
import type { RequestRecord, RequestStatus, RequestStore } from '../requests';
import type { RuntimeConfig } from '../runtime-config';
import type { Signer } from '../signer';
import { parseOrThrow } from '../validation';
import type { CrmWriterPort, NotifierPort, SealerPort, TokenVerifierPort, VaultReaderPort } from './ports';
import { ActionSchema, PROPOSAL_LIMITS, type BridgeAction } from './schemas';

/** How a request ends, as the state machine's outcome Pass states name it. */
export const FLOW_OUTCOMES = ['completed', 'rejected', 'expired', 'failed'] as const;
export type FlowOutcome = (typeof FLOW_OUTCOMES)[number];
/** Prefix of every error name a step throws to Step Functions. */
export const STEP_ERROR_PREFIX = 'Bridge.';

/** The error a step throws: `name` is `Bridge.<CODE>` (Step Functions' Error), the message carries no values, no stack. */
export class StepError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = `${STEP_ERROR_PREFIX}${code}`;
    // Lambda reports `stack` as the error's trace; the step's message is all the state machine needs.
    this.stack = `${this.name}: ${message}`;
  }
}

export const toStepError = (e: unknown): StepError =>
  isBridgeError(e) ? new StepError(e.code, e.message) : new StepError('INTERNAL', 'the step failed unexpectedly');

/** Common to every step. */
export interface FlowBaseDeps {
  readonly config: RuntimeConfig;
  readonly requests: RequestStore;
  readonly audit: AuditPort;
  readonly now?: () => Date;
}
export interface ReviewStepDeps {
  /** Deployment HMAC key (the Redactor needs one). */
  readonly hmacKey: Uint8Array;
}
export interface WaitStepDeps {
  readonly sealer: SealerPort;
  readonly notifier: NotifierPort;
  /** The state machine's WaitForApproval timeout (APPROVAL_ENV.TIMEOUT_SECONDS). */
  readonly timeoutSeconds: number;
  /** Where an undelivered notice is reported (default: console.warn). */
  readonly warn?: (message: string, fields: Record<string, string>) => void;
}
export interface TokenStepDeps {
  readonly policy: PolicyPort;
  readonly signer: Signer;
}
export interface ExecuteStepDeps {
  readonly killSwitch: KillSwitch;
  readonly verifier: TokenVerifierPort;
  /** The CRM as the write integration user. */
  readonly writer: CrmWriterPort;
  /** The CRM as the read integration user (approved reads). */
  readonly reader: CrmReader;
  readonly vault: VaultPort & VaultReaderPort;
  readonly sealer: SealerPort;
  readonly hmacKey: Uint8Array;
}

/** Each handler supplies its own step's group only (least privilege); the local runtime supplies all. */
export interface ApprovalStepDeps extends FlowBaseDeps {
  readonly review?: ReviewStepDeps;
  readonly wait?: WaitStepDeps;
  readonly token?: TokenStepDeps;
  readonly execute?: ExecuteStepDeps;
}

const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const RequestIdSchema = z.string().check(z.regex(REQUEST_ID, 'must be 1–128 letters, digits or dashes'));
const TokenSchema = z.string().check(z.minLength(1), z.maxLength(PROPOSAL_LIMITS.maxTokenLength));
export const ReviewEventSchema = z.object({ requestId: RequestIdSchema });
export const WaitEventSchema = z.object({ requestId: RequestIdSchema, taskToken: z.string().check(z.minLength(1), z.maxLength(8192)) });
export const TokenEventSchema = ReviewEventSchema;
export const ExecuteEventSchema = z.object({ requestId: RequestIdSchema, token: TokenSchema });
export const OutcomeEventSchema = z.object({
  requestId: RequestIdSchema,
  outcome: z.enum(FLOW_OUTCOMES),
  error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});
export type OutcomeEvent = z.infer<typeof OutcomeEventSchema>;

export interface ApprovalSteps {
  prepareReview(event: unknown): Promise<{ requestId: string }>;
  waitForApproval(event: unknown): Promise<{ requestId: string }>;
  issueToken(event: unknown): Promise<{ token: string }>;
  execute(event: unknown): Promise<{ requestId: string; outcome: 'executed' }>;
  recordOutcome(event: unknown): Promise<{ requestId: string; outcome: FlowOutcome }>;
}

/** Audit outcome of each way a request ends. */
export const AUDIT_OUTCOME: Record<FlowOutcome, AuditOutcome> = { completed: 'executed', rejected: 'rejected', expired: 'expired', failed: 'failed' };
/** The longest error message kept on a request record. */
export const MAX_ERROR_MESSAGE = 500;

/** The action a request runs: the approver's final version if any. */
export type FinalAction = BridgeAction | { readonly action: 'Read'; readonly query: QueryRequest };

/** One step of the flow, as a Lambda handler or the local runtime calls it. */
export type Step<R> = (event: unknown) => Promise<R>;

export interface FlowKit {
  readonly deps: FlowBaseDeps;
  readonly now: () => Date;
  /** Runs one step inside `audited` (unless `action` is undefined) and turns any failure into a StepError. */
  step<E, R>(schema: z.ZodMiniType<E>, event: unknown, action: AuditEventInput['action'] | undefined, run: (e: E, trail: Trail) => Promise<R>): Promise<R>;
  /** Loads a request, records its requester as the trail's actor, and checks its status. */
  load(requestId: string, trail: Trail, expected?: readonly RequestStatus[]): Promise<RequestRecord>;
  /** The approver block of audit events, once a person decided. */
  approvalOf(record: RequestRecord, tokenId?: string): Trail['approval'];
  /** The action a request runs, validated again (the store is not trusted blindly). */
  finalAction(record: RequestRecord): FinalAction;
}

/** A step's own dependency group, or INTERNAL when the function was not given it. */
export function need<T>(group: T | undefined, name: string): T {
  if (!group) throw new BridgeError('INTERNAL', `the ${name} step is not configured in this function`);
  return group;
}

export function flowKit(deps: FlowBaseDeps): FlowKit {
  const now = deps.now ?? (() => new Date());
  return {
    deps,
    now,
    async step(schema, event, action, run) {
      try {
        const body = async (trail: Trail) => ({ status: 200 as const, value: await run(parseOrThrow(schema, event, 'step input'), trail) });
        if (!action) return (await body(newTrail())).value;
        // The audit event needs a well-formed id even when the input is not (the failure is then audited under it).
        const requestId = (event as { requestId?: unknown } | null)?.requestId;
        const ctx = { callerArn: undefined, requestId: typeof requestId === 'string' && REQUEST_ID.test(requestId) ? requestId : 'invalid-request-id' };
        return (await audited({ audit: deps.audit, crmKind: deps.config.crm.kind, now }, ctx, action, body)).value;
      } catch (e) {
        throw toStepError(e);
      }
    },
    async load(requestId, trail, expected) {
      const record = await deps.requests.get(requestId);
      if (!record) throw new BridgeError('NOT_FOUND', `no request ${requestId}`);
      trail.actor = record.agent;
      if (record.principalArn) trail.principalArn = record.principalArn;
      trail.object = record.object;
      if (record.recordId) trail.recordIds = [record.recordId];
      if (expected && !expected.includes(record.status)) {
        throw new BridgeError('CONFLICT', `request ${requestId} is ${record.status}, not ${expected.join(' or ')}`, { status: record.status });
      }
      return record;
    },
    approvalOf(record, tokenId = record.tokenId) {
      return record.approval
        ? {
            approver: { name: record.approval.approver, principalArn: record.approval.principalArn },
            decision: record.approval.decision,
            decidedAt: new Date(record.approval.decidedAt).toISOString(),
            ...(tokenId ? { tokenId } : {}),
            ...(record.approval.editedFields ? { editedFields: [...record.approval.editedFields] } : {}),
          }
        : undefined;
    },
    finalAction(record) {
      const payload = record.finalPayload ?? record.payload;
      if (record.kind === 'read') return { action: 'Read', query: parseQueryRequest(payload) };
      const action = parseOrThrow(ActionSchema, { action: record.action, params: payload }, 'stored action');
      if (action.params.object !== record.object || ('recordId' in action.params ? action.params.recordId : undefined) !== record.recordId) {
        throw new BridgeError('CONFLICT', `request ${record.requestId}: the stored action no longer names its object and record`);
      }
      return action;
    },
  };
}

/** The stable code and a bounded message of a failure, from Step Functions' `{Error, Cause}`. */
export function errorOf(error: OutcomeEvent['error']): { code: string; message: string } {
  const name = error?.Error ?? '';
  const code = name.startsWith(STEP_ERROR_PREFIX) && /^[A-Z][A-Z_]{0,63}$/.test(name.slice(STEP_ERROR_PREFIX.length)) ? name.slice(STEP_ERROR_PREFIX.length) : 'INTERNAL';
  let message = error?.Cause ?? name;
  try {
    // A Lambda function error's Cause is JSON: {errorType, errorMessage, trace}; only the message is kept.
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: a local runner's or Step Functions' own cause text.
  }
  return { code, message: (message || 'the request failed').slice(0, MAX_ERROR_MESSAGE) };
}

export function defaultWarn(message: string, fields: Record<string, string>): void {
  console.warn(JSON.stringify({ level: 'warn', message, ...fields }));
}
