/**
 * The ports of the approval flow: what its core logic needs from the outside, implemented by adapters (AWS) and by
 * the local runtime. Pure interfaces; see /lambda/adapters for the implementations.
 */
import type { DecisionClaims } from '../tokens';
import type { SealedValue } from '../requests';
import type { CrmObjectType, CrmRecord, Scalar } from '../types';
import type { BridgeAction, CrmWrite } from './schemas';

/** Seals a secret into the requests table and opens it again (adapters/sealer.ts). `context` binds it to its use. */
export interface SealerPort {
  seal(plaintext: string, context: Record<string, string>): Promise<SealedValue>;
  open(value: SealedValue, context: Record<string, string>): Promise<string>;
}

/** Completes WaitForApproval (adapters/sfn.ts StepFunctionsTaskResults). Only the approver API holds it. */
export interface TaskResultPort {
  succeed(taskToken: string, output: { decision: 'approve' | 'edit'; approver: string }): Promise<void>;
  /** Reject: error `Bridge.Rejected`. A task no longer waiting is a CONFLICT. */
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** One approval notice: no field values, only what an approver needs to find the request. */
export interface ApprovalNotice {
  readonly requestId: string;
  readonly agent: string;
  readonly action: string;
  readonly object: CrmObjectType;
  readonly recordId?: string;
  /** The redacted one-line summary from PrepareReview. */
  readonly summary: string;
  readonly deadline: string;
}

/** Tells approvers (SNS e-mail topic; Slack incoming webhook when configured). */
export interface NotifierPort {
  notify(notice: ApprovalNotice): Promise<void>;
}

/** The CRM as the write integration user sees it (connectors: get/create/update). */
export interface CrmWriterPort {
  get(object: CrmObjectType, id: string, fields: readonly string[]): Promise<CrmRecord | undefined>;
  create(object: CrmObjectType, fields: Record<string, unknown>): Promise<string>;
  update(object: CrmObjectType, id: string, fields: Record<string, unknown>): Promise<void>;
}

/** Re-identifies `{TYPE_n}` placeholders from the vault, in one scope only (adapters/vault-dynamodb.ts). */
export interface VaultReaderPort {
  reidentify(text: string, scope: string): Promise<string>;
}

/** Verifies a decision token for exactly the action about to run and burns its jti (core/tokens DecisionTokenVerifier). */
export interface TokenVerifierPort {
  verify(token: string, executed: { act: DecisionClaims['act']; res: DecisionClaims['res']; params: unknown }): Promise<DecisionClaims>;
}

/** What Execute writes for an action (core/approvals/executor.ts). */
export type ActionToWrite = (action: BridgeAction, crm: 'salesforce' | 'hubspot') => CrmWrite;

/** The result of running an action against the CRM. */
export interface WriteOutcome {
  readonly op: 'create' | 'update';
  readonly object: CrmObjectType;
  readonly recordId: string;
  /** Names (never values) of the fields written. */
  readonly fields: readonly string[];
}

export type { Scalar };
