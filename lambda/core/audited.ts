/**
 * One audited call: whatever happens, its audit event is written before the result leaves. If the event cannot be
 * written the caller gets AUDIT_UNAVAILABLE and no data (fail closed). Every service of the bridge (agent read path,
 * proposals, actions, approvers, flow steps) runs its calls through here, so no path can skip the audit.
 */
import { buildAuditEvent, fitsIdent, isAuditablePrincipal, type AuditEvent, type AuditEventInput, type AuditOutcome } from './audit/event';
import { BridgeError, isBridgeError } from './errors';
import { parsePrincipal } from './identity';
import type { PolicyDecision } from './policy/types';
import type { CrmKind, CrmObjectType } from './types';

export interface AuditPort {
  write(event: AuditEvent): Promise<void>;
}

/** Who is calling, as API Gateway saw it (or the state machine, for flow steps). */
export interface CallContext {
  /** The caller's IAM principal ARN. */
  readonly callerArn: string | undefined;
  /** API Gateway's request id (or the flow's request id): also the audit event's request id. */
  readonly requestId: string;
}

/** What one call accumulates for its audit event. Services fill it as they go. */
export interface Trail {
  /** The identity the caller resolved to (agent or approver name). */
  actor?: string;
  /** The principal to record when it differs from the caller (flow steps record the requester). */
  principalArn?: string;
  object?: CrmObjectType;
  fields: string[];
  recordIds: string[];
  requested?: number;
  decision?: Pick<PolicyDecision, 'decision' | 'decisionId' | 'policyVersion' | 'reasons'>;
  redactions: Record<string, number>;
  injectionFlags: number;
  outputGuardHits: Record<string, number>;
  approval?: AuditEventInput['approval'];
  /** The outcome on success when it is not plain allowed/approval_required (approved, executed, expired…). */
  outcome?: AuditOutcome;
  /** An error code to record although the call itself succeeded (RecordOutcome of a failed request). */
  errorCode?: string;
}

export interface AuditedDeps {
  readonly audit: AuditPort;
  readonly crmKind: CrmKind;
  readonly now: () => Date;
}

export const newTrail = (): Trail => ({ fields: [], recordIds: [], redactions: {}, injectionFlags: 0, outputGuardHits: {} });

/** Adds counters by key (redactions or guard hits by entity type). */
export const addCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/** Maps a failure to the audit outcome: refusals are denials, bad input is failed, the rest error. */
function failureOutcome(failure: BridgeError): AuditOutcome {
  // A refused decision token is a refusal like a policy deny, not bad input.
  if (failure.status === 403 || failure.code === 'BRIDGE_FROZEN' || failure.code === 'TOKEN_INVALID' || failure.code === 'TOKEN_REPLAYED') return 'denied';
  return failure.status < 500 ? 'failed' : 'error';
}

export async function audited<R extends { readonly status: number }>(
  deps: AuditedDeps,
  ctx: CallContext,
  action: AuditEvent['action'],
  run: (trail: Trail) => Promise<R>,
): Promise<R> {
  const started = deps.now().getTime();
  const trail = newTrail();
  let result: R | undefined;
  let failure: BridgeError | undefined;
  try {
    result = await run(trail);
  } catch (e) {
    failure = isBridgeError(e) ? e : new BridgeError('INTERNAL', 'The bridge could not complete the request.');
  }
  const outcome: AuditOutcome = failure ? failureOutcome(failure) : (trail.outcome ?? (result?.status === 202 ? 'approval_required' : 'allowed'));
  const principalArn = trail.principalArn ?? ctx.callerArn;
  const input: AuditEventInput = {
    requestId: ctx.requestId,
    agent: { name: trail.actor ?? 'unknown', ...(principalArn && parsePrincipal(principalArn) ? { principalArn } : {}) },
    action,
    crm: deps.crmKind,
    ...(trail.object ? { object: trail.object } : {}),
    recordIds: trail.recordIds,
    fields: trail.fields,
    counts: { records: trail.recordIds.length, ...(trail.requested !== undefined ? { requested: trail.requested } : {}) },
    ...(trail.decision
      ? {
          policy: {
            version: trail.decision.policyVersion,
            decisionId: trail.decision.decisionId,
            decision: trail.decision.decision,
            reasons: trail.decision.reasons.map((r) => r.policyId),
          },
        }
      : {}),
    guards: { redactions: trail.redactions, injectionFlags: trail.injectionFlags, outputGuardHits: trail.outputGuardHits },
    ...(trail.approval ? { approval: trail.approval } : {}),
    outcome,
    ...(failure ? { errorCode: failure.code } : trail.errorCode ? { errorCode: trail.errorCode } : {}),
    // A wall clock stepped back must not make the event invalid.
    latencyMs: Math.max(0, deps.now().getTime() - started),
  };
  let event: AuditEvent;
  try {
    event = buildAuditEvent(input);
  } catch (e) {
    // An event the schema refuses (a name or id out of shape) is a bug, not a reason to leave no trace: the call is
    // recorded without the parts that can hold such values and fails closed. A caller already failing keeps its error.
    failure ??= isBridgeError(e) ? e : new BridgeError('INTERNAL', 'The bridge could not complete the request.');
    // A write that happened stays recorded as executed; anything else handed out nothing.
    event = buildAuditEvent(reduced(input, outcome === 'executed' ? 'executed' : 'error'));
  }
  try {
    await deps.audit.write(event);
  } catch {
    throw new BridgeError('AUDIT_UNAVAILABLE', 'The audit log cannot be written, so no data is returned. Retry later.');
  }
  if (failure) throw failure;
  return result as R;
}

/** The error code of a call whose own audit event the schema refused. */
export const AUDIT_EVENT_REJECTED = 'AUDIT_EVENT_REJECTED';

/** Stands for a request id the event cannot hold. */
const UNRECORDABLE_REQUEST_ID = 'unrecordable';

/**
 * The event of a call whose own event the schema refused: only what is known to fit. Record ids, fields,
 * the actor's name, guard counters, policy reasons and approval details are left out; the request id,
 * principal and policy version are kept when they fit.
 */
function reduced(input: AuditEventInput, outcome: AuditOutcome): AuditEventInput {
  const { principalArn } = input.agent;
  const policy = input.policy;
  const keepPolicy = policy !== undefined && fitsIdent(policy.version, 128) && fitsIdent(policy.decisionId, 128);
  return {
    requestId: fitsIdent(input.requestId, 128) ? input.requestId : UNRECORDABLE_REQUEST_ID,
    agent: { name: 'unknown', ...(principalArn !== undefined && isAuditablePrincipal(principalArn) ? { principalArn } : {}) },
    action: input.action,
    ...(input.crm ? { crm: input.crm } : {}),
    ...(input.object ? { object: input.object } : {}),
    counts: { records: input.recordIds?.length ?? 0, ...(input.counts?.requested !== undefined ? { requested: input.counts.requested } : {}) },
    ...(keepPolicy ? { policy: { ...policy, reasons: [] } } : {}),
    outcome,
    errorCode: AUDIT_EVENT_REJECTED,
    latencyMs: input.latencyMs,
  };
}
