/**
 * The policy layer's contract with the proxy and the approval flow: what is asked
 * (PolicyRequest) and what is decided (PolicyDecision).
 */
import { AGENT_ACTIONS } from '../constants';
import type { CrmKind, CrmObjectType, FieldClass, Filter, RedactionAction } from '../types';

/** Every action the schema declares. ProposeDelete exists so that policy can forbid it by name. */
export const POLICY_ACTIONS = [...AGENT_ACTIONS, 'ProposeDelete'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** Actions whose context carries a monetary amount (Cedar `decimal`) and its currency (ISO 4217 code). */
export const AMOUNT_ACTIONS: readonly PolicyAction[] = ['IssueRefund'];

export const AGENT_TIERS = ['standard', 'silver', 'gold'] as const;

export interface AgentProfile {
  id: string;
  team: string;
  territories: string[];
  tier: (typeof AGENT_TIERS)[number];
  /** Per-agent cap on records per read, visible to policies as `principal.maxRecords`. */
  maxRecords?: number;
}

export interface PolicyRequest {
  agent: AgentProfile;
  action: PolicyAction;
  resource: { type: CrmObjectType; id?: string };
  context: {
    fields: string[];
    recordLimit: number;
    /** The deployment's CRM: field API names differ, so policies may name it. */
    crm: CrmKind;
    purpose: string;
    /** Required for AMOUNT_ACTIONS, refused otherwise. At most 4 decimals (Cedar decimal). */
    amount?: number;
    /** The ISO 4217 code of `amount` (`EUR`): required for AMOUNT_ACTIONS, refused otherwise. */
    currency?: string;
    unmaskedPii: boolean;
    /** Evaluation time: picks the bundle in force and feeds `context.hourUtc`/`weekdayUtc`. */
    now?: Date;
  };
}

export interface Obligations {
  /** The connector selects at most these fields. */
  allowedFields?: string[];
  /** Injected into the CRM query (AND-ed with the agent's own filter). */
  rowFilter?: Filter;
  maxRecords?: number;
  maskingOverrides?: Partial<Record<FieldClass, RedactionAction>>;
}

export type Decision = 'allow' | 'deny' | 'approval_required';

export interface Reason {
  policyId: string;
  text: string;
}

/** A candidate bundle's decision beside the enforced one: for audit, never enforced. */
export interface ShadowDiff {
  policyVersion: string;
  decision: Decision;
  reasons: Reason[];
  obligations: Obligations;
  /** Human-readable differences from the enforced decision; empty when both agree. */
  differences: string[];
}

export interface PolicyDecision {
  decision: Decision;
  reasons: Reason[];
  obligations: Obligations;
  policyVersion: string;
  decisionId: string;
  shadow?: ShadowDiff;
}
