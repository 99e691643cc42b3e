import type { CrmObjectType } from './types';

/** An agent request that did not finish synchronously (it waits for a person). */
export const REQUEST_STATUSES = ['approval_required', 'approved', 'rejected', 'completed', 'failed', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface RequestRecord {
  readonly requestId: string;
  readonly agent: string;
  readonly kind: 'read' | 'propose';
  readonly status: RequestStatus;
  readonly object: CrmObjectType;
  readonly createdAt: string;
  /** Epoch seconds: the store's TTL removes the record after this. */
  readonly expiresAt: number;
  readonly decisionId: string;
  readonly policyVersion: string;
  /** The validated request as the agent sent it, to run once approved. */
  readonly payload: unknown;
}

export interface RequestStore {
  /** Stores a new request; a second put with the same id is a conflict. */
  create(record: RequestRecord): Promise<void>;
  get(requestId: string): Promise<RequestRecord | undefined>;
}

/** How long an unanswered request is kept before the store forgets it. */
export const PENDING_REQUEST_TTL_SECONDS = 7 * 24 * 3600;
