/**
 * Pure verification of a digest chain against what the store holds. The caller (the CLI)
 * fetches; this decides. Every problem carries a stable code and a message naming the keys.
 */
import { createPublicKey } from 'node:crypto';
import { type AuditDigest, type DigestObject, objectId, parseDigest, sha256Hex, verifyDigestSignature } from './digest';
import { digestKeyFor } from './keys';
import type { Retention } from './ports';

export type ProblemCode =
  | 'DIGEST_MALFORMED'
  | 'DIGEST_MISPLACED'
  | 'DIGEST_SIGNATURE_INVALID'
  | 'DIGEST_REWRITTEN'
  | 'CHAIN_BROKEN'
  | 'CHAIN_TRUNCATED'
  | 'PERIOD_GAP'
  | 'PERIOD_OVERLAP'
  | 'OBJECT_MISSING'
  | 'OBJECT_MOVED'
  | 'OBJECT_MODIFIED'
  | 'OBJECT_NOT_DIGESTED'
  | 'OBJECT_DIGESTED_TWICE'
  | 'OBJECT_MISPLACED'
  | 'OBJECT_REWRITTEN'
  | 'EVENT_MALFORMED'
  | 'RETENTION_MISSING'
  | 'NO_DIGESTS';

export interface Problem {
  code: ProblemCode;
  key: string;
  message: string;
}

export interface StoredDigest {
  key: string;
  bytes: Uint8Array;
  /** How many versions the key has; more than one means the digest was overwritten. */
  versions?: number;
  retention?: Retention;
}

/** An audit object version as the verifier found it in the store. */
export interface ObservedObject {
  key: string;
  versionId: string | null;
  size: number;
  lastModified: Date;
  sha256: string;
  /** The key the content says it belongs at (eventObjectKey of the parsed event); null if not an event. */
  eventKey: string | null;
  retention?: Retention;
}

export interface VerifyInput {
  /** Trusted signing key (SPKI PEM): from KMS GetPublicKey or a file, never from the bucket. */
  publicKeyPem: string;
  digests: readonly StoredDigest[];
  /**
   * The digest the earliest one links to, looked up by its `previous.key`: a StoredDigest, null
   * when it does not exist, undefined when the earliest digest starts the chain.
   */
  predecessor?: StoredDigest | null;
  objects: readonly ObservedObject[];
  /** Objects that arrived in [from, to) ∩ the digests' coverage must each be in a digest. */
  range: { from: Date; to: Date };
  now: Date;
}

export interface VerificationReport {
  ok: boolean;
  coverage: { from: string; to: string } | null;
  chainStartsAtGenesis: boolean;
  digests: { checked: number; signaturesValid: number };
  objects: { checked: number; digested: number; pending: number };
  retention: { compliance: number; governance: number; none: number; unavailable: number; earliestRetainUntil: string | null };
  problems: Problem[];
}

interface Parsed {
  key: string;
  bytes: Uint8Array;
  digest: AuditDigest;
}

const span = (a: string, b: string) => `${a} – ${b}`;

