/**
 * The agent read path's own cost, and each Lambda's cold-start footprint.
 * `npm run bench -- proxy [--json]`.
 *
 * (a) AgentService.query in-process for a 50-record read: real policy engine (shipped
 *     policies/ plus one bench permit), real validation, redaction, untrusted-content handling,
 *     output guard and audit event; the CRM, vault, audit sink and request store are in memory,
 *     so the CRM round trip is excluded. Records come from the sandbox CRM's deterministic seed.
 *     The mean is split by timing each step alone on the inputs the read gives it.
 * (b) each handler entry in lambda/handlers (a file exporting `handler`), bundled with esbuild as the
 *     house BridgeFunction bundles it (HOUSE_BUNDLING in lib/constructs/bridge-function.ts: ESM,
 *     minified, source maps without sources, the AWS SDK bundled with its credential chain cut to the env
 *     link, the CommonJS shim banner). WASM assets are copied beside the bundle and counted apart; the SDK's
 *     share of the bundle is shown.
 * (c) module init of each bundle in a fresh `node` process with the function's NODE_OPTIONS:
 *     performance.now() around import(), and the process CPU time it took (steadier on a busy machine).
 * (d) the trade-off of the house's bundled SDK: the same bundle with `@aws-sdk/*` left to the Lambda
 *     runtime (resolved from node_modules here), its size and init.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { readBundleSources } from '../lambda/adapters/policy-files';
import { AgentService, type AuditPort, type CrmReader, type PolicyPort, type VaultPort } from '../lambda/core/agent-service';
import { buildAuditEvent, type AuditEvent, type AuditEventInput } from '../lambda/core/audit/event';
import { loadBundleFromSources, PolicyEngine, type PolicyDecision, type PolicyRequest } from '../lambda/core/policy';
import { parseQueryRequest, type StructuredQuery } from '../lambda/core/query';
import { classifyField, outputGuard, Redactor } from '../lambda/core/redaction';
import { handleUntrusted } from '../lambda/core/untrusted';
import { MemoryRequestStore } from '../test/support/memory-request-store';
import { RuntimeConfigSchema } from '../lambda/core/runtime-config';
import type { CrmObjectType, CrmRecord } from '../lambda/core/types';
import { salesforceId, seedRecords, TERRITORIES } from '../local/sandbox-crm';
import { DataKeySealer } from '../lambda/adapters/sealer';
import { LocalDataKeyProvider } from '../lambda/adapters/vault-crypto';
import { HOUSE_ESBUILD } from './house-esbuild';

const ROOT = join(__dirname, '..');
const RECORDS = 50;
const WARMUP = 100;
const ITERATIONS = 1_000;
const INIT_RUNS = 5;
const RUNTIME_SDK_INIT_RUNS = 3;
const BUDGET = { p50Ms: 1, p99Ms: 5, bundleKb: 500, initMs: 150 } as const;

/** The alternative: the SDK the Lambda runtime provides (NodejsFunction's default). */
const RUNTIME_SDK_ESBUILD: BuildOptions = { ...HOUSE_ESBUILD, external: ['@aws-sdk/*'] };
const SDK_INPUT = /node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws\/lambda-invoke-store)\//;

/** A read grant big enough for a 50-record unattended read (the shipped support policy asks approval above 10). */
const BENCH_POLICY = `
@id("bench-analytics-read")
@reason("Benchmark only: analytics agents read up to 50 Contacts or Cases of their territories")
@allowedFields("Id, FirstName, LastName, Email, Phone, Title, MailingCity, Territory__c, Subject, Status, Priority, Description")
@rowFilter("Territory__c in principal.territories")
@maxRecords("50")
permit (principal in Team::"analytics", action == Action::"Read", resource)
when { (resource is Contact || resource is Case) && context.purpose == "analytics" && context.crm == "salesforce" && context.recordLimit <= 50 };
`;

const AGENT_ARN = 'arn:aws:sts::123456789012:assumed-role/bench-analytics/bench-session';

