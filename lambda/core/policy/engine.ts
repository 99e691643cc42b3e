/**
 * Evaluates PolicyRequests against the bundle in force. Three outcomes from Cedar's two:
 *   allow             a permit without @approval grants and no forbid fires;
 *   approval_required only @approval permits grant, or only @approval forbids (escalations)
 *                     fire and a permit grants once they are lifted;
 *   deny              otherwise. Default deny, forbid wins, and a policy that errors denies.
 * One Cedar call per decision: it reports every satisfied policy of the request's slice of the
 * bundle (slice.ts; all are preparsed as permits), and the outcome follows from their effects and
 * annotations here, `@allowedFields` and `@maxRecords` included (conditions checked after Cedar's).
 */
import { randomUUID } from 'node:crypto';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { BridgeError } from '../errors';
import type { PolicyMeta } from './annotations';
import type { PolicyBundle } from './bundle';
import { cedar, formatCedarError } from './cedar';
import { combineObligations, permitsRequest } from './obligations';
import { toCedarCall, validatePolicyRequest } from './request';
import type { Obligations, PolicyDecision, PolicyRequest, Reason, ShadowDiff } from './types';

export type Outcome = Omit<PolicyDecision, 'decisionId' | 'shadow'>;

export interface CedarOutcome {
  /** Every policy whose scope and conditions hold, permits and forbids, sorted by id. */
  readonly satisfied: readonly PolicyMeta[];
  /** `<policy id>: <Cedar's message>` for each policy that failed to evaluate. */
  readonly errored: readonly string[];
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
  return decideFrom(bundle.version, req, evaluatePolicies(bundle, req, now));
}

/** The decision that follows from the policies that hold for `req`, and those that failed to evaluate. */
export function decideFrom(policyVersion: string, req: PolicyRequest, { satisfied, errored }: CedarOutcome): Outcome {
  if (errored.length) return { policyVersion, obligations: {}, decision: 'deny', reasons: erroredReasons(errored) };
  const forbids: PolicyMeta[] = [];
  const hard: PolicyMeta[] = [];
  const permits: PolicyMeta[] = [];
  const unattended: PolicyMeta[] = [];
  // One pass, keeping Cedar's (sorted) order in each list: reasons and combined row filters follow it.
  for (const p of satisfied) {
    if (p.effect === 'forbid') {
      forbids.push(p);
      if (!p.approval) hard.push(p);
    } else {
      permits.push(p);
      if (!p.approval) unattended.push(p);
    }
  }
  if (hard.length) return { policyVersion, obligations: {}, decision: 'deny', reasons: hard.map(reasonOf) };
  if (!permits.length) {
    return {
      policyVersion,
      obligations: {},
      decision: 'deny',
      reasons: [{ policyId: 'bridge:default-deny', text: `No policy permits ${req.action} on ${req.resource.type} for agent ${req.agent.id}` }],
    };
  }
  if (forbids.length) {
    // Only escalations fired, and a permit grants: approval lifts them.
    return { policyVersion, decision: 'approval_required', reasons: [...forbids, ...permits].map(reasonOf), obligations: combineObligations(permits, req.agent) };
  }
  // No forbid fired. Unattended permits allow on their own; otherwise every grant needs approval.
  const granting = unattended.length ? unattended : permits;
  return {
    policyVersion,
    decision: unattended.length ? 'allow' : 'approval_required',
    reasons: granting.map(reasonOf),
    obligations: combineObligations(granting, req.agent),
  };
}

/** Cedar's verdict on each policy of `bundle` that may apply to `req`; VALIDATION_FAILED when the schema rules the request out. */
export function evaluatePolicies(bundle: PolicyBundle, req: PolicyRequest, now: Date): CedarOutcome {
  if (!bundle.resourceTypes[req.action].includes(req.resource.type)) {
    throw new BridgeError('VALIDATION_FAILED', `Policy request is invalid: ${req.action} does not apply to ${req.resource.type} (schema)`);
  }
  const set = bundle.evaluationSet(req);
  if (set.id === undefined) return NOTHING_APPLIES;
  const outcome = askCedar(bundle, toCedarCall(req, now, { ...set, id: set.id }));
  // Cedar evaluated each permit's own conditions; its obligation annotations are conditions too.
  const satisfied: PolicyMeta[] = [];
  for (const p of outcome.satisfied) if (p.effect === 'forbid' || permitsRequest(p, req.context)) satisfied.push(p);
  return satisfied.length === outcome.satisfied.length ? outcome : { satisfied, errored: outcome.errored };
}

function askCedar(bundle: PolicyBundle, call: Cedar.StatefulAuthorizationCall): CedarOutcome {
  // The call is Cedar's whole input (set ids name their content), so an equal call has the same answer.
  const key = JSON.stringify(call);
  const known = key.length <= MEMO_MAX_KEY ? memo.get(key) : undefined;
  if (known) {
    memo.delete(key);
    memo.set(key, known);
    return known;
  }
  const answer = cedar.statefulIsAuthorized(call);
  if (answer.type === 'failure') {
    throw new BridgeError('INTERNAL', `Policy evaluation failed: ${answer.errors.map((e) => formatCedarError(e)).join('; ')}`);
  }
  const { diagnostics } = answer.response;
  const outcome: CedarOutcome = Object.freeze({
    // Cedar's order is not stable; sorting keeps reasons, obligations and shadow diffs deterministic.
    satisfied: Object.freeze([...diagnostics.reason].sort().map((policyId) => bundle.policies.get(policyId)!)),
    errored: Object.freeze(diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`)),
  });
  if (key.length <= MEMO_MAX_KEY) {
    memo.set(key, outcome);
    if (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
  }
  return outcome;
}

const NOTHING_APPLIES: CedarOutcome = Object.freeze({ satisfied: Object.freeze([]), errored: Object.freeze([]) });

/**
 * Answers of recent Cedar calls, least recently used first. Agents repeat requests, and a call
 * carries only what its policies read (no clock unless a policy reads the hour), so most calls
 * repeat one seen before. Bounded in entries and key length: at most about 2 MB.
 */
const MEMO_ENTRIES = 1_000;
const MEMO_MAX_KEY = 2_048;
const memo = new Map<string, CedarOutcome>();

const reasonOf = (p: PolicyMeta): Reason => ({ policyId: p.id, text: p.reason });

const erroredReasons = (errored: readonly string[]): Reason[] =>
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
