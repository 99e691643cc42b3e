/**
 * The audit bucket over S3 (or any S3-compatible server): create-only event and digest writes
 * with SSE-KMS, version listings, reads by version and Object Lock retention. Failures become
 * BridgeError('AUDIT_UNAVAILABLE'), so the proxy answers 503 and returns no data.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AuditEvent } from '../core/audit/event';
import { eventObjectKey } from '../core/audit/keys';
import type { AuditObjectReader, DigestWriter, ListedObject, Retention } from '../core/audit/ports';
import { BridgeError } from '../core/errors';

export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
}

export interface S3AuditStoreOptions {
  client: S3Client;
  bucket: string;
  /** KMS key for SSE-KMS on every put; omitted only where the store has no KMS (local server). */
  kmsKeyId?: string;
}

interface S3ErrorLike {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}
const errName = (e: unknown): string => (e as S3ErrorLike)?.name ?? (e as S3ErrorLike)?.Code ?? 'Error';
const httpStatus = (e: unknown): number | undefined => (e as S3ErrorLike)?.$metadata?.httpStatusCode;
/** The store does not implement the operation (e.g. the local S3 server). */
const unsupported = (e: unknown) => ['NotImplemented', 'MethodNotAllowed'].includes(errName(e)) || [405, 501].includes(httpStatus(e) ?? 0);

export class S3AuditStore implements AuditSink, AuditObjectReader, DigestWriter {
  private versioned = true;

  constructor(private readonly opts: S3AuditStoreOptions) {}

  get bucket(): string {
    return this.opts.bucket;
  }

  async write(event: AuditEvent): Promise<void> {
    await this.putCreateOnly(eventObjectKey(event), new TextEncoder().encode(JSON.stringify(event)), 'write event');
  }

  async putDigest(key: string, bytes: Uint8Array): Promise<'written' | 'exists'> {
    return this.putCreateOnly(key, bytes, 'write digest');
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    if (this.versioned) {
      try {
        yield* this.listVersions(prefix);
        return;
      } catch (e) {
        if (!(e instanceof NotVersioned)) throw e;
        this.versioned = false;
      }
    }
    yield* this.listLatest(prefix);
  }

  async get(key: string, versionId: string | null): Promise<Uint8Array | null> {
    try {
      const res = await this.opts.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId ?? undefined }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (['NoSuchKey', 'NoSuchVersion', 'NotFound'].includes(errName(e)) || httpStatus(e) === 404) return null;
      throw this.fail('read', key, e);
    }
  }

  async retention(key: string, versionId: string | null): Promise<Retention> {
    try {
      const res = await this.opts.client.send(
        new GetObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId ?? undefined }),
      );
      const mode = res.Retention?.Mode;
      const until = res.Retention?.RetainUntilDate;
      return mode && until ? { mode, retainUntil: until.toISOString() } : 'none';
    } catch (e) {
      if (errName(e) === 'NoSuchObjectLockConfiguration') return 'none';
      // InvalidRequest: the bucket has no Object Lock configuration at all.
      if (unsupported(e) || errName(e) === 'InvalidRequest') return 'unavailable';
      throw this.fail('read retention of', key, e);
    }
  }

  private async putCreateOnly(key: string, body: Uint8Array, op: string): Promise<'written' | 'exists'> {
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      ContentMD5: createHash('md5').update(body).digest('base64'),
      // Never overwrite: an audit key is written once (S3 answers 412 if it exists).
      IfNoneMatch: '*',
      ...(this.opts.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.opts.kmsKeyId, BucketKeyEnabled: true } : {}),
    };
    try {
      await this.opts.client.send(new PutObjectCommand(input));
      return 'written';
    } catch (e) {
      if (errName(e) === 'PreconditionFailed' || httpStatus(e) === 412) return 'exists';
      throw this.fail(op, key, e);
    }
  }

  private async *listVersions(prefix: string): AsyncIterable<ListedObject> {
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      let res;
      try {
        res = await this.opts.client.send(
          new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
        );
      } catch (e) {
        if (unsupported(e)) throw new NotVersioned();
        throw this.fail('list', prefix, e);
      }
      for (const v of res.Versions ?? []) {
        if (!v.Key || !v.LastModified) continue;
        yield { key: v.Key, versionId: v.VersionId && v.VersionId !== 'null' ? v.VersionId : null, size: v.Size ?? 0, lastModified: v.LastModified };
      }
      [KeyMarker, VersionIdMarker] = res.IsTruncated ? [res.NextKeyMarker, res.NextVersionIdMarker] : [undefined, undefined];
    } while (KeyMarker);
  }

  private async *listLatest(prefix: string): AsyncIterable<ListedObject> {
    let ContinuationToken: string | undefined;
    do {
      let res;
      try {
        res = await this.opts.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      } catch (e) {
        throw this.fail('list', prefix, e);
      }
      for (const o of res.Contents ?? []) {
        if (o.Key && o.LastModified) yield { key: o.Key, versionId: null, size: o.Size ?? 0, lastModified: o.LastModified };
      }
      ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  private fail(op: string, key: string, e: unknown): BridgeError {
    return new BridgeError('AUDIT_UNAVAILABLE', `audit store could not ${op} ${key} in ${this.bucket}: ${errName(e)}`, {
      operation: op,
      reason: errName(e),
    });
  }
}

class NotVersioned extends Error {}
