/** The smallest piece of handler wiring: env-var reads and the audit store, for functions that need nothing more. */
import { S3Client } from '@aws-sdk/client-s3';
import { S3AuditStore } from '../adapters/audit-store-s3';
import { AUDIT_ENV } from '../core/constants';

/** An environment variable the stack sets; its absence is a deployment defect (logged by `lazyService`). */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set: the stack sets it`);
  return value;
}

/** The audit bucket (SSE-KMS with the audit key, as the bucket policy demands). */
export const auditStoreFromEnv = (): S3AuditStore =>
  new S3AuditStore({ client: new S3Client({}), bucket: requiredEnv(AUDIT_ENV.BUCKET), kmsKeyId: requiredEnv(AUDIT_ENV.KMS_KEY_ID) });
