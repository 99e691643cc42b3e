/**
 * What every agent-facing call shares, kept apart from the read pipeline so that the approval steps and the
 * actions function bundle it without the redaction engine: identity and grants, the kill switch, the policy
 * port and its view of an agent, deny errors, sealing contexts and vault scopes.
 */
import type { CallContext, Trail } from './audited';
import { BridgeError } from './errors';
import type { PrincipalDirectory } from './identity';
import { enforceMode, type KillSwitch } from './kill-switch';
import type { PolicyDecision, PolicyRequest } from './policy/types';
import type { AgentRuntime, RuntimeConfig } from './runtime-config';

export interface PolicyPort {
  evaluate(req: PolicyRequest): PolicyDecision;
}

export interface Agent {
  readonly name: string;
  readonly profile: AgentRuntime;
}

export type Intent = 'read' | 'write' | 'status';
type Grant = AgentRuntime['actions'][number];

/** Sealing contexts: a sealed value opens only for the request and the purpose it was sealed for. */
export const SEAL_PURPOSE = { TASK_TOKEN: 'task-token', READ_RESULT: 'read-result' } as const;
export const sealContext = (requestId: string, purpose: (typeof SEAL_PURPOSE)[keyof typeof SEAL_PURPOSE]) => ({ requestId, purpose });

/** Refuses an agent whose deployment config does not grant the action. */
export function requireGrant(agent: Agent, grant: Grant): void {
  if (!agent.profile.actions.includes(grant)) {
    throw new BridgeError('FORBIDDEN', `agent '${agent.name}' is not granted ${grant} in the deployment config`);
  }
}

/** Identity, configured grant and kill switch: the checks every agent call passes first. */
export async function admitAgent(
  deps: { readonly config: RuntimeConfig; readonly killSwitch: KillSwitch },
  directory: PrincipalDirectory,
  ctx: CallContext,
  trail: Trail,
  intent: Intent,
  grant?: Grant,
): Promise<Agent> {
  const name = directory.resolve(ctx.callerArn);
  if (!name) throw new BridgeError('UNKNOWN_AGENT', 'the caller is not a configured agent');
  const agent = { name, profile: deps.config.agents[name] };
  trail.actor = name;
  enforceMode(await deps.killSwitch.mode(), intent === 'status' ? 'read' : intent);
  if (grant) requireGrant(agent, grant);
  return agent;
}

/** The policy's view of an agent. */
export const policyAgent = (agent: Agent): PolicyRequest['agent'] => ({
  id: agent.name,
  team: agent.profile.team,
  territories: agent.profile.territories,
  tier: agent.profile.tier,
});

/** The error a deny decision becomes. */
export function deniedError(decision: PolicyDecision): BridgeError {
  return new BridgeError('POLICY_DENIED', decision.reasons[0]?.text ?? 'no policy permits this request (default deny)', {
    reasons: decision.reasons,
    decisionId: decision.decisionId,
    policyVersion: decision.policyVersion,
  });
}

/** The vault scope of an agent's tokenized values: its conversation, else the one request. */
export const vaultScope = (agent: string, conversationId: string | undefined, requestId: string): string => `${agent}:${conversationId ?? requestId}`;
