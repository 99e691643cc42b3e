/** What the audit logic needs from a store; lambda/adapters/audit-store-s3.ts implements it. */

/** One object version as a listing reports it. */
export interface ListedObject {
  readonly key: string;
  /** null where the store has no versioning. */
  readonly versionId: string | null;
  readonly size: number;
  /** Arrival time as the store records it (S3 LastModified). */
  readonly lastModified: Date;
}

/** Object Lock retention of one object version, as GetObjectRetention reports it. */
export type Retention =
  | { readonly mode: 'COMPLIANCE' | 'GOVERNANCE'; readonly retainUntil: string }
  /** The store supports Object Lock but this version carries no retention. */
  | 'none'
  /** The store cannot report retention (no Object Lock configuration, or a local server). */
  | 'unavailable';

export interface AuditObjectReader {
  /** Every version under the prefix (latest versions only where the store has no versioning). */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** The bytes of one version, or null when it does not exist. */
  get(key: string, versionId: string | null): Promise<Uint8Array | null>;
}

export interface DigestWriter {
  /** Create-only write: 'exists' when a digest for that key is already stored. */
  putDigest(key: string, bytes: Uint8Array): Promise<'written' | 'exists'>;
}
