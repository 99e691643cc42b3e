/**
 * The audit trail of the local runtime end to end: requests over HTTP leave events, the digest
 * job signs and chains them, and `bridge audit verify` proves them intact — or names the tampering.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { main as audit } from '../../cli/audit';
import { LOCAL_PRINCIPAL_HEADER } from '../../local/http-front';
import { LOCAL_AUDIT_BUCKET, LOCAL_PRINCIPALS, startLocalBridge, type LocalBridge } from '../../local/runtime';

async function verify(bridge: LocalBridge, publicKey: string): Promise<{ code: number; report: { ok: boolean; problems: { code: string }[] } }> {
  let out = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  let errOut = '';
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errOut += chunk.toString();
    return true;
  });
  try {
    const code = await audit(['verify', '--bucket', LOCAL_AUDIT_BUCKET, '--endpoint', bridge.s3Endpoint, '--public-key', publicKey, '--json']);
    if (!out) throw new Error(`verify printed no report (exit ${code}): ${errOut}`);
    return { code, report: JSON.parse(out) };
  } finally {
    write.mockRestore();
    err.mockRestore();
  }
}

describe('audit trail of the local runtime', () => {
  let bridge: LocalBridge;
  let dir: string;
  let publicKey: string;

  beforeAll(async () => {
    // s3rver's fixed credentials, as an auditor pointing the CLI at the local store would export them.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    bridge = await startLocalBridge({ crm: 'salesforce', digestPeriodMinutes: 1 });
    dir = mkdtempSync(join(tmpdir(), 'bridge-verify-'));
    publicKey = join(dir, 'signing.pem');
    writeFileSync(publicKey, await bridge.signer.publicKeyPem());
  });
  afterAll(async () => {
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the digests over real requests, then reports an event altered afterwards', async () => {
    // Prepare: three audited requests (allowed, denied, refused), then a digest over their period.
    const send = (body: object) =>
      fetch(`${bridge.url}/v1/records/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [LOCAL_PRINCIPAL_HEADER]: LOCAL_PRINCIPALS.support },
        body: JSON.stringify(body),
      });
    await send({ object: 'Contact', fields: ['Id', 'Email'], limit: 3, purpose: 'support' });
    await send({ object: 'Contact', fields: ['Id', 'Birthdate'], limit: 3, purpose: 'support' });
    await send({ object: 'Nope' });
    const result = await bridge.runDigestJob(new Date(Date.now() + 2 * 60_000));
    const events: string[] = [];
    for await (const o of bridge.auditStore.list('events/')) events.push(o.key);

    // Act
    const intact = await verify(bridge, publicKey);
    const s3 = new S3Client({ endpoint: bridge.s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await s3.send(new PutObjectCommand({ Bucket: LOCAL_AUDIT_BUCKET, Key: events[0], Body: '{"tampered":true}' }));
    const tampered = await verify(bridge, publicKey);
    s3.destroy();

    // Assess
    expect(events).toHaveLength(3);
    expect(result.written.reduce((n, w) => n + w.objects, 0)).toBe(3);
    expect(intact.code).toBe(0);
    expect(intact.report.ok).toBe(true);
    expect(tampered.code).toBe(1);
    expect(tampered.report.problems.map((p) => p.code)).toContain('OBJECT_MODIFIED');
  });
});
