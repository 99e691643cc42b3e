/**
 * Envelope encryption for vault entries: AES-256-GCM under a per-batch data key; the data
 * key is wrapped by KMS (AWS) or by a local master key (laptop runtime and tests).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { BridgeError } from '../core/errors';

export interface DataKey {
  readonly plaintext: Uint8Array;
  readonly wrapped: Uint8Array;
}

/** Issues and unwraps data keys; `context` binds a wrapped key to its vault scope. */
export interface DataKeyProvider {
  generate(context: Record<string, string>): Promise<DataKey>;
  unwrap(wrapped: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

const IV = 12;
const TAG = 16;

/** iv ‖ ciphertext ‖ tag, with `aad` authenticated. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < IV + TAG) throw new BridgeError('INTERNAL', 'Vault ciphertext is truncated');
  const buf = Buffer.from(sealed);
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV));
  d.setAAD(aad);
  d.setAuthTag(buf.subarray(buf.length - TAG));
  return Buffer.concat([d.update(buf.subarray(IV, buf.length - TAG)), d.final()]);
}

const contextAad = (context: Record<string, string>): Uint8Array =>
  Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])), 'utf8');

/** KMS GenerateDataKey / Decrypt with an encryption context. */
export class KmsDataKeyProvider implements DataKeyProvider {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async generate(context: Record<string, string>): Promise<DataKey> {
    const res = await this.kms.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    if (!res.Plaintext || !res.CiphertextBlob) throw new BridgeError('INTERNAL', 'KMS returned no data key');
    return { plaintext: res.Plaintext, wrapped: res.CiphertextBlob };
  }

  async unwrap(wrapped: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    const res = await this.kms.send(new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: wrapped, EncryptionContext: context }));
    if (!res.Plaintext) throw new BridgeError('INTERNAL', 'KMS returned no plaintext key');
    return res.Plaintext;
  }
}

/** A 32-byte local master key wraps data keys with AES-256-GCM (context as AAD). */
export class LocalDataKeyProvider implements DataKeyProvider {
  private readonly master: Uint8Array;

  constructor(master: Uint8Array) {
    if (master.length !== 32) throw new BridgeError('VALIDATION_FAILED', 'Local vault master key must be 32 bytes');
    this.master = Uint8Array.from(master);
  }

  async generate(context: Record<string, string>): Promise<DataKey> {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: seal(this.master, plaintext, contextAad(context)) };
  }

  async unwrap(wrapped: Uint8Array, context: Record<string, string>): Promise<Uint8Array> {
    return open(this.master, wrapped, contextAad(context));
  }
}
