/**
 * The digest job: for each closed period since the chain head, digest every audit object
 * version that arrived (LastModified) before the period's end and is not in an earlier digest.
 * Objects that land late for a closed period therefore go into the next digest; empty periods
 * still get a digest, so a missing digest is a provable gap. The store is reached only through
 * the ports, so this runs unchanged against S3 and the local S3 server.
 */
import { BridgeError } from '../errors';
import type { Signer } from '../signer';
import { buildDigest, type AuditDigest, type DigestObject, linkTo, objectId, parseDigest, sha256Hex, signDigest } from './digest';
import { digestDayPrefixes, digestKeyFor, hourPrefixes, parseDigestKey, periodAfter, periodContaining } from './keys';
import type { AuditObjectReader, DigestWriter, ListedObject } from './ports';
import { mapLimit } from './map-limit';

const MINUTE_MS = 60_000;
/**
 * Event keys carry the writer's clock, LastModified the store's: list hour prefixes this much
 * wider than the arrival window so skew and write latency cannot hide an object.
 */
const KEY_TIME_MARGIN_MS = 5 * MINUTE_MS;

export interface DigestJobConfig {
  /** Period length in minutes, dividing 1440. */
  periodMinutes: number;
  /** How far back an object may arrive late and still be digested; also the first run's sweep. */
  lookbackMinutes: number;
  bridgeVersion: string;
  /** Catch-up bound per invocation; the next run continues from the new head. */
  maxPeriodsPerRun: number;
  /** How many days back to look for the chain head before starting a new chain. */
  headSearchDays: number;
  /** Parallel object reads while hashing. */
  concurrency: number;
}

export const DEFAULT_DIGEST_JOB_CONFIG: Omit<DigestJobConfig, 'bridgeVersion'> = {
  periodMinutes: 15,
  lookbackMinutes: 60,
  maxPeriodsPerRun: 96,
  headSearchDays: 7,
  concurrency: 16,
};

export interface DigestJobResult {
  written: { key: string; objects: number; late: number }[];
  /** Listed objects that could not be read back (deleted between list and get). */
  vanished: string[];
  head: string | null;
  caughtUp: boolean;
}

interface Held {
  key: string;
  bytes: Uint8Array;
  digest: AuditDigest;
}

export async function runDigestJob(deps: {
  store: AuditObjectReader & DigestWriter;
  signer: Signer;
  now: Date;
  config: DigestJobConfig;
}): Promise<DigestJobResult> {
  const { store, signer, now, config } = deps;
  const lookbackMs = config.lookbackMinutes * MINUTE_MS;
  if (!(lookbackMs >= config.periodMinutes * MINUTE_MS)) {
    throw new BridgeError('VALIDATION_FAILED', 'digest lookback must be at least one period');
  }
  const result: DigestJobResult = { written: [], vanished: [], head: null, caughtUp: false };

  let head = await findHead(store, now, config.headSearchDays);
  // Digests whose periods can still overlap a lookback window, newest last.
  const recent: Held[] = head ? await walkBack(store, head, head.digest.period.start, lookbackMs) : [];

  for (let n = 0; n < config.maxPeriodsPerRun; n++) {
    const period = head
      ? periodAfter(new Date(head.digest.period.end), config.periodMinutes)
      : periodContaining(new Date(now.getTime() - config.periodMinutes * MINUTE_MS), config.periodMinutes);
    if (period.end.getTime() > now.getTime()) {
      result.caughtUp = true;
      break;
    }
    const notBefore = new Date(period.start.getTime() - lookbackMs);
    const digested = new Set(
      recent.filter((h) => Date.parse(h.digest.period.end) > notBefore.getTime()).flatMap((h) => h.digest.objects.map(objectId)),
    );
    const listed: ListedObject[] = [];
    for (const prefix of hourPrefixes(new Date(notBefore.getTime() - KEY_TIME_MARGIN_MS), new Date(period.end.getTime() + KEY_TIME_MARGIN_MS))) {
      for await (const o of store.list(prefix)) listed.push(o);
    }
    const due = listed.filter(
      (o) => o.lastModified >= notBefore && o.lastModified < period.end && !digested.has(objectId(o)),
    );
    const hashed = await mapLimit(due, config.concurrency, async (o): Promise<DigestObject | null> => {
      const bytes = await store.get(o.key, o.versionId);
      if (!bytes) {
        result.vanished.push(objectId(o));
        return null;
      }
      return { key: o.key, versionId: o.versionId, sha256: sha256Hex(bytes), size: bytes.length, lastModified: o.lastModified.toISOString() };
    });
    const objects = hashed.filter((o): o is DigestObject => o !== null);
    const { digest, bytes } = await signDigest(
      buildDigest({
        period,
        objects,
        previous: head ? linkTo(head.key, head.bytes, head.digest) : null,
        bridgeVersion: config.bridgeVersion,
        keyId: signer.keyId,
      }),
      signer,
    );
    const key = digestKeyFor(period);
    if ((await store.putDigest(key, bytes)) === 'exists') {
      // A concurrent run wrote this period first: continue the chain from what is stored.
      head = await readDigest(store, key);
    } else {
      head = { key, bytes, digest };
      result.written.push({ key, objects: objects.length, late: objects.filter((o) => Date.parse(o.lastModified) < period.start.getTime()).length });
    }
    recent.push(head);
  }
  result.head = head?.key ?? null;
  return result;
}

/** The newest digest within the search window, or null to start a new chain. */
async function findHead(store: AuditObjectReader, now: Date, days: number): Promise<Held | null> {
  const prefixes = digestDayPrefixes(new Date(now.getTime() - days * 24 * 60 * MINUTE_MS), new Date(now.getTime() + 1));
  for (const prefix of prefixes.reverse()) {
    let newest: { key: string; end: number } | null = null;
    for await (const o of store.list(prefix)) {
      const period = parseDigestKey(o.key);
      if (period && (!newest || period.end.getTime() > newest.end)) newest = { key: o.key, end: period.end.getTime() };
    }
    if (newest) return readDigest(store, newest.key);
  }
  return null;
}

async function readDigest(store: AuditObjectReader, key: string): Promise<Held> {
  const bytes = await store.get(key, null);
  const parsed = bytes ? parseDigest(bytes) : { ok: false as const, reason: 'missing' };
  if (!bytes || !parsed.ok) {
    // The chain cannot be extended honestly from a broken head: fail so the alarm fires.
    throw new BridgeError('INTERNAL', `digest ${key} is not a valid digest (${parsed.ok ? 'missing' : parsed.reason}); investigate before digesting further`);
  }
  return { key, bytes, digest: parsed.digest };
}

/** The head and its predecessors back to the first whose period ends before `start - lookback`. */
async function walkBack(store: AuditObjectReader, head: Held, start: string, lookbackMs: number): Promise<Held[]> {
  const horizon = Date.parse(start) - lookbackMs;
  const chain: Held[] = [head];
  let cur = head;
  while (cur.digest.previous && Date.parse(cur.digest.period.start) > horizon) {
    cur = await readDigest(store, cur.digest.previous.key);
    chain.unshift(cur);
  }
  return chain;
}
