/**
 * `bridge audit verify` — proves from the bucket alone that no audit event or digest was
 * altered, removed, reordered or slipped in, and reports Object Lock retention.
 * `bridge audit query` — filters events of a time window (see the README, For auditors, for the choice).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { S3AuditStore } from '../lambda/adapters/audit-store-s3';
import { KmsSigner } from '../lambda/adapters/kms-signer';
import { AUDIT_ENV } from '../lambda/core/constants';
import { isBridgeError } from '../lambda/core/errors';
import { type AuditEvent, parseAuditEvent } from '../lambda/core/audit/event';
import { objectId, parseDigest, sha256Hex } from '../lambda/core/audit/digest';
import { DIGESTS_PREFIX, EVENTS_PREFIX, digestDayPrefixes, eventObjectKey, hourPrefixes, parseDigestKey } from '../lambda/core/audit/keys';
import type { ListedObject, Retention } from '../lambda/core/audit/ports';
import { type ObservedObject, type StoredDigest, type VerificationReport, digestedObjects, verifyDigestChain } from '../lambda/core/audit/verify';
import { mapLimit } from '../lambda/core/audit/map-limit';

const HOUR_MS = 3_600_000;
const CONCURRENCY = 16;

const USAGE = `Usage:
  bridge audit verify --bucket B [--from T] [--to T] (--public-key PEM_FILE | --key-id KMS_KEY)
                      [--lookback-minutes N] [--endpoint URL] [--region R] [--json]
  bridge audit query  --bucket B [--from T] [--to T] [--agent NAME] [--action A] [--outcome O]
                      [--object TYPE] [--record-id ID] [--request-id ID] [--limit N]
                      [--endpoint URL] [--region R] [--json]

verify checks every digest's signature against the trusted key (a PEM file for offline
verification, or the KMS key's public key fetched once), the chain, every object's SHA-256,
missing and extra objects, and reports each object's Object Lock retention. Exit 0 when
everything verifies, 1 with a report of each problem, 2 on usage or access errors.
--key-id defaults to $${AUDIT_ENV.SIGNING_KEY_ID}. --lookback-minutes must be at least the digest
job's (default 60). --endpoint targets an S3-compatible server (the local runtime's store).
query prints matching events (newest window default: the last 24 hours) as a table, or JSON
lines with --json. Times are ISO 8601.`;

export interface VerifyOptions {
  store: S3AuditStore;
  publicKeyPem: string;
  from?: Date;
  to?: Date;
  lookbackMinutes?: number;
  now?: Date;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult extends VerificationReport {
  bucket: string;
  /** Each object's and digest's Object Lock retention. */
  retentionByObject: { key: string; versionId: string | null; retention: Retention }[];
}

