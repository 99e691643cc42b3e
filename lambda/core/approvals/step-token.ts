/** IssueDecisionToken: policy re-evaluates the final (possibly edited) action; a token bound to it is signed. */
import { deniedError, requireGrant } from '../agent-calls';
import { BridgeError } from '../errors';
import type { AgentRuntime } from '../runtime-config';
import { fieldsOf } from './action-fields';
import { flowKit, need, TokenEventSchema, type ApprovalStepDeps, type Step } from './flow-kit';
import { issueDecision } from './issuer';

export function issueTokenStep(deps: ApprovalStepDeps): Step<{ token: string }> {
  const kit = flowKit(deps);
  return (event) =>
    kit.step(TokenEventSchema, event, 'IssueToken', async ({ requestId }, trail) => {
      const t = need(deps.token, 'IssueDecisionToken');
      const record = await kit.load(requestId, trail, ['approved']);
      const approval = record.approval;
      if (!approval || approval.decision === 'reject') throw new BridgeError('CONFLICT', `request ${requestId} is approved but holds no approval`);
      // Defence in depth: the approver API already refuses self-approval.
      if (approval.approver === record.agent || (record.principalArn !== undefined && approval.principalArn === record.principalArn)) {
        throw new BridgeError('FORBIDDEN', `request ${requestId} was approved by its own requester`);
      }
      const profile = deps.config.agents[record.agent];
      if (!profile) throw new BridgeError('UNKNOWN_AGENT', `agent '${record.agent}' is no longer configured`);
      const agent = { name: record.agent, profile };
      requireGrant(agent, record.action as AgentRuntime['actions'][number]);
      const action = kit.finalAction(record);
      trail.fields = fieldsOf(action, deps.config.crm.kind);
      const issued = await issueDecision({ policy: t.policy, signer: t.signer, config: deps.config, now: kit.now }, { agent, action, approvedBy: approval.approver });
      trail.decision = issued.decision;
      if (issued.decision.decision === 'deny') throw deniedError(issued.decision);
      if (!issued.token || !issued.claims) throw new BridgeError('INTERNAL', 'the issuer returned no token for an approved action');
      const { decisionId, policyVersion, obligations } = issued.decision;
      await deps.requests.transition(requestId, 'approved', 'approved', {
        approvedDecision: { decisionId, policyVersion, obligations },
        tokenId: issued.claims.jti,
        updatedAt: kit.now().toISOString(),
      });
      trail.approval = kit.approvalOf(record, issued.claims.jti);
      trail.outcome = 'approved';
      return { token: issued.token };
    });
}