export function verifyDigestChain(input: VerifyInput): VerificationReport {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, key: string, message: string) => problems.push({ code, key, message });
  const publicKey = createPublicKey(input.publicKeyPem);
  const retention = { compliance: 0, governance: 0, none: 0, unavailable: 0, earliestRetainUntil: null as string | null };
  const tally = (key: string, r: Retention | undefined) => {
    if (r === undefined) return;
    if (r === 'none') {
      retention.none++;
      add('RETENTION_MISSING', key, `${key} has no Object Lock retention although the store supports it`);
    } else if (r === 'unavailable') retention.unavailable++;
    else {
      if (r.mode === 'COMPLIANCE') retention.compliance++;
      else retention.governance++;
      if (!retention.earliestRetainUntil || r.retainUntil < retention.earliestRetainUntil) retention.earliestRetainUntil = r.retainUntil;
    }
  };

  // 1. Each digest on its own: well-formed, at the key its period names, signed by the trusted key.
  const parsed: Parsed[] = [];
  let signaturesValid = 0;
  for (const d of input.digests) {
    tally(d.key, d.retention);
    const p = parseDigest(d.bytes);
    if (!p.ok) {
      add('DIGEST_MALFORMED', d.key, `digest ${d.key} is not a valid digest: ${p.reason}`);
      continue;
    }
    const digest = p.digest;
    const expectedKey = digestKeyFor({ start: new Date(digest.period.start), end: new Date(digest.period.end) });
    if (expectedKey !== d.key) {
      add('DIGEST_MISPLACED', d.key, `digest ${d.key} covers ${span(digest.period.start, digest.period.end)}, which belongs at ${expectedKey}: digests were renamed or swapped`);
    }
    if (verifyDigestSignature(digest, publicKey)) signaturesValid++;
    else add('DIGEST_SIGNATURE_INVALID', d.key, `digest ${d.key} signature does not verify with the trusted public key (digest names key ${digest.keyId}): altered or signed by another key`);
    if ((d.versions ?? 1) > 1) add('DIGEST_REWRITTEN', d.key, `digest ${d.key} has ${d.versions} versions: it was overwritten after it was written`);
    parsed.push({ key: d.key, bytes: d.bytes, digest });
  }
  parsed.sort((a, b) => a.digest.period.start.localeCompare(b.digest.period.start) || a.key.localeCompare(b.key));

  // 2. The chain: each digest links to the one before by key, hash and signature, without gaps.
  const linkProblem = (cur: Parsed, prev: StoredDigest | null) => {
    const link = cur.digest.previous;
    if (!link) return;
    if (!prev) {
      add('CHAIN_BROKEN', cur.key, `digest ${cur.key} links to previous digest ${link.key}, which is missing: a digest was deleted`);
      return;
    }
    const prevParsed = parseDigest(prev.bytes);
    if (link.key !== prev.key) {
      add('CHAIN_BROKEN', cur.key, `digest ${cur.key} links to ${link.key} but the digest before it is ${prev.key}`);
    } else if (sha256Hex(prev.bytes) !== link.sha256 || !prevParsed.ok || prevParsed.digest.signature !== link.signature) {
      add('CHAIN_BROKEN', cur.key, `previous digest ${prev.key} does not match the SHA-256 and signature recorded in ${cur.key}: it was altered or replaced`);
    }
  };
  let chainStartsAtGenesis = false;
  if (parsed.length > 0) {
    const first = parsed[0];
    if (first.digest.previous === null) chainStartsAtGenesis = true;
    else linkProblem(first, input.predecessor ?? null);
  }
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1].digest;
    const cur = parsed[i];
    if (cur.digest.period.start > prev.period.end) {
      add('PERIOD_GAP', cur.key, `no digest covers ${span(prev.period.end, cur.digest.period.start)}: period gap before ${cur.key}`);
    } else if (cur.digest.period.start < prev.period.end) {
      add('PERIOD_OVERLAP', cur.key, `digest ${cur.key} overlaps ${parsed[i - 1].key}`);
    }
    if (cur.digest.previous === null) add('CHAIN_BROKEN', cur.key, `digest ${cur.key} starts a new chain after ${parsed[i - 1].key}`);
    else linkProblem(cur, parsed[i - 1]);
  }
  const last = parsed.at(-1);
  if (!last) {
    add('NO_DIGESTS', '', `no digests found for ${span(input.range.from.toISOString(), input.range.to.toISOString())}`);
  } else {
    // The job writes one digest per period; allow two periods and a margin for schedule jitter.
    const len = Date.parse(last.digest.period.end) - Date.parse(last.digest.period.start);
    const due = Math.min(input.range.to.getTime(), input.now.getTime() - 2 * len - 5 * 60_000);
    if (Date.parse(last.digest.period.end) < due) {
      add('CHAIN_TRUNCATED', last.key, `the newest digest ${last.key} ends at ${last.digest.period.end}; digests up to ${new Date(due).toISOString()} are missing: the chain was truncated or the digest job stopped`);
    }
  }

  // 3. Objects: every digested version present with its hash; nothing else arrived unseen.
  const expected = new Map<string, { digestKey: string; entry: DigestObject }>();
  const expectedByHash = new Map<string, string>();
  for (const p of parsed) {
    for (const entry of p.digest.objects) {
      const id = objectId(entry);
      const seen = expected.get(id);
      if (seen) add('OBJECT_DIGESTED_TWICE', entry.key, `${entry.key} is listed in both ${seen.digestKey} and ${p.key}`);
      else expected.set(id, { digestKey: p.key, entry });
      expectedByHash.set(entry.sha256, entry.key);
    }
  }
  const observed = new Map(input.objects.map((o) => [objectId(o), o]));
  const observedByHash = new Map(input.objects.map((o) => [o.sha256, o.key]));
  for (const [id, { digestKey, entry }] of expected) {
    const o = observed.get(id);
    if (!o) {
      const movedTo = observedByHash.get(entry.sha256);
      if (movedTo) add('OBJECT_MOVED', entry.key, `${entry.key} (in ${digestKey}) is gone; its content now sits at ${movedTo}: renamed or reordered`);
      else add('OBJECT_MISSING', entry.key, `${entry.key}${entry.versionId ? ` version ${entry.versionId}` : ''} is listed in ${digestKey} but missing from the store: deleted`);
    } else if (o.sha256 !== entry.sha256 || o.size !== entry.size) {
      const original = expectedByHash.get(o.sha256);
      add(
        'OBJECT_MODIFIED',
        entry.key,
        `${entry.key} SHA-256 is ${o.sha256} (${o.size} bytes) but ${digestKey} recorded ${entry.sha256} (${entry.size} bytes)` +
          (original ? `; it now holds the content digested for ${original}: reordered` : ': modified'),
      );
    }
  }
  const coverage = parsed.length > 0 ? { from: parsed[0].digest.period.start, to: last!.digest.period.end } : null;
  const windowFrom = Math.max(coverage ? Date.parse(coverage.from) : Infinity, input.range.from.getTime());
  const windowTo = Math.min(coverage ? Date.parse(coverage.to) : -Infinity, input.range.to.getTime());
  // Events are written create-only: a second version of a key is an overwrite.
  const versionsByKey = new Map<string, number>();
  for (const o of input.objects) versionsByKey.set(o.key, (versionsByKey.get(o.key) ?? 0) + 1);
  for (const [key, n] of versionsByKey) {
    if (n > 1) add('OBJECT_REWRITTEN', key, `${key} has ${n} versions: it was overwritten after it was written`);
  }
  let pending = 0;
  for (const o of input.objects) {
    tally(o.key, o.retention);
    if (o.eventKey === null) add('EVENT_MALFORMED', o.key, `${o.key} is not a valid audit event`);
    else if (o.eventKey !== o.key) add('OBJECT_MISPLACED', o.key, `${o.key} holds the event that belongs at ${o.eventKey}: renamed or reordered`);
    if (expected.has(objectId(o))) continue;
    const t = o.lastModified.getTime();
    if (t >= windowFrom && t < windowTo) {
      add('OBJECT_NOT_DIGESTED', o.key, `${o.key} arrived at ${o.lastModified.toISOString()}, inside the digested period, but no digest lists it: inserted`);
    } else if (coverage && t >= Date.parse(coverage.to)) pending++;
  }

  return {
    ok: problems.length === 0,
    coverage,
    chainStartsAtGenesis,
    digests: { checked: input.digests.length, signaturesValid },
    objects: { checked: input.objects.length, digested: expected.size, pending },
    retention,
    problems,
  };
}

/** The parsed chain's expected object versions, for fetchers deciding what to read. */
export function digestedObjects(digests: readonly StoredDigest[]): DigestObject[] {
  return digests.flatMap((d) => {
    const p = parseDigest(d.bytes);
    return p.ok ? p.digest.objects : [];
  });
}

