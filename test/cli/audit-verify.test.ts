import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3AuditStore } from '../../lambda/adapters/audit-store-s3';
import { LocalSigner } from '../../lambda/adapters/local-signer';
import { type AuditDigest, buildDigest, linkTo, parseDigest, signDigest } from '../../lambda/core/audit/digest';
import { type DigestJobConfig, type DigestJobResult, runDigestJob } from '../../lambda/core/audit/digest-job';
import { type AuditEvent, buildAuditEvent } from '../../lambda/core/audit/event';
import { digestKeyFor, eventObjectKey, periodAfter, periodContaining } from '../../lambda/core/audit/keys';
import { type ProblemCode } from '../../lambda/core/audit/verify';
import { main, verifyBucket } from '../../cli/audit';
import { type LocalS3, startLocalS3 } from '../adapters/audit-s3rver';

// Day-long periods: s3rver stamps real arrival times, so events of one test share one period.
const DAY_MS = 86_400_000;
const config: DigestJobConfig = {
  periodMinutes: 1440,
  lookbackMinutes: 1440,
  bridgeVersion: 'test',
  maxPeriodsPerRun: 10,
  headSearchDays: 7,
  concurrency: 4,
};

let s3: LocalS3;
let bucketNo = 0;
const signer = new LocalSigner('audit-test-key');

beforeAll(async () => {
  s3 = await startLocalS3([]);
});
afterAll(async () => {
  await s3.stop();
});

const event = (n: number): AuditEvent =>
  buildAuditEvent({
    requestId: `req-${n}`,
    agent: { name: 'support-agent', principalArn: 'arn:aws:iam::123456789012:role/support-agent' },
    action: 'Read',
    object: 'Contact',
    recordIds: [`003000000000${n}AAA`],
    fields: ['Id', 'Email'],
    policy: { version: 'bundle-1', decisionId: `dec-${n}`, decision: 'allow', reasons: ['policy0'] },
    guards: { redactions: { EMAIL: 1 } },
    outcome: 'allowed',
    latencyMs: 3,
  });

interface Seeded {
  bucket: string;
  store: S3AuditStore;
  events: AuditEvent[];
  digestKeys: string[];
  runs: DigestJobResult[];
  /** The clock the last digest run used; verification runs at the same time. */
  now: Date;
}

