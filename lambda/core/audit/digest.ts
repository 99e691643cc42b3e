/**
 * Signed, chained digest files, as CloudTrail log-file validation does it. A digest lists every
 * audit object version that arrived in its period with the object's SHA-256, and links to the
 * previous digest by key, SHA-256 of its stored bytes and signature, so deleting, altering,
 * inserting or reordering anything (events or digests) breaks a hash, a link or a signature.
 *
 * Stored form: RFC 8785 canonical JSON (UTF-8). Signature: ECDSA P-256 over SHA-256 of the
 * canonical JSON of the digest without its `signature` member, encoded as base64 of the raw
 * 64-byte r||s (IEEE P1363, as JOSE ES256); KMS ECDSA_SHA_256 DER signatures are converted by
 * the KMS signer.
 */
import * as z from 'zod/mini';
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { BridgeError } from '../errors';
import type { Signer } from '../signer';
import '../validation';  // zod's English messages

export const DIGEST_SCHEMA_VERSION = 1;
export const DIGEST_SIGNATURE_ALGORITHM = 'ECDSA_P256_SHA256_P1363';

const isoTime = z.iso.datetime({ offset: false, precision: 3 });
const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

const DigestObjectSchema = z.strictObject({
  key: text(1024),
  /** null where the store has no versioning (the local S3 server). */
  versionId: z.nullable(text(1024)),
  sha256: hex64,
  size: z.int().check(z.minimum(0)),
  lastModified: isoTime,
});

const DigestLinkSchema = z.strictObject({ key: z.string().check(z.minLength(1)), sha256: hex64, signature: z.base64() });

export const AuditDigestSchema = z.strictObject({
  schemaVersion: z.literal(DIGEST_SCHEMA_VERSION),
  period: z.strictObject({ start: isoTime, end: isoTime }),
  objects: z.array(DigestObjectSchema),
  previous: z.nullable(DigestLinkSchema),
  bridgeVersion: text(64),
  keyId: text(2048),
  signatureAlgorithm: z.literal(DIGEST_SIGNATURE_ALGORITHM),
  signature: z.base64(),
});

export type AuditDigest = z.infer<typeof AuditDigestSchema>;
export type DigestObject = z.infer<typeof DigestObjectSchema>;
export type DigestLink = z.infer<typeof DigestLinkSchema>;
export type UnsignedDigest = Omit<AuditDigest, 'signature'>;

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Identity of one object version across digests and listings. */
export const objectId = (o: { key: string; versionId: string | null }): string => `${o.key}#${o.versionId ?? 'null'}`;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface DigestInput {
  period: { start: Date; end: Date };
  objects: readonly DigestObject[];
  /** Link to the previous digest, or null for the first digest of a chain. */
  previous: DigestLink | null;
  bridgeVersion: string;
  keyId: string;
}

/** Builds the unsigned digest; objects in arrival order (then key, version) for stable files. */
export function buildDigest(input: DigestInput): UnsignedDigest {
  if (input.period.end.getTime() <= input.period.start.getTime()) {
    throw new BridgeError('VALIDATION_FAILED', 'digest period must end after it starts');
  }
  const objects = [...input.objects].sort(
    (a, b) => a.lastModified.localeCompare(b.lastModified) || a.key.localeCompare(b.key) || objectId(a).localeCompare(objectId(b)),
  );
  return {
    schemaVersion: DIGEST_SCHEMA_VERSION,
    period: { start: input.period.start.toISOString(), end: input.period.end.toISOString() },
    objects,
    previous: input.previous,
    bridgeVersion: input.bridgeVersion,
    keyId: input.keyId,
    signatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
  };
}

/** The bytes the signature covers: canonical JSON of everything but `signature`. */
export function signingPayload(d: UnsignedDigest): Uint8Array {
  const { signature: _ignored, ...unsigned } = d as AuditDigest;
  return utf8(canonicalize(unsigned) as string);
}

/** Signs and serialises; `bytes` is exactly what is stored and what the next digest hashes. */
export async function signDigest(d: UnsignedDigest, signer: Signer): Promise<{ digest: AuditDigest; bytes: Uint8Array }> {
  const raw = await signer.sign(signingPayload(d));
  if (raw.length !== 64) {
    throw new BridgeError('INTERNAL', `signer ${signer.keyId} returned ${raw.length} bytes; digests need raw 64-byte r||s`);
  }
  const digest: AuditDigest = { ...d, signature: Buffer.from(raw).toString('base64') };
  return { digest, bytes: serialiseDigest(digest) };
}

export const serialiseDigest = (d: AuditDigest): Uint8Array => utf8(canonicalize(d) as string);

/** Parses stored digest bytes; the reason names what is wrong, for the verification report. */
export function parseDigest(bytes: Uint8Array): { ok: true; digest: AuditDigest } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: 'not UTF-8 JSON' };
  }
  const parsed = AuditDigestSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, digest: parsed.data }
    : { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

export const linkTo = (key: string, bytes: Uint8Array, d: AuditDigest): DigestLink => ({
  key,
  sha256: sha256Hex(bytes),
  signature: d.signature,
});

/** True when the digest's signature verifies with the given public key (SPKI PEM or parsed). */
export function verifyDigestSignature(d: AuditDigest, publicKey: string | KeyObject): boolean {
  const sig = Buffer.from(d.signature, 'base64');
  if (sig.length !== 64) return false;
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return verify('sha256', signingPayload(d), { key, dsaEncoding: 'ieee-p1363' }, sig);
}
