/**
 * Evaluates PolicyRequests against the bundle in force. Three outcomes from Cedar's two:
 *   allow             a permit without @approval grants and no forbid fires;
 *   approval_required only @approval permits grant, or only @approval forbids (escalations)
 *                     fire and a permit grants once they are lifted;
 *   deny              otherwise. Default deny, forbid wins, and a policy that errors denies.
 * One Cedar call decides all but the escalation case, which takes a second.
 */
import { randomUUID } from 'node:crypto';
import { BridgeError } from '../errors';
import type { PolicyMeta } from './annotations';
import type { PolicyBundle } from './bundle';
import { cedar, formatCedarError } from './cedar';
import { combineObligations } from './obligations';
import { toCedarCall, validatePolicyRequest } from './request';
import type { Obligations, PolicyDecision, PolicyRequest, Reason, ShadowDiff } from './types';

type Outcome = Omit<PolicyDecision, 'decisionId' | 'shadow'>;

interface CedarOutcome {
  allowed: boolean;
  /** Policies that determined Cedar's answer (satisfied permits on allow, satisfied forbids on deny). */
  determining: PolicyMeta[];
  errored: string[];
}

export class PolicyEngine {
  private constructor(
    /** Sorted by effectiveFrom, latest first. */
    private readonly bundles: readonly PolicyBundle[],
    private readonly shadow?: PolicyBundle,
  ) {}

  static fromBundles(bundles: PolicyBundle[], opts: { shadow?: PolicyBundle } = {}): PolicyEngine {
    if (bundles.length === 0) throw new BridgeError('VALIDATION_FAILED', 'PolicyEngine needs at least one policy bundle');
    const sorted = [...bundles].sort((a, b) => b.effectiveFrom.getTime() - a.effectiveFrom.getTime());
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].effectiveFrom.getTime() === sorted[i - 1].effectiveFrom.getTime() && sorted[i].version !== sorted[i - 1].version) {
        throw new BridgeError(
          'VALIDATION_FAILED',
          `Policy bundles ${sorted[i - 1].version} and ${sorted[i].version} share effectiveFrom ${sorted[i].effectiveFrom.toISOString()}; which is in force would be ambiguous`,
        );
      }
    }
    return new PolicyEngine(sorted, opts.shadow);
  }

  /** The bundle in force at `now`: the latest whose effectiveFrom is not after it. */
  bundleAt(now: Date): PolicyBundle | undefined {
    return this.bundles.find((b) => b.effectiveFrom.getTime() <= now.getTime());
  }

  /** Throws VALIDATION_FAILED for a malformed request; otherwise always decides. */
  evaluate(request: PolicyRequest): PolicyDecision {
    const req = validatePolicyRequest(request);
    const now = req.context.now ?? new Date();
    const bundle = this.bundleAt(now);
    const outcome: Outcome = bundle
      ? decide(bundle, req, now)
      : {
          decision: 'deny',
          reasons: [{ policyId: 'bridge:no-bundle-in-force', text: `No policy bundle is in force at ${now.toISOString()}` }],
          obligations: {},
          policyVersion: 'none',
        };
    const decision: PolicyDecision = { ...outcome, decisionId: randomUUID() };
    if (this.shadow) decision.shadow = shadowDiff(outcome, this.shadow, req, now);
    return decision;
  }
}

function decide(bundle: PolicyBundle, req: PolicyRequest, now: Date): Outcome {
  const base = { policyVersion: bundle.version, obligations: {} };
  if (!bundle.resourceTypes[req.action].includes(req.resource.type)) {
    throw new BridgeError('VALIDATION_FAILED', `Policy request is invalid: ${req.action} does not apply to ${req.resource.type} (schema)`);
  }
  const sets = bundle.sets[req.action];
  const first = authorize(bundle, req, now, sets.all);
  if (first.errored.length) return { ...base, decision: 'deny', reasons: erroredReasons(first.errored) };
  if (first.allowed) {
    // No forbid fired. Unattended permits allow on their own; otherwise every grant needs approval.
    const unattended = first.determining.filter((p) => !p.approval);
    const granting = unattended.length ? unattended : first.determining;
    return {
      ...base,
      decision: unattended.length ? 'allow' : 'approval_required',
      reasons: granting.map(reasonOf),
      obligations: combineObligations(granting, req.agent),
    };
  }
  const hard = first.determining.filter((p) => !p.approval);
  if (hard.length) return { ...base, decision: 'deny', reasons: hard.map(reasonOf) };
  if (first.determining.length) {
    // Only escalations fired: approval can lift them if some permit grants without them.
    const attended = authorize(bundle, req, now, sets.attended);
    if (attended.errored.length) return { ...base, decision: 'deny', reasons: erroredReasons(attended.errored) };
    if (attended.allowed) {
      return {
        ...base,
        decision: 'approval_required',
        reasons: [...first.determining, ...attended.determining].map(reasonOf),
        obligations: combineObligations(attended.determining, req.agent),
      };
    }
  }
  return {
    ...base,
    decision: 'deny',
    reasons: [{ policyId: 'bridge:default-deny', text: `No policy permits ${req.action} on ${req.resource.type} for agent ${req.agent.id}` }],
  };
}

function authorize(bundle: PolicyBundle, req: PolicyRequest, now: Date, setId: string): CedarOutcome {
  const answer = cedar.statefulIsAuthorized(toCedarCall(req, now, setId));
  if (answer.type === 'failure') {
    throw new BridgeError('INTERNAL', `Policy evaluation failed: ${answer.errors.map((e) => formatCedarError(e)).join('; ')}`);
  }
  const { decision, diagnostics } = answer.response;
  return {
    allowed: decision === 'allow',
    // Cedar's order is not stable; sorting keeps obligations and shadow diffs deterministic.
    determining: [...diagnostics.reason].sort().map((id) => bundle.policies.get(id)!),
    errored: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

const reasonOf = (p: PolicyMeta): Reason => ({ policyId: p.id, text: p.reason });

const erroredReasons = (errored: string[]): Reason[] =>
  errored.map((e) => ({ policyId: e.slice(0, e.indexOf(':')), text: `Policy failed to evaluate, so the request is denied: ${e}` }));

function shadowDiff(enforced: Outcome, candidate: PolicyBundle, req: PolicyRequest, now: Date): ShadowDiff {
  let shadow: Outcome;
  try {
    shadow = decide(candidate, req, now);
  } catch (e) {
    // The candidate must never change what is enforced, even when it cannot decide.
    const text = e instanceof Error ? e.message : String(e);
    shadow = { decision: 'deny', reasons: [{ policyId: 'bridge:shadow-error', text }], obligations: {}, policyVersion: candidate.version };
  }
  return { ...shadow, differences: differences(enforced, shadow) };
}

function differences(a: Outcome, b: Outcome): string[] {
  const out: string[] = [];
  if (a.decision !== b.decision) out.push(`decision: ${a.decision} → ${b.decision}`);
  const keys = new Set([...Object.keys(a.obligations), ...Object.keys(b.obligations)] as (keyof Obligations)[]);
  for (const k of [...keys].sort()) {
    const x = JSON.stringify(a.obligations[k]);
    const y = JSON.stringify(b.obligations[k]);
    if (x !== y) out.push(`obligations.${k}: ${x ?? 'none'} → ${y ?? 'none'}`);
  }
  return out;
}