/** Three events, a digest run at the end of their period, then a run `laterPeriods` periods later. */
async function seed(laterPeriods = 2): Promise<Seeded> {
  const bucket = `audit-${++bucketNo}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3AuditStore({ client: s3.client, bucket });
  const events = [event(1), event(2), event(3)];
  for (const e of events) await store.write(e);
  const first = periodContaining(new Date(), config.periodMinutes);
  const run1 = await runDigestJob({ store, signer, now: first.end, config });
  const now = new Date(first.end.getTime() + laterPeriods * DAY_MS);
  const run2 = await runDigestJob({ store, signer, now, config });
  const digestKeys = [...run1.written, ...run2.written].map((w) => w.key);
  return { bucket, store, events, digestKeys, runs: [run1, run2], now };
}

const publicKeyPem = () => signer.publicKeyPem();
const verify = async (s: Seeded, now = s.now) => verifyBucket({ store: s.store, publicKeyPem: await publicKeyPem(), now, lookbackMinutes: config.lookbackMinutes });
const codes = (r: { problems: { code: ProblemCode }[] }) => r.problems.map((p) => p.code);
const put = (bucket: string, key: string, body: Uint8Array | string) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const del = (bucket: string, key: string) => s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
const keyOf = (e: AuditEvent) => eventObjectKey(e);

describe('audit digests on a local S3 server', () => {
  it('verifies an untouched chain, with empty periods digested too', async () => {
    // Prepare
    const s = await seed();

    // Act
    const report = await verify(s);

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(s.digestKeys).toHaveLength(3);
    expect(report.digests).toEqual({ checked: 3, signaturesValid: 3 });
    expect(report.objects.digested).toBe(3);
    expect(report.chainStartsAtGenesis).toBe(true);
    expect(s.runs[1].written.map((w) => w.objects)).toEqual([0, 0]);
    expect(report.retention.unavailable).toBe(6);
    expect(report.retentionByObject.map((r) => r.retention)).toEqual(Array(6).fill('unavailable'));
  });

  it('puts an object that arrives late for a closed period into the next digest', async () => {
    // Prepare
    const s = await seed(0);
    const late = event(4);
    await s.store.write(late);

    // Act
    const run = await runDigestJob({ store: s.store, signer, now: new Date(s.now.getTime() + DAY_MS), config });
    const report = await verify(s, new Date(s.now.getTime() + DAY_MS));

    // Assess
    expect(run.written).toEqual([{ key: expect.any(String), objects: 1, late: 1 }]);
    const digest = parseDigest((await s.store.get(run.written[0].key, null))!);
    expect(digest.ok && digest.digest.objects.map((o) => o.key)).toEqual([keyOf(late)]);
    expect(report.problems).toEqual([]);
    expect(report.digests.checked).toBe(2);
    expect(report.objects.digested).toBe(4);
  });

  it('detects a modified event', async () => {
    // Prepare
    const s = await seed();
    await put(s.bucket, keyOf(s.events[0]), JSON.stringify({ ...s.events[0], outcome: 'denied' }));

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report)).toEqual(['OBJECT_MODIFIED']);
    expect(report.problems[0].message).toMatch(/: modified$/);
    expect(report.problems[0].key).toBe(keyOf(s.events[0]));
  });

  it('detects a deleted event', async () => {
    // Prepare
    const s = await seed();
    await del(s.bucket, keyOf(s.events[1]));

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report)).toEqual(['OBJECT_MISSING']);
    expect(report.problems[0].message).toContain(`${keyOf(s.events[1])} is listed in ${s.digestKeys[0]} but missing from the store: deleted`);
  });

  it('detects a renamed event', async () => {
    // Prepare
    const s = await seed();
    const from = keyOf(s.events[0]);
    const to = from.replace(/_[^_]+\.json$/, '_00000000-0000-4000-8000-000000000000.json');
    await s3.client.send(new CopyObjectCommand({ Bucket: s.bucket, CopySource: `${s.bucket}/${from}`, Key: to }));
    await del(s.bucket, from);

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report).sort()).toEqual(['OBJECT_MISPLACED', 'OBJECT_MOVED', 'OBJECT_NOT_DIGESTED']);
    expect(report.problems.find((p) => p.code === 'OBJECT_MOVED')?.message).toContain(`its content now sits at ${to}`);
  });

  it('detects two events whose contents were swapped', async () => {
    // Prepare
    const s = await seed();
    const [a, b] = [s.events[0], s.events[1]];
    await put(s.bucket, keyOf(a), JSON.stringify(b));
    await put(s.bucket, keyOf(b), JSON.stringify(a));

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report).sort()).toEqual(['OBJECT_MISPLACED', 'OBJECT_MISPLACED', 'OBJECT_MODIFIED', 'OBJECT_MODIFIED']);
    expect(report.problems.find((p) => p.code === 'OBJECT_MODIFIED' && p.key === keyOf(a))?.message).toContain(
      `now holds the content digested for ${keyOf(b)}: reordered`,
    );
  });

  it('detects an inserted event that no digest lists', async () => {
    // Prepare
    const s = await seed();
    const forged = event(9);
    await put(s.bucket, keyOf(forged), JSON.stringify(forged));

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report)).toEqual(['OBJECT_NOT_DIGESTED']);
    expect(report.problems[0].message).toMatch(/no digest lists it: inserted$/);
  });

  it('detects two swapped digests', async () => {
    // Prepare
    const s = await seed();
    const [, k2, k3] = s.digestKeys;
    const [b2, b3] = [await s.store.get(k2, null), await s.store.get(k3, null)];
    await put(s.bucket, k2, b3!);
    await put(s.bucket, k3, b2!);

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report).sort()).toEqual(['CHAIN_BROKEN', 'DIGEST_MISPLACED', 'DIGEST_MISPLACED']);
    expect(report.problems[0].message).toContain('digests were renamed or swapped');
  });

  it('detects a chain truncated at its end', async () => {
    // Prepare
    const s = await seed();
    await del(s.bucket, s.digestKeys[2]);

    // Act: two periods later, when the next digests are overdue.
    const report = await verify(s, new Date(s.now.getTime() + 2 * DAY_MS));

    // Assess
    expect(codes(report)).toEqual(['CHAIN_TRUNCATED']);
    expect(report.problems[0].message).toContain(`the newest digest ${s.digestKeys[1]} ends at`);
  });

  it('detects a deleted first digest', async () => {
    // Prepare
    const s = await seed();
    await del(s.bucket, s.digestKeys[0]);

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report)).toContain('CHAIN_BROKEN');
    expect(report.problems.find((p) => p.code === 'CHAIN_BROKEN')?.message).toContain(`${s.digestKeys[0]}, which is missing: a digest was deleted`);
  });

  it('detects a digest re-signed with another key', async () => {
    // Prepare
    const s = await seed();
    const k2 = s.digestKeys[1];
    const parsed = parseDigest((await s.store.get(k2, null))!);
    if (!parsed.ok) throw new Error(parsed.reason);
    const { signature: _old, ...unsigned } = parsed.digest;
    const impostor = new LocalSigner('audit-test-key');
    const { bytes } = await signDigest({ ...unsigned, objects: [] }, impostor);
    await put(s.bucket, k2, bytes);

    // Act
    const report = await verify(s);

    // Assess
    expect(codes(report)).toEqual(['DIGEST_SIGNATURE_INVALID', 'CHAIN_BROKEN']);
    expect(report.problems[0].message).toContain('does not verify with the trusted public key');
  });

  it('detects a period that no digest covers', async () => {
    // Prepare: a correctly linked and signed digest that skips a period.
    const s = await seed();
    const headKey = s.digestKeys[2];
    const headBytes = (await s.store.get(headKey, null))!;
    const head = (parseDigest(headBytes) as { ok: true; digest: AuditDigest }).digest;
    const skipped = periodAfter(new Date(head.period.end), config.periodMinutes);
    const period = periodAfter(skipped.end, config.periodMinutes);
    const { bytes } = await signDigest(
      buildDigest({ period, objects: [], previous: linkTo(headKey, headBytes, head), bridgeVersion: 'test', keyId: signer.keyId }),
      signer,
    );
    await put(s.bucket, digestKeyFor(period), bytes);

    // Act
    const report = await verify(s, period.end);

    // Assess
    expect(codes(report)).toEqual(['PERIOD_GAP']);
    expect(report.problems[0].message).toBe(
      `no digest covers ${skipped.start.toISOString()} – ${skipped.end.toISOString()}: period gap before ${digestKeyFor(period)}`,
    );
  });

  it('exits 0 from the CLI with a PEM file and the local endpoint, 1 with a precise report after tampering', async () => {
    // Prepare
    const s = await seed();
    const pemFile = join(mkdtempSync(join(tmpdir(), 'audit-pem-')), 'key.pem');
    writeFileSync(pemFile, await publicKeyPem());
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const args = ['verify', '--bucket', s.bucket, '--endpoint', s3.endpoint, '--public-key', pemFile, '--json'];
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    try {
      // Act
      const intact = await main(args);
      const intactReport = JSON.parse(out.join(''));
      out.length = 0;
      await del(s.bucket, keyOf(s.events[2]));
      const tampered = await main(args.slice(0, -1));

      // Assess
      expect(intact).toBe(0);
      expect(intactReport.ok).toBe(true);
      expect(tampered).toBe(1);
      expect(out.join('')).toContain(`OBJECT_MISSING: ${keyOf(s.events[2])} is listed in`);
      expect(err).toHaveBeenCalledWith(expect.stringMatching(/^verified \d+\/\d+ objects\n$/));
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
  });

  it('refuses to verify without a trusted key', async () => {
    // Prepare
    const errs: string[] = [];
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((c) => (errs.push(String(c)), true));
    delete process.env.BRIDGE_AUDIT_SIGNING_KEY_ID;

    // Act
    const code = await main(['verify', '--bucket', 'b']);

    // Assess
    expect(code).toBe(2);
    err.mockRestore();
    expect(errs.join('')).toContain('the trusted key must not come from the bucket');
  });
});
