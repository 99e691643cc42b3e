/**
 * The decision issuer: asks policy about exactly the action that will run and, when it may run, signs a decision
 * token bound to it. Used by `POST /v1/authorize` (actions policy allows unattended) and by the approval flow's
 * IssueDecisionToken step (the final, possibly edited, action after a person approved).
 *
 * The policy request of an action:
 * - writes: fields = the field names written (for IssueRefund the CRM's REFUND_FIELDS), recordLimit 1, amount and
 *   currency for IssueRefund, purpose = the action's name in the policy purpose alphabet (WRITE_PURPOSE: `propose-create`,
 *   `propose-update`, `issue-refund`), resource = the object and record id;
 * - reads: fields = every field the query touches (selected, filtered, sorted), recordLimit = the query's limit
 *   (default QUERY_LIMITS.defaultLimit), purpose = the query's purpose, resource = the object;
 * - both: unmaskedPii false, crm = the deployment's CRM, now = the issuer's clock.
 */
import { policyAgent, type Agent, type PolicyPort } from '../agent-calls';
import { DECISION_TOKEN } from '../constants';
import type { PolicyDecision, PolicyRequest } from '../policy/types';
import { fieldsTouched, QUERY_LIMITS, type QueryRequest } from '../query';
import type { RuntimeConfig } from '../runtime-config';
import type { Signer } from '../signer';
import { actionHash, decisionClaimsSchema, signDecisionToken, type DecisionClaims, type DecisionTokenInput } from '../tokens';
import { assertFieldsAllowed, writePolicyRequest } from './actions-policy';
import type { BridgeAction } from './schemas';

export { WRITE_PURPOSE } from './crm-writes';

export interface IssuerDeps {
  readonly policy: PolicyPort;
  readonly signer: Signer;
  readonly config: RuntimeConfig;
  readonly now?: () => Date;
}

/** A read as the issuer sees it: the validated query an approved read will run. */
export interface ReadAction {
  readonly action: 'Read';
  readonly query: QueryRequest;
}
export type IssuableAction = BridgeAction | ReadAction;

export interface IssuedDecision {
  readonly decision: PolicyDecision;
  /** Present only when the action may run now: allow, or approval_required that a person approved. */
  readonly token?: string;
  readonly claims?: DecisionClaims;
}

/** What a read token binds: the query and the obligations it runs under, so neither can change after signing. */
export const readTokenParams = (query: QueryRequest, obligations: PolicyDecision['obligations']) => ({ query, obligations });

export async function issueDecision(
  deps: IssuerDeps,
  args: { readonly agent: Agent; readonly action: IssuableAction; readonly approvedBy?: string },
): Promise<IssuedDecision> {
  const now = (deps.now ?? (() => new Date()))();
  const crm = deps.config.crm.kind;
  const { action } = args;
  const request: PolicyRequest =
    action.action === 'Read'
      ? {
          agent: policyAgent(args.agent),
          action: 'Read',
          resource: { type: action.query.object },
          context: {
            fields: fieldsTouched(action.query),
            recordLimit: action.query.limit ?? QUERY_LIMITS.defaultLimit,
            crm,
            purpose: action.query.purpose,
            unmaskedPii: false,
            now,
          },
        }
      : writePolicyRequest(args.agent, action, crm, now);
  const decision = deps.policy.evaluate(request);
  const mayRun = decision.decision === 'allow' || (decision.decision === 'approval_required' && args.approvedBy !== undefined);
  if (!mayRun) return { decision };

  assertFieldsAllowed(decision, request.context.fields);
  const input: DecisionTokenInput = {
    iss: DECISION_TOKEN.ISSUER,
    aud: DECISION_TOKEN.AUDIENCE,
    sub: args.agent.name,
    act: request.action,
    res: request.resource,
    ahash: actionHash(action.action === 'Read' ? readTokenParams(action.query, decision.obligations) : action.params),
    pv: decision.policyVersion,
    did: decision.decisionId,
    ...(args.approvedBy !== undefined ? { apr: args.approvedBy } : {}),
    // Everything written is inside the allowlist (checked above), so allowed ∩ written is what is written.
    ...(action.action !== 'Read' ? { flds: request.context.fields } : {}),
  };
  const token = await signDecisionToken(deps.signer, input, { ttlSeconds: DECISION_TOKEN.TTL_SECONDS, now });
  return { decision, token, claims: claimsOf(token) };
}

/** The claims of a token this module just signed (already schema-checked by signDecisionToken). */
function claimsOf(token: string): DecisionClaims {
  return decisionClaimsSchema.parse(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')));
}
