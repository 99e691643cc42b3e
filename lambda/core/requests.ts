import { BridgeError } from './errors';
import type { PolicyAction, Obligations, Reason } from './policy/types';
import type { CrmObjectType } from './types';

/**
 * An agent request that did not finish synchronously: it waits for a person, then runs.
 * approval_required → approved → executing → completed | failed; approval_required → rejected | expired | failed.
 */
export const REQUEST_STATUSES = ['approval_required', 'approved', 'executing', 'rejected', 'completed', 'failed', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RequestStatus[] = ['rejected', 'completed', 'failed', 'expired'];

/** Which statuses a request may move to from each status; anything else is a CONFLICT. */
export const REQUEST_TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  approval_required: ['approved', 'rejected', 'expired', 'failed'],
  approved: ['executing', 'failed'],
  executing: ['completed', 'failed'],
  rejected: [],
  completed: [],
  failed: [],
  expired: [],
};

/** AES-GCM ciphertext under a wrapped data key (adapters/sealer.ts); base64 strings so it stores as JSON. */
export interface SealedValue {
  readonly wrappedKey: string;
  readonly ciphertext: string;
}

/** What the approver sees: redacted proposal and, for updates, the current values beside the proposed ones. */
export interface ReviewView {
  readonly summary: string;
  /** Proposed values as an approver may see them (masked/tokenized per the field catalog). */
  readonly proposed: Record<string, unknown>;
  /** Reads: the query (filters, fields, limit) that will run. */
  readonly query?: unknown;
}

export interface ApprovalRecord {
  readonly approver: string;
  readonly principalArn: string;
  readonly decision: 'approve' | 'edit' | 'reject';
  readonly comment: string;
  readonly decidedAt: string;
  /** Names of the fields the approver changed. */
  readonly editedFields?: readonly string[];
}

export interface RequestRecord {
  readonly requestId: string;
  readonly agent: string;
  /** The requesting agent's IAM principal ARN (approver ≠ requester is checked against it). */
  readonly principalArn?: string;
  readonly kind: 'read' | 'write';
  readonly action: PolicyAction;
  readonly status: RequestStatus;
  readonly object: CrmObjectType;
  readonly recordId?: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  /** Epoch seconds: the store's TTL removes the record after this. */
  readonly expiresAt: number;
  /** The decision that sent the request to a person. */
  readonly decisionId: string;
  readonly policyVersion: string;
  readonly reasons?: readonly Reason[];
  /** Why the agent asks (proposals). */
  readonly reason?: string;
  /**
   * The agent's conversation, for operators. Execution never reads it: placeholders resolve in the scope named by
   * the token-bound payload (the action's params or the read's query), so editing this field changes nothing.
   */
  readonly conversationId?: string;
  /**
   * The validated request as the agent sent it: a QueryRequest (read) or the action's params (write, the shape of
   * ActionSchema params). `finalPayload` replaces it once an approver edits.
   */
  readonly payload: unknown;
  readonly finalPayload?: unknown;
  readonly review?: ReviewView;
  readonly executionArn?: string;
  /** The Step Functions task token of WaitForApproval, sealed. */
  readonly taskToken?: SealedValue;
  /** When an unanswered approval ends in deny (ISO time). */
  readonly approvalDeadline?: string;
  readonly approval?: ApprovalRecord;
  /** Re-evaluated decision at IssueDecisionToken (reads run with these obligations; bound into the token). */
  readonly approvedDecision?: { readonly decisionId: string; readonly policyVersion: string; readonly obligations: Obligations };
  /** jti of the decision token issued for this request. */
  readonly tokenId?: string;
  /** Writes: what was written. */
  readonly writeResult?: { readonly op: 'create' | 'update'; readonly recordId: string };
  /** Approved reads: the redacted response body, sealed, returned once by GET /v1/requests/{id} and then removed. */
  readonly result?: SealedValue;
  readonly resultFetchedAt?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Fields a transition may set (identity fields never change). */
export type RequestChanges = Partial<
  Omit<RequestRecord, 'requestId' | 'agent' | 'principalArn' | 'kind' | 'action' | 'object' | 'createdAt' | 'status'>
>;

export interface RequestPage {
  readonly items: RequestRecord[];
  /** Opaque; pass back to get the next page. */
  readonly cursor?: string;
}

export interface RequestStore {
  /** Stores a new request; a second put with the same id is a CONFLICT. */
  create(record: RequestRecord): Promise<void>;
  get(requestId: string): Promise<RequestRecord | undefined>;
  /**
   * Moves a request from `from` (one status or any of several) to `to`, applying `changes`, atomically:
   * CONFLICT when the current status is not `from` (someone decided or ran it first), NOT_FOUND when absent.
   * `to` equal to the current status updates in place (e.g. storing the review), still conditional.
   * `remove` deletes attributes (e.g. a fetched-once result).
   */
  transition(
    requestId: string,
    from: RequestStatus | readonly RequestStatus[],
    to: RequestStatus,
    changes?: RequestChanges,
    remove?: readonly (keyof RequestChanges)[],
  ): Promise<RequestRecord>;
  /** Requests with a status, oldest first. */
  listByStatus(status: RequestStatus, opts?: { limit?: number; cursor?: string }): Promise<RequestPage>;
}

/**
 * The record a transition writes: CONFLICT when the current status is not one of `from` or the lifecycle does
 * not allow the move; otherwise `current` with `changes` applied, `remove` deleted and the new status.
 */
export function transitioned(
  current: RequestRecord,
  from: RequestStatus | readonly RequestStatus[],
  to: RequestStatus,
  changes: RequestChanges = {},
  remove: readonly (keyof RequestChanges)[] = [],
): RequestRecord {
  const allowed = typeof from === 'string' ? [from] : from;
  if (!allowed.includes(current.status)) {
    throw new BridgeError('CONFLICT', `request ${current.requestId} is ${current.status}, not ${allowed.join(' or ')}`, { status: current.status });
  }
  assertTransition(current.requestId, current.status, to);
  const next = { ...current, ...changes } as Record<string, unknown>;
  for (const key of remove) delete next[key];
  return { ...next, status: to } as unknown as RequestRecord;
}

/** Throws CONFLICT for a move the lifecycle does not allow (stores call it before writing). */
export function assertTransition(requestId: string, from: RequestStatus, to: RequestStatus): void {
  if (from !== to && !REQUEST_TRANSITIONS[from].includes(to)) {
    throw new BridgeError('CONFLICT', `request ${requestId} is ${from} and cannot become ${to}`, { status: from });
  }
}

/** How long a request is kept before the store forgets it (an approval times out well before). */
export const PENDING_REQUEST_TTL_SECONDS = 7 * 24 * 3600;
