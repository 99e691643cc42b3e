import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { S3AuditStore } from '../../lambda/adapters/audit-store-s3';
import { buildAuditEvent } from '../../lambda/core/audit/event';
import { eventObjectKey } from '../../lambda/core/audit/keys';
import { BridgeError } from '../../lambda/core/errors';

const s3 = mockClient(S3Client);
const store = () => new S3AuditStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'audit', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k' });
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
const event = buildAuditEvent({
  requestId: 'r1',
  agent: { name: 'a', principalArn: 'arn:aws:iam::123456789012:role/a' },
  action: 'Read',
  policy: { version: 'v1', decisionId: 'd1', decision: 'allow', reasons: [] },
  outcome: 'allowed',
  latencyMs: 1,
});

beforeEach(() => s3.reset());

describe('S3AuditStore', () => {
  it('writes an event create-only, SSE-KMS encrypted, with its MD5 under the event key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const body = JSON.stringify(event);

    // Act
    await store().write(event);

    // Assess
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'audit',
      Key: eventObjectKey(event),
      IfNoneMatch: '*',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
      ContentMD5: createHash('md5').update(body).digest('base64'),
    });
  });

  it.each([
    ['AccessDenied', 403],
    ['SlowDown', 503],
    ['InternalError', 500],
  ])('turns a failed event write (%s) into AUDIT_UNAVAILABLE', async (name, status) => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error(name, status));

    // Act
    const result = store().write(event);

    // Assess
    await expect(result).rejects.toBeInstanceOf(BridgeError);
    await expect(result).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', status: 503, details: { reason: name } });
  });

  it('reports an existing digest instead of overwriting it', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

    // Act
    const result = await store().putDigest('digests/k.json', new Uint8Array([1]));

    // Assess
    expect(result).toBe('exists');
  });

  it('reads a missing object as null and other read failures as AUDIT_UNAVAILABLE', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'gone' }).rejects(new NoSuchKey({ message: 'no', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand, { Key: 'locked' }).rejects(s3Error('AccessDenied', 403));

    // Act
    const gone = await store().get('gone', 'v1');
    const locked = store().get('locked', null);

    // Assess
    expect(gone).toBeNull();
    await expect(locked).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringContaining('read locked') });
  });

  it('lists every version, then falls back to latest objects where versions are not implemented', async () => {
    // Prepare
    const t = new Date('2025-01-01T00:00:00Z');
    s3.on(ListObjectVersionsCommand, { Bucket: 'audit' })
      .resolvesOnce({ Versions: [{ Key: 'events/a', VersionId: 'v1', Size: 3, LastModified: t }], IsTruncated: true, NextKeyMarker: 'events/a', NextVersionIdMarker: 'v1' })
      .resolvesOnce({ Versions: [{ Key: 'events/a', VersionId: 'v2', Size: 4, LastModified: t }], IsTruncated: false });
    const versioned = store();
    const local = store();

    // Act
    const listed = [];
    for await (const o of versioned.list('events/')) listed.push(o);
    s3.reset();
    s3.on(ListObjectVersionsCommand).rejects(s3Error('NotImplemented', 501));
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'events/b', Size: 5, LastModified: t }] });
    const latest = [];
    for await (const o of local.list('events/')) latest.push(o);

    // Assess
    expect(listed.map((o) => o.versionId)).toEqual(['v1', 'v2']);
    expect(latest).toEqual([{ key: 'events/b', versionId: null, size: 5, lastModified: t }]);
  });

  it.each([
    ['a retention', { Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2032-01-01T00:00:00Z') } }, { mode: 'COMPLIANCE', retainUntil: '2032-01-01T00:00:00.000Z' }],
    ['no retention on the object', s3Error('NoSuchObjectLockConfiguration', 404), 'none'],
    ['a bucket without Object Lock', s3Error('InvalidRequest', 400), 'unavailable'],
    ['a server that does not implement it', s3Error('NotImplemented', 501), 'unavailable'],
  ])('reports Object Lock retention for %s', async (_label, answer, expected) => {
    // Prepare
    const cmd = s3.on(GetObjectRetentionCommand);
    if (answer instanceof Error) cmd.rejects(answer);
    else cmd.resolves(answer as object);

    // Act
    const retention = await store().retention('events/a', 'v1');

    // Assess
    expect(retention).toEqual(expected);
  });
});