const QUERIES: Record<'Contact' | 'Case', { fields: string[] }> = {
  Contact: { fields: ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'Title', 'MailingCity', 'Description'] },
  Case: { fields: ['Id', 'Subject', 'Status', 'Priority', 'Description'] },
};

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentiles(samplesMs: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => round(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
  return { p50: at(0.5), p99: at(0.99), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `n` records of one object type from the sandbox seed (several seeds when one holds too few), projected to `fields`. */
function seededRecords(object: CrmObjectType, fields: readonly string[], n: number): CrmRecord[] {
  const out: CrmRecord[] = [];
  for (let seed = 1; out.length < n; seed++) {
    for (const r of seedRecords(seed)) {
      if (r.object !== object || out.length >= n) continue;
      const id = salesforceId(object, out.length);
      const all: Record<string, unknown> = { Id: id, ...r.fields };
      out.push({ object, id, fields: Object.fromEntries(fields.map((f) => [f, all[f] ?? null])) });
    }
  }
  return out;
}

/** Accumulates time spent inside a synchronous port call. */
class Stopwatch {
  totalMs = 0;
  time<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.totalMs += performance.now() - t0;
    }
  }
}

async function measureProxy(): Promise<Record<string, unknown>> {
  const sources = await readBundleSources(join(ROOT, 'policies'));
  const bundle = loadBundleFromSources({ ...sources, policies: [...sources.policies, { name: 'bench.cedar', text: BENCH_POLICY }] });
  const engine = PolicyEngine.fromBundles([bundle]);
  const config = RuntimeConfigSchema.parse({
    crm: { kind: 'salesforce', instanceHost: 'bench.invalid' },
    agents: {
      'bench-analytics': { principals: ['arn:aws:iam::123456789012:role/bench-analytics'], actions: ['Read'], team: 'analytics', territories: [...TERRITORIES], tier: 'standard' },
    },
  });

  const results: Record<string, unknown> = {};
  for (const [object, { fields }] of Object.entries(QUERIES) as [keyof typeof QUERIES, { fields: string[] }][]) {
    const records = seededRecords(object, fields, RECORDS);
    const policyClock = new Stopwatch();
    const policy: PolicyPort = { evaluate: (req: PolicyRequest): PolicyDecision => policyClock.time(() => engine.evaluate(req)) };
    const crm: CrmReader = { query: async (_q: StructuredQuery) => records };
    let vaultEntries = 0;
    const vault: VaultPort = { put: async (_scope, entries) => void (vaultEntries += entries.length) };
    let lastEvent: AuditEvent | undefined;
    const audit: AuditPort = { write: async (event) => void (lastEvent = event) };
    const requests = new MemoryRequestStore();
    const sealer = new DataKeySealer(new LocalDataKeyProvider(new Uint8Array(32).fill(7)));
    const service = new AgentService({
      config,
      policy,
      crm,
      vault,
      audit,
      requests,
      killSwitch: { mode: async () => 'normal' },
      flow: { start: async () => undefined },
      sealer,
      hmacKey: new Uint8Array(32).fill(9),
    });
    const body = { object, fields, limit: RECORDS, purpose: 'analytics' };

    let status = 0;
    let response: { records: { fields: Record<string, unknown> }[] } | undefined;
    const run = async (i: number) => {
      const r = await service.query({ callerArn: AGENT_ARN, requestId: `bench-${object}-${i}` }, () => body);
      status = r.status;
      response = r.body as typeof response;
    };
    for (let i = 0; i < WARMUP; i++) await run(i);
    if (status !== 200 || !lastEvent || lastEvent.recordIds.length !== RECORDS) {
      throw new Error(`proxy bench: expected an allowed ${RECORDS}-record read, got HTTP ${status} with ${lastEvent?.recordIds.length ?? 0} records`);
    }
    policyClock.totalMs = 0;
    const samples: number[] = [];
    const policyShare: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const policyBefore = policyClock.totalMs;
      const t0 = performance.now();
      await run(WARMUP + i);
      samples.push(performance.now() - t0);
      policyShare.push(policyClock.totalMs - policyBefore);
    }

    // Stand-alone costs of the steps the service runs inside, on the inputs the read gives them: validation,
    // redaction of the 50 records, untrusted-content handling of their (redacted) free text, the output guard over
    // the response's records, and the audit event. What the split leaves of the mean is the service's own glue.
    const { crm: { kind }, customFields, untrustedAction } = config;
    // One redactor per read, as the pipeline makes one (its placeholder numbering is per response).
    const redactor = () => new Redactor({ hmacKey: new Uint8Array(32).fill(9), scope: 'bench' });
    const once = redactor();
    const redactedRecords = records.map((r) => once.redactRecord(kind, r, customFields).record);
    const freeText = redactedRecords.flatMap((r) =>
      Object.entries(r.fields).flatMap(([name, v]) => (classifyField(kind, r.object, name, customFields) === 'FREE_TEXT' && typeof v === 'string' ? [v] : [])),
    );
    const guardInput = response!.records.map((r) => r.fields);
    const { schemaVersion: _v, eventId: _e, time: _t, ...eventInput } = lastEvent;
    const steps: Record<'validation' | 'redaction' | 'untrusted' | 'outputGuard' | 'auditEventBuild', () => unknown> = {
      validation: () => parseQueryRequest(body),
      redaction: () => {
        const perRead = redactor();
        return records.map((r) => perRead.redactRecord(kind, r, customFields));
      },
      untrusted: () => freeText.map((t) => handleUntrusted(t, untrustedAction)),
      outputGuard: () => outputGuard(guardInput, { values: [] }),
      auditEventBuild: () => buildAuditEvent(eventInput as AuditEventInput),
    };
    const stepSamples = Object.fromEntries(Object.keys(steps).map((k) => [k, [] as number[]])) as Record<keyof typeof steps, number[]>;
    for (let i = 0; i < ITERATIONS; i++) {
      for (const [name, step] of Object.entries(steps) as [keyof typeof steps, () => unknown][]) {
        const t0 = performance.now();
        step();
        stepSamples[name].push(performance.now() - t0);
      }
    }
    const total = percentiles(samples);
    const parts = { policy: percentiles(policyShare), ...(Object.fromEntries(Object.entries(stepSamples).map(([k, v]) => [k, percentiles(v)])) as Record<keyof typeof steps, ReturnType<typeof percentiles>>) };
    results[object] = {
      records: RECORDS,
      iterations: ITERATIONS,
      totalMs: total,
      budgetRatio: { p50: round(total.p50 / BUDGET.p50Ms, 2), p99: round(total.p99 / BUDGET.p99Ms, 2) },
      splitMs: {
        ...parts,
        // What is left of the mean: the service's glue (identity, kill switch, audited scope, the pipeline's loop, vault hand-off).
        glueMean: round(total.mean - Object.values(parts).reduce((n, p) => n + p.mean, 0)),
      },
      freeTextValues: freeText.length,
      perRun: { redactions: lastEvent.guards.redactions, injectionFlags: lastEvent.guards.injectionFlags, outputGuardHits: lastEvent.guards.outputGuardHits },
      vaultEntriesWritten: vaultEntries,
    };
  }
  return { budgetMs: { p50: BUDGET.p50Ms, p99: BUDGET.p99Ms }, loadAverage1m: round(loadavg()[0], 2), ...results };
}