/** Fetches what the range needs and hands it to the pure verifier. */
export async function verifyBucket(opts: VerifyOptions): Promise<VerifyResult> {
  const { store } = opts;
  const now = opts.now ?? new Date();
  const lookbackMs = (opts.lookbackMinutes ?? 60) * 60_000;
  const from = opts.from ?? new Date(0);
  const to = opts.to ?? now;
  const retentionOf = retentionReader(store);
  const retentionByObject: VerifyResult['retentionByObject'] = [];

  // Digests whose periods meet the range, plus a lookback after it where late objects land.
  const digestPrefixes = opts.from ? digestDayPrefixes(new Date(from.getTime() - 24 * HOUR_MS), new Date(to.getTime() + lookbackMs)) : [DIGESTS_PREFIX];
  const versions = new Map<string, number>();
  for (const prefix of digestPrefixes) {
    for await (const o of store.list(prefix)) versions.set(o.key, (versions.get(o.key) ?? 0) + 1);
  }
  const digestKeys = [...versions.keys()].filter((k) => {
    const p = parseDigestKey(k);
    return !p || (p.end > from && p.start.getTime() < to.getTime() + lookbackMs);
  });
  const digests: StoredDigest[] = await mapLimit(digestKeys, CONCURRENCY, async (key) => {
    const retention = await retentionOf(key, null);
    retentionByObject.push({ key, versionId: null, retention });
    return { key, bytes: (await store.get(key, null)) ?? new Uint8Array(), versions: versions.get(key), retention };
  });

  const parsed = digests.flatMap((d) => {
    const p = parseDigest(d.bytes);
    return p.ok ? [p.digest] : [];
  });
  const earliest = parsed.sort((a, b) => a.period.start.localeCompare(b.period.start))[0];
  let predecessor: StoredDigest | null | undefined;
  if (earliest?.previous) {
    const bytes = await store.get(earliest.previous.key, null);
    predecessor = bytes ? { key: earliest.previous.key, bytes } : null;
  }

  // Every object version a digest lists, and every object that arrived around the range.
  const listed: ListedObject[] = [];
  const eventPrefixes = opts.from || opts.to ? hourPrefixes(new Date(from.getTime() - lookbackMs - HOUR_MS), new Date(to.getTime() + lookbackMs + HOUR_MS)) : [EVENTS_PREFIX];
  for (const prefix of eventPrefixes) for await (const o of store.list(prefix)) listed.push(o);
  const candidates = new Map<string, { key: string; versionId: string | null; lastModified?: Date }>(listed.map((o) => [objectId(o), o]));
  for (const e of digestedObjects(digests)) if (!candidates.has(objectId(e))) candidates.set(objectId(e), { key: e.key, versionId: e.versionId });

  let done = 0;
  const all = [...candidates.values()];
  const observed = await mapLimit(all, CONCURRENCY, async (c): Promise<ObservedObject | null> => {
    const bytes = await store.get(c.key, c.versionId);
    opts.onProgress?.(++done, all.length);
    if (!bytes) return null;
    const event = parseAuditEvent(new TextDecoder().decode(bytes));
    const retention = await retentionOf(c.key, c.versionId);
    retentionByObject.push({ key: c.key, versionId: c.versionId, retention });
    return {
      key: c.key,
      versionId: c.versionId,
      size: bytes.length,
      // Objects found only through a digest (outside the listed hours) count as already digested.
      lastModified: c.lastModified ?? new Date(0),
      sha256: sha256Hex(bytes),
      eventKey: event.ok ? eventObjectKey(event.event) : null,
      retention,
    };
  });

  const report = verifyDigestChain({
    publicKeyPem: opts.publicKeyPem,
    digests,
    predecessor,
    objects: observed.filter((o): o is ObservedObject => o !== null),
    range: { from, to },
    now,
  });
  return { ...report, bucket: store.bucket, retentionByObject };
}

/** Asks for retention until the store says it cannot report it, then stops asking. */
function retentionReader(store: S3AuditStore): (key: string, versionId: string | null) => Promise<Retention> {
  let available = true;
  return async (key, versionId) => {
    if (!available) return 'unavailable';
    const r = await store.retention(key, versionId);
    if (r === 'unavailable') available = false;
    return r;
  };
}

export interface QueryFilter {
  from: Date;
  to: Date;
  agent?: string;
  action?: string;
  outcome?: string;
  object?: string;
  recordId?: string;
  requestId?: string;
  limit?: number;
}

/** Events whose time is in [from, to) and which match every given filter, oldest first. */
export async function queryEvents(store: S3AuditStore, f: QueryFilter): Promise<AuditEvent[]> {
  const keys: string[] = [];
  for (const prefix of hourPrefixes(f.from, f.to)) for await (const o of store.list(prefix)) keys.push(o.key);
  const unique = [...new Set(keys)].sort();
  const events = await mapLimit(unique, CONCURRENCY, async (key) => {
    const bytes = await store.get(key, null);
    const parsed = bytes ? parseAuditEvent(new TextDecoder().decode(bytes)) : null;
    return parsed?.ok ? parsed.event : null;
  });
  const matches = events.filter((e): e is AuditEvent => {
    if (!e) return false;
    const t = Date.parse(e.time);
    return (
      t >= f.from.getTime() &&
      t < f.to.getTime() &&
      (!f.agent || e.agent.name === f.agent) &&
      (!f.action || e.action === f.action) &&
      (!f.outcome || e.outcome === f.outcome) &&
      (!f.object || e.object === f.object) &&
      (!f.recordId || e.recordIds.includes(f.recordId)) &&
      (!f.requestId || e.requestId === f.requestId)
    );
  });
  return f.limit ? matches.slice(0, f.limit) : matches;
}

class UsageError extends Error {}

export async function main(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  try {
    if (sub === 'verify') return await runVerify(rest);
    if (sub === 'query') return await runQuery(rest);
    throw new UsageError(`unknown subcommand '${sub}'`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bridge audit: ${(e as Error).message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`bridge audit: ${isBridgeError(e) ? `${e.code}: ${e.message}` : (e as Error).message}\n`);
    }
    return 2;
  }
}

