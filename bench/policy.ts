/**
 * Policy evaluation and decision-token latency, in-process, on the shipped policies/ bundle.
 * `npm run bench -- policy [--json]`.
 */
import { join } from 'node:path';
import { LocalSigner } from '../lambda/adapters/local-signer';
import { readBundleDir } from '../lambda/adapters/policy-files';
import { PolicyEngine, type PolicyRequest } from '../lambda/core/policy';
import { cedar } from '../lambda/core/policy/cedar';
import { toCedarCall } from '../lambda/core/policy/request';
import { actionHash, DecisionTokenVerifier, signDecisionToken, type JtiStore } from '../lambda/core/tokens';

const WARMUP = 2_000;
const ITERATIONS = 20_000;
const TOKEN_ITERATIONS = 3_000;

function percentiles(samplesNs: number[]): { p50: number; p99: number } {
  const s = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] / 10) / 100; // µs, 2 decimals
  return { p50: at(0.5), p99: at(0.99) };
}

function timeSync(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t0));
  }
  return out;
}

async function timeAsync(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t0));
  }
  return out;
}

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const bundle = await readBundleDir(join(__dirname, '../policies'));
  const engine = PolicyEngine.fromBundles([bundle]);
  const agent = { id: 'agent-bench', team: 'support', territories: ['EMEA', 'APAC'], tier: 'gold' as const };
  const context = { fields: ['Id', 'FirstName', 'Email'], recordLimit: 10, crm: 'salesforce' as const, purpose: 'support', unmaskedPii: false };
  // One request per outcome: allow (one Cedar call), approval_required and deny (two calls each).
  const requests: Record<string, PolicyRequest> = {
    allow: { agent, action: 'Read', resource: { type: 'Contact' }, context },
    approval_required: { agent, action: 'Read', resource: { type: 'Contact' }, context: { ...context, recordLimit: 50 } },
    deny: { agent, action: 'ProposeDelete', resource: { type: 'Case', id: '5001' }, context },
    refund: { agent, action: 'IssueRefund', resource: { type: 'Case', id: '5001' }, context: { ...context, amount: 99.5 } },
  };
  const mix = Object.values(requests);
  timeSync(WARMUP, (i) => engine.evaluate(mix[i % mix.length]));
  // Reference: one bare prepared Cedar call for the allow request, in the same run and load.
  const allowCall = toCedarCall(requests.allow, new Date(), bundle.sets.Read.all);
  const evaluation = {
    cedarCallOnly: percentiles(timeSync(ITERATIONS / 4, () => cedar.statefulIsAuthorized(allowCall))),
    mixed: percentiles(timeSync(ITERATIONS, (i) => engine.evaluate(mix[i % mix.length]))),
    ...Object.fromEntries(Object.entries(requests).map(([k, r]) => [k, percentiles(timeSync(ITERATIONS / 4, () => engine.evaluate(r)))])),
  };

  const signer = new LocalSigner('bench-key');
  const params = { object: 'Opportunity', recordId: '0061', fields: { NextStep: 'Call back' } };
  const input = { iss: 'bridge', aud: 'connector', sub: agent.id, act: 'ProposeUpdate' as const, res: { type: 'Opportunity' as const, id: '0061' }, ahash: actionHash(params), pv: bundle.version, did: 'd' };
  const tokens: string[] = [];
  const sign = percentiles(await timeAsync(TOKEN_ITERATIONS, async () => void tokens.push(await signDecisionToken(signer, input, { ttlSeconds: 300 }))));
  // In-process jti memory: this measures signature, claims and ahash checks, not the DynamoDB round trip.
  const used = new Set<string>();
  const jtiStore: JtiStore = { markUsed: async (jti) => !used.has(jti) && !!used.add(jti) };
  const verifier = new DecisionTokenVerifier({ keys: { 'bench-key': await signer.publicKeyPem() }, issuer: 'bridge', audience: 'connector', jtiStore });
  const executed = { act: input.act, res: input.res, params };
  const verify = percentiles(await timeAsync(TOKEN_ITERATIONS, async (i) => void (await verifier.verify(tokens[i], executed))));

  const result = {
    bundleVersion: bundle.version,
    policies: bundle.policies.size,
    iterations: { evaluation: ITERATIONS, tokens: TOKEN_ITERATIONS },
    evaluationMicros: evaluation,
    tokenMicros: { signLocalKey: sign, verify },
  };
  if (opts.json) return result;
  console.log(`Policy evaluation (${bundle.policies.size} policies, ${ITERATIONS} calls, µs):`);
  for (const [k, v] of Object.entries(evaluation)) console.log(`  ${k.padEnd(18)} p50 ${String(v.p50).padStart(7)}   p99 ${String(v.p99).padStart(7)}`);
  console.log(`Decision tokens (ES256, local key, ${TOKEN_ITERATIONS} each, µs):`);
  console.log(`  sign               p50 ${String(sign.p50).padStart(7)}   p99 ${String(sign.p99).padStart(7)}`);
  console.log(`  verify             p50 ${String(verify.p50).padStart(7)}   p99 ${String(verify.p99).padStart(7)}   (jti store in memory)`);
  return result;
}
