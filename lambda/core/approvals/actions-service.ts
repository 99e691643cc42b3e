/**
 * The agent routes for actions policy allows without a person: `POST /v1/authorize` asks policy about one action
 * and, when it may run now, returns a decision token bound to exactly it; `POST /v1/actions/execute` runs that
 * action with the token (verified, single use, the caller's own). Actions that need a person go through
 * `POST /v1/records/propose` and the approval flow instead. Both routes are writes for the kill switch.
 */
import { admitAgent, vaultScope, type PolicyPort } from '../agent-calls';
import type { ServiceResponse } from '../agent-service';
import { audited, type AuditPort, type CallContext, type Trail } from '../audited';
import { PROPOSAL_OPS, type ProposalOp } from '../constants';
import { PrincipalDirectory } from '../identity';
import type { KillSwitch } from '../kill-switch';
import type { RuntimeConfig } from '../runtime-config';
import type { Signer } from '../signer';
import type { DecisionClaims } from '../tokens';
import { parseOrThrow } from '../validation';
import { describeWrite } from './actions-policy';
import { executeAction } from './executor';
import { issueDecision } from './issuer';
import type { CrmWriterPort, TokenVerifierPort, VaultReaderPort } from './ports';
import { ActionSchema, ExecuteActionRequestSchema, type ActionName } from './schemas';

export interface ActionsServiceDeps {
  readonly config: RuntimeConfig;
  readonly policy: PolicyPort;
  /** Signs decision tokens (the decision KMS key). */
  readonly signer: Signer;
  /** Verifies a token for exactly the action about to run and burns its jti. */
  readonly verifier: TokenVerifierPort;
  /** The CRM as the write integration user. */
  readonly writer: CrmWriterPort;
  /** Re-identifies placeholders of the agent's conversation at execution. */
  readonly vault: VaultReaderPort;
  readonly audit: AuditPort;
  readonly killSwitch: KillSwitch;
  readonly now?: () => Date;
}

/** Where an action that needs a person goes instead: a proposal with the `op` of that action (PROPOSAL_OPS). */
const proposeAs = (op: ProposalOp) =>
  `This action needs a person: send its params with op "${op}" and a reason to POST /v1/records/propose, then poll GET /v1/requests/{id}.`;
const NEEDS_A_PERSON = Object.fromEntries(Object.entries(PROPOSAL_OPS).map(([op, action]) => [action, proposeAs(op as ProposalOp)])) as Readonly<Record<ActionName, string>>;

export class ActionsService {
  private readonly directory: PrincipalDirectory;
  private readonly now: () => Date;

  constructor(private readonly deps: ActionsServiceDeps) {
    this.directory = new PrincipalDirectory(deps.config.agents);
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * `POST /v1/authorize` → 200 with the decision envelope `{decision, reasons, obligations, decisionId,
   * policyVersion, token?}`. The envelope is the answer, so a deny is a 200 too, without a token, and is audited
   * as denied; approval_required comes back without a token and says where to send the action instead.
   */
  authorize(ctx: CallContext, readJson: () => unknown): Promise<ServiceResponse> {
    return this.audited(ctx, 'Authorize', async (trail) => {
      const agent = await admitAgent(this.deps, this.directory, ctx, trail, 'write');
      const action = parseOrThrow(ActionSchema, readJson(), 'authorize request');
      describeWrite(agent, action, this.deps.config.crm.kind, trail);
      const issued = await issueDecision({ policy: this.deps.policy, signer: this.deps.signer, config: this.deps.config, now: this.now }, { agent, action });
      const { decision } = issued;
      trail.decision = decision;
      if (decision.decision !== 'allow') trail.outcome = decision.decision === 'deny' ? 'denied' : 'approval_required';
      return {
        status: 200,
        body: {
          decision: decision.decision,
          reasons: decision.reasons,
          obligations: decision.obligations,
          decisionId: decision.decisionId,
          policyVersion: decision.policyVersion,
          ...(issued.token && issued.claims ? { token: issued.token, tokenExpiresAt: new Date(issued.claims.exp * 1000).toISOString() } : {}),
          ...(decision.decision === 'approval_required' ? { next: NEEDS_A_PERSON[action.action] } : {}),
        },
      };
    });
  }

  /**
   * `POST /v1/actions/execute` → 200 `{requestId, result}`. The token must be valid for exactly this action and
   * issued to the calling agent (TOKEN_INVALID otherwise, 401); a token used before is TOKEN_REPLAYED (409).
   * Placeholders re-identify only from the agent's conversation named in the params.
   */
  executeAction(ctx: CallContext, readJson: () => unknown): Promise<ServiceResponse> {
    return this.audited(ctx, 'Execute', async (trail) => {
      const agent = await admitAgent(this.deps, this.directory, ctx, trail, 'write');
      const { token, ...action } = parseOrThrow(ExecuteActionRequestSchema, readJson(), 'execute request');
      describeWrite(agent, action, this.deps.config.crm.kind, trail);
      // The verified claims name the decision the write runs under: the audit event records it, even on a refusal after verification.
      let claims: DecisionClaims | undefined;
      const verifier: TokenVerifierPort = { verify: async (t, executed) => (claims = await this.deps.verifier.verify(t, executed)) };
      try {
        const result = await executeAction(
          { verifier, writer: this.deps.writer, vault: this.deps.vault, config: this.deps.config },
          { token, action, agent: agent.name, scope: vaultScope(agent.name, action.params.conversationId, ctx.requestId) },
        );
        trail.recordIds = [result.recordId];
        trail.outcome = 'executed';
        return { status: 200, body: { requestId: ctx.requestId, result } };
      } finally {
        if (claims) trail.decision = { decision: claims.apr ? 'approval_required' : 'allow', decisionId: claims.did, policyVersion: claims.pv, reasons: [] };
      }
    });
  }

  private audited(ctx: CallContext, action: 'Authorize' | 'Execute', run: (trail: Trail) => Promise<ServiceResponse>): Promise<ServiceResponse> {
    return audited({ audit: this.deps.audit, crmKind: this.deps.config.crm.kind, now: this.now }, ctx, action, run);
  }
}