/** Handler entry points: files in lambda/handlers that export `handler` (the others are shared helpers). */
function handlerEntries(): { name: string; path: string }[] {
  const dir = join(ROOT, 'lambda', 'handlers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && /export (const|async function|function) handler\b/.test(readFileSync(join(dir, f), 'utf8')))
    .sort()
    .map((f) => ({ name: basename(f, '.ts'), path: join(dir, f) }));
}

/** Module init of one bundle in a fresh process, with the house function's NODE_OPTIONS: wall and process CPU ms. */
function initOnce(bundlePath: string): { wallMs: number; cpuMs: number } {
  const script =
    `const c0 = process.cpuUsage(); const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(bundlePath).href)});` +
    `const c = process.cpuUsage(c0); process.stdout.write(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));`;
  const out = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
  });
  if (out.status !== 0) throw new Error(`import of ${bundlePath} failed: ${out.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  return JSON.parse(out.stdout) as { wallMs: number; cpuMs: number };
}

/** Bundles one entry into `outdir` (WASM assets beside it) and measures its init `runs` times. */
async function measureBundle(options: BuildOptions, entry: string, outdir: string, runs: number) {
  mkdirSync(outdir);
  const outfile = join(outdir, 'index.mjs');
  const { metafile } = await build({ ...options, entryPoints: [entry], bundle: true, outfile, metafile: true, logLevel: 'silent', absWorkingDir: ROOT });
  const inputs = Object.entries(metafile!.outputs[relative(ROOT, outfile)].inputs);
  // WASM loaded beside a bundled package's JS (Cedar reads `${__dirname}/cedar_wasm_bg.wasm`) ships beside index.mjs.
  const wasm = new Set<string>();
  for (const [input] of inputs.filter(([i]) => i.includes('node_modules/'))) {
    const dir = join(ROOT, dirname(input));
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.wasm'))) wasm.add(join(dir, f));
  }
  for (const w of wasm) copyFileSync(w, join(outdir, basename(w)));
  const init = Array.from({ length: runs }, () => initOnce(outfile));
  return {
    bundleKb: round(statSync(outfile).size / 1024, 1),
    sdkKb: round(inputs.filter(([i]) => SDK_INPUT.test(i)).reduce((n, [, v]) => n + v.bytesInOutput, 0) / 1024, 1),
    sourceMapKb: round(statSync(`${outfile}.map`).size / 1024, 1),
    wasmKb: round([...wasm].reduce((n, w) => n + statSync(w).size, 0) / 1024, 1),
    initMsMedian: round(median(init.map((r) => r.wallMs)), 1),
    initCpuMsMedian: round(median(init.map((r) => r.cpuMs)), 1),
    initRunsMs: init.map((r) => round(r.wallMs, 1)),
  };
}

async function measureBundles(): Promise<{ functions: Record<string, unknown> } & Record<string, unknown>> {
  const outRoot = mkdtempSync(join(tmpdir(), 'bridge-bench-bundles-'));
  // Externals of the runtime-SDK variant (@aws-sdk/*) resolve from here, as the Lambda runtime provides them.
  symlinkSync(join(ROOT, 'node_modules'), join(outRoot, 'node_modules'), 'dir');
  const results: Record<string, unknown> = {};
  try {
    for (const { name, path } of handlerEntries()) {
      const house = await measureBundle(HOUSE_ESBUILD, path, join(outRoot, name), INIT_RUNS);
      const runtimeSdk = await measureBundle(RUNTIME_SDK_ESBUILD, path, join(outRoot, `${name}.runtime-sdk`), RUNTIME_SDK_INIT_RUNS);
      results[name] = {
        ...house,
        bundleBudgetRatio: round(house.bundleKb / BUDGET.bundleKb, 2),
        initBudgetRatio: round(house.initMsMedian / BUDGET.initMs, 2),
        withRuntimeSdk: { bundleKb: runtimeSdk.bundleKb, initMsMedian: runtimeSdk.initMsMedian, initCpuMsMedian: runtimeSdk.initCpuMsMedian },
      };
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
  return { budget: { bundleKb: BUDGET.bundleKb, initMs: BUDGET.initMs }, node: process.version, loadAverage1m: round(loadavg()[0], 2), functions: results };
}

type ProxyRow = { totalMs: { p50: number; p99: number; mean: number }; budgetRatio: { p50: number; p99: number }; splitMs: Record<string, { mean: number } | number> };
type BundleRow = Awaited<ReturnType<typeof measureBundle>> & {
  bundleBudgetRatio: number;
  initBudgetRatio: number;
  withRuntimeSdk: { bundleKb: number; initMsMedian: number; initCpuMsMedian: number };
};

function print(overhead: Record<string, unknown>, bundles: { functions: Record<string, unknown> }): void {
  const lines = [
    `machine load average (1 min): ${round(loadavg()[0], 2)} on ${availableParallelism()} cores`,
    `proxy overhead, ${RECORDS}-record read in-process (CRM excluded), ${ITERATIONS} iterations after ${WARMUP} warm-up:`,
  ];
  lines.push('  object   p50 ms  p99 ms  p50/budget  p99/budget  |  mean ms = policy + validation + redaction + untrusted + out. guard + audit build + glue');
  const SPLIT = ['policy', 'validation', 'redaction', 'untrusted', 'outputGuard', 'auditEventBuild'] as const;
  const WIDTHS = [7, 11, 10, 10, 12, 14];
  for (const object of Object.keys(QUERIES)) {
    const r = overhead[object] as ProxyRow;
    const split = r.splitMs as Record<(typeof SPLIT)[number], { mean: number }> & { glueMean: number };
    lines.push(
      `  ${object.padEnd(7)} ${String(r.totalMs.p50).padStart(7)} ${String(r.totalMs.p99).padStart(7)} ${String(r.budgetRatio.p50).padStart(11)} ${String(r.budgetRatio.p99).padStart(11)}  |` +
        ` ${String(r.totalMs.mean).padStart(7)}  ` +
        SPLIT.map((k, i) => String(split[k].mean).padStart(WIDTHS[i])).join(' ') +
        ` ${String(split.glueMean).padStart(7)}`,
    );
  }
  lines.push('  split: each step timed alone on the read\'s own inputs, means; glue is what the mean leaves (identity, kill switch, audit scope, pipeline loop)');
  lines.push(`  budgets: p50 <= ${BUDGET.p50Ms} ms, p99 <= ${BUDGET.p99Ms} ms`);
  lines.push(
    '',
    `Lambda bundles (house settings: AWS SDK bundled) and module init in a fresh node ${process.version} process with --enable-source-maps, median of ${INIT_RUNS};`,
    `right: the same with @aws-sdk/* left to the Lambda runtime (median of ${RUNTIME_SDK_INIT_RUNS}):`,
  );
  lines.push('  function             bundle KB  of it SDK  /500 KB  map KB  wasm KB  init ms  /150 ms  init CPU ms  |  runtime SDK: KB  init ms  CPU ms');
  for (const [name, raw] of Object.entries(bundles.functions)) {
    const b = raw as BundleRow;
    const r = b.withRuntimeSdk;
    lines.push(
      `  ${name.padEnd(20)} ${String(b.bundleKb).padStart(9)} ${String(b.sdkKb).padStart(10)} ${String(b.bundleBudgetRatio).padStart(8)} ${String(b.sourceMapKb).padStart(7)} ${String(b.wasmKb).padStart(8)}` +
        ` ${String(b.initMsMedian).padStart(8)} ${String(b.initBudgetRatio).padStart(8)} ${String(b.initCpuMsMedian).padStart(12)}  | ${String(r.bundleKb).padStart(16)} ${String(r.initMsMedian).padStart(8)} ${String(r.initCpuMsMedian).padStart(7)}`,
    );
  }
  lines.push(`  budgets: bundle <= ${BUDGET.bundleKb} KB (WASM apart), init <= ${BUDGET.initMs} ms`);
  process.stdout.write(lines.join('\n') + '\n');
}

export async function run(opts: { json: boolean }): Promise<Record<string, unknown>> {
  const overhead = await measureProxy();
  const bundles = await measureBundles();
  if (!opts.json) print(overhead, bundles);
  return { overhead, bundles };
}
