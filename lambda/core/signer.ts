/**
 * ECDSA P-256 signing as both decision tokens (ES256) and audit digests need it.
 * Implementations: AWS KMS (asymmetric CMK) and a local key (tests, local runtime).
 */
export interface Signer {
  /** Key identifier put in JWS `kid` and digest files. */
  readonly keyId: string;
  /** Signs SHA-256(data); returns the raw 64-byte r||s (JOSE) signature. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** The public key as SPKI PEM, for verifiers that cache it. */
  publicKeyPem(): Promise<string>;
}