const common = {
  bucket: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function storeFrom(v: { bucket?: string; endpoint?: string; region?: string }): S3AuditStore {
  if (!v.bucket) throw new UsageError('--bucket is required');
  const region = v.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const client = new S3Client({ region, ...(v.endpoint ? { endpoint: v.endpoint, forcePathStyle: true } : {}) });
  return new S3AuditStore({ client, bucket: v.bucket });
}

function time(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO 8601 time, got '${raw}'`);
  return d;
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${raw}'`);
  return n;
}

async function runVerify(args: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: { ...common, 'public-key': { type: 'string' }, 'key-id': { type: 'string' }, 'lookback-minutes': { type: 'string' } },
    strict: true,
  });
  const store = storeFrom(v);
  const keyId = v['key-id'] ?? process.env[AUDIT_ENV.SIGNING_KEY_ID];
  let publicKeyPem: string;
  if (v['public-key']) {
    publicKeyPem = v['public-key'].startsWith('-----BEGIN') ? v['public-key'] : readFileSync(v['public-key'], 'utf8');
  } else if (keyId) {
    publicKeyPem = await new KmsSigner(new KMSClient({ region: v.region ?? process.env.AWS_REGION ?? 'us-east-1' }), keyId).publicKeyPem();
  } else {
    throw new UsageError('pass --public-key PEM_FILE or --key-id KMS_KEY: the trusted key must not come from the bucket');
  }
  let lastShown = 0;
  const result = await verifyBucket({
    store,
    publicKeyPem,
    from: time('from', v.from),
    to: time('to', v.to),
    lookbackMinutes: positiveInt('lookback-minutes', v['lookback-minutes']),
    onProgress: (done, total) => {
      if (done === total || Date.now() - lastShown > 2000) {
        lastShown = Date.now();
        process.stderr.write(`verified ${done}/${total} objects\n`);
      }
    },
  });
  process.stdout.write(v.json ? `${JSON.stringify(result, null, 2)}\n` : humanReport(result));
  return result.ok ? 0 : 1;
}

function humanReport(r: VerifyResult): string {
  const lines = [
    `audit verify s3://${r.bucket}: ${r.ok ? 'OK' : `FAILED (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'})`}`,
    `coverage: ${r.coverage ? `${r.coverage.from} – ${r.coverage.to}` : 'none'}${r.chainStartsAtGenesis ? ' (chain starts here)' : ''}`,
    `digests: ${r.digests.checked} checked, ${r.digests.signaturesValid} signatures valid`,
    `objects: ${r.objects.checked} checked, ${r.objects.digested} digested, ${r.objects.pending} awaiting the next digest`,
    `retention: COMPLIANCE ${r.retention.compliance}, GOVERNANCE ${r.retention.governance}, none ${r.retention.none}, unavailable ${r.retention.unavailable}` +
      (r.retention.earliestRetainUntil ? `; earliest retain-until ${r.retention.earliestRetainUntil}` : ''),
    ...r.problems.map((p) => `  ${p.code}: ${p.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

async function runQuery(args: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      ...common,
      agent: { type: 'string' },
      action: { type: 'string' },
      outcome: { type: 'string' },
      object: { type: 'string' },
      'record-id': { type: 'string' },
      'request-id': { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
  });
  const store = storeFrom(v);
  const to = time('to', v.to) ?? new Date();
  const from = time('from', v.from) ?? new Date(to.getTime() - 24 * HOUR_MS);
  if (from >= to) throw new UsageError('--from must be before --to');
  const events = await queryEvents(store, {
    from,
    to,
    agent: v.agent,
    action: v.action,
    outcome: v.outcome,
    object: v.object,
    recordId: v['record-id'],
    requestId: v['request-id'],
    limit: positiveInt('limit', v.limit),
  });
  if (v.json) {
    for (const e of events) process.stdout.write(`${JSON.stringify(e)}\n`);
  } else {
    process.stdout.write(`${['time', 'agent', 'action', 'object', 'records', 'outcome', 'policy', 'requestId'].join('\t')}\n`);
    for (const e of events) {
      process.stdout.write(`${[e.time, e.agent.name, e.action, e.object ?? '-', e.counts.records, e.outcome, e.policy?.decision ?? '-', e.requestId].join('\t')}\n`);
    }
    process.stderr.write(`${events.length} event(s)\n`);
  }
  return 0;
}
