/**
 * What policy is asked about a write action before anything is signed: by a proposal (is it allowed to wait for a
 * person at all?) and by an approver's edit (does the edited action still pass?). The request is the one the
 * decision issuer (issuer.ts) builds for the same action, so a proposal that passes here is judged by the same
 * rules when its token is signed; test/core/approvals/actions-service.test.ts pins that both agree.
 */
import { BridgeError } from '../errors';
import { policyAgent, requireGrant, type Agent } from '../agent-calls';
import type { Trail } from '../audited';
import type { PolicyDecision, PolicyRequest } from '../policy/types';
import type { CrmKind } from '../types';
import { actionToWrite, assertWritable } from './crm-writes';
import { WRITE_PURPOSE } from './issuer';
import type { BridgeAction, CrmWrite } from './schemas';

/**
 * Refuses a write action the agent's deployment config does not grant, and records what its audit event names of
 * it: object, record and field names, never values. Returns the CRM write the action turns into.
 */
export function describeWrite(agent: Agent, action: BridgeAction, crm: CrmKind, trail: Trail): CrmWrite {
  requireGrant(agent, action.action);
  const write = actionToWrite(action, crm);
  trail.object = write.object;
  trail.fields = Object.keys(write.fields);
  if (write.recordId !== undefined) trail.recordIds = [write.recordId];
  return write;
}

/** The policy request of a write: fields written, one record, the amount and currency of a refund, the action's purpose code. */
export function writePolicyRequest(agent: Agent, action: BridgeAction, crm: CrmKind, now: Date): PolicyRequest {
  const write = actionToWrite(action, crm);
  assertWritable(write, crm);
  return {
    agent: policyAgent(agent),
    action: action.action,
    resource: { type: write.object, ...(write.recordId !== undefined ? { id: write.recordId } : {}) },
    context: {
      fields: Object.keys(write.fields),
      recordLimit: 1,
      crm,
      purpose: WRITE_PURPOSE[action.action],
      ...(action.action === 'IssueRefund' ? { amount: action.params.amount, currency: action.params.currency } : {}),
      unmaskedPii: false,
      now,
    },
  };
}

/** Refuses, naming them, the fields a decision's allowlist does not cover (no allowlist: all pass). */
export function assertFieldsAllowed(decision: PolicyDecision, fields: readonly string[]): void {
  const { allowedFields } = decision.obligations;
  const outside = allowedFields ? fields.filter((f) => !allowedFields.includes(f)) : [];
  if (outside.length > 0) {
    throw new BridgeError('POLICY_DENIED', `policy does not allow the field(s) ${outside.join(', ')}`, {
      fields: outside,
      reasons: decision.reasons,
      decisionId: decision.decisionId,
      policyVersion: decision.policyVersion,
    });
  }
}
