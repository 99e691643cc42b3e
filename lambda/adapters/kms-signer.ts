import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { BridgeError } from '../core/errors';
import type { Signer } from '../core/signer';

/** KMS accepts RAW messages up to 4096 bytes; longer ones are signed as a SHA-256 digest. */
const KMS_RAW_LIMIT = 4096;
const P256_COORDINATE = 32;

/**
 * Converts an ASN.1 DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }), as KMS returns
 * it, to the fixed 64-byte r||s that JWS ES256 uses.
 */
export function derToJose(der: Uint8Array): Uint8Array {
  const fail = (why: string) => new BridgeError('INTERNAL', `KMS returned a malformed ECDSA signature: ${why}`);
  let pos = 0;
  const readLength = (): number => {
    const first = der[pos++];
    if (first === undefined) throw fail('truncated');
    if (first < 0x80) return first;
    if (first !== 0x81) throw fail('unexpected length encoding');
    const len = der[pos++];
    if (len === undefined || len < 0x80) throw fail('non-minimal length');
    return len;
  };
  if (der[pos++] !== 0x30) throw fail('not a SEQUENCE');
  if (readLength() !== der.length - pos) throw fail('SEQUENCE length mismatch');
  const out = new Uint8Array(2 * P256_COORDINATE);
  for (const offset of [0, P256_COORDINATE]) {
    if (der[pos++] !== 0x02) throw fail('not an INTEGER');
    const len = readLength();
    let int = der.subarray(pos, pos + len);
    if (int.length !== len || len === 0) throw fail('truncated INTEGER');
    pos += len;
    // DER adds a 0x00 when the high bit is set; strip it, then left-pad to 32 bytes.
    while (int.length > P256_COORDINATE && int[0] === 0) int = int.subarray(1);
    if (int.length > P256_COORDINATE) throw fail('INTEGER longer than 32 bytes');
    out.set(int, offset + P256_COORDINATE - int.length);
  }
  if (pos !== der.length) throw fail('trailing bytes');
  return out;
}

/** The asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) as a Signer; its public key is fetched once. */
export class KmsSigner implements Signer {
  private publicKey?: Promise<string>;

  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {}

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const raw = data.length <= KMS_RAW_LIMIT;
    const out = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        SigningAlgorithm: 'ECDSA_SHA_256',
        MessageType: raw ? 'RAW' : 'DIGEST',
        Message: raw ? data : createHash('sha256').update(data).digest(),
      }),
    );
    if (!out.Signature) throw new BridgeError('INTERNAL', `KMS Sign on ${this.keyId} returned no signature`);
    return derToJose(out.Signature);
  }

  publicKeyPem(): Promise<string> {
    this.publicKey ??= this.fetchPublicKey().catch((e: unknown) => {
      this.publicKey = undefined; // a transient failure must not be cached
      throw e;
    });
    return this.publicKey;
  }

  private async fetchPublicKey(): Promise<string> {
    const out = await this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (out.KeySpec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || !out.PublicKey) {
      throw new BridgeError('INTERNAL', `KMS key ${this.keyId} must be ECC_NIST_P256 with SIGN_VERIFY usage, got ${out.KeySpec}/${out.KeyUsage}`);
    }
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
  }
}
