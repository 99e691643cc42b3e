/**
 * Policy tests as data: each case is a request and the decision it must get. The same
 * runner backs `npm test` (test/policies) and `bridge policy test` for platform teams.
 */
import * as z from 'zod/mini';
import { isDeepStrictEqual } from 'node:util';
import { BridgeError } from '../errors';
import '../validation';  // zod's English messages
import type { PolicyBundle } from './bundle';
import { PolicyEngine } from './engine';
import { policyRequestSchema } from './request';
import type { Obligations, PolicyDecision, PolicyRequest } from './types';

const shape = policyRequestSchema.shape;
const contextSchema = z.partial(z.extend(shape.context, { now: z.optional(z.iso.datetime({ offset: true })) }));
const obligationsSchema = z.strictObject({
  allowedFields: z.optional(z.nullable(z.array(z.string()))),
  rowFilter: z.optional(z.unknown()),
  maxRecords: z.optional(z.nullable(z.number())),
  maskingOverrides: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

const caseSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  /** A key of the file's `agents`, or an inline profile. */
  agent: z.union([z.string(), shape.agent]),
  action: shape.action,
  resource: shape.resource,
  context: z._default(contextSchema, {}),
  expect: z.strictObject({
    decision: z.enum(['allow', 'deny', 'approval_required']),
    /** Policy ids that must be exactly the decision's reasons (any order). */
    reasons: z.optional(z.array(z.string())),
    /** Listed obligations must equal; `null` means must be absent. Unlisted ones are not checked. */
    obligations: z.optional(obligationsSchema),
  }),
});

const fileSchema = z.strictObject({
  description: z.optional(z.string()),
  agents: z._default(z.record(z.string(), shape.agent), {}),
  /** Context values every case starts from. */
  defaults: z._default(z.partial(z.strictObject({ context: contextSchema })), {}),
  cases: z.array(caseSchema).check(z.minLength(1)),
});

export type PolicyTestFile = z.infer<typeof fileSchema>;
export type PolicyTestCase = z.infer<typeof caseSchema>;

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  /** What differed, or the error that prevented a decision. */
  failures: string[];
  decision?: PolicyDecision;
}

export function parsePolicyTestFile(json: unknown, path: string): PolicyTestFile {
  const result = fileSchema.safeParse(json);
  if (result.success) return result.data;
  const i = result.error.issues[0];
  throw new BridgeError('VALIDATION_FAILED', `${path}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}

/** Runs every case against `bundle` alone; a case without `now` is evaluated at the bundle's effectiveFrom. */
export function runPolicyTests(bundle: PolicyBundle, file: PolicyTestFile): PolicyTestResult[] {
  const engine = PolicyEngine.fromBundles([bundle]);
  return file.cases.map((c) => {
    const agent = typeof c.agent === 'string' ? file.agents[c.agent] : c.agent;
    if (!agent) return { name: c.name, passed: false, failures: [`unknown agent "${c.agent}" (define it under "agents")`] };
    const { now, ...context } = { ...file.defaults.context, ...c.context };
    const request = {
      agent,
      action: c.action,
      resource: c.resource,
      context: { ...context, now: now ? new Date(now) : bundle.effectiveFrom },
    } as PolicyRequest;
    let decision: PolicyDecision;
    try {
      decision = engine.evaluate(request);
    } catch (e) {
      return { name: c.name, passed: false, failures: [`error: ${(e as Error).message}`] };
    }
    const failures = compare(c.expect, decision);
    return { name: c.name, passed: failures.length === 0, failures, decision };
  });
}

function compare(expect: PolicyTestCase['expect'], actual: PolicyDecision): string[] {
  const out: string[] = [];
  if (expect.decision !== actual.decision) out.push(`decision: expected ${expect.decision}, got ${actual.decision}`);
  if (expect.reasons) {
    const want = [...expect.reasons].sort();
    const got = actual.reasons.map((r) => r.policyId).sort();
    if (!isDeepStrictEqual(want, got)) out.push(`reasons: expected [${want.join(', ')}], got [${got.join(', ')}]`);
  }
  for (const [key, want] of Object.entries(expect.obligations ?? {}) as [keyof Obligations, unknown][]) {
    const got = actual.obligations[key];
    const norm = (v: unknown) => (key === 'allowedFields' && Array.isArray(v) ? [...v].sort() : v);
    if (want === null ? got !== undefined : !isDeepStrictEqual(norm(want), norm(got))) {
      out.push(`obligations.${key}: expected ${want === null ? 'none' : JSON.stringify(want)}, got ${got === undefined ? 'none' : JSON.stringify(got)}`);
    }
  }
  return out;
}
