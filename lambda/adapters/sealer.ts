/**
 * Seals small secrets kept in the requests table (a task token, an approved read's result): AES-256-GCM under a
 * fresh data key per value, the data key wrapped by KMS (or the local master key), both bound to a context
 * (request id and purpose) so a sealed value copied to another request or purpose does not open.
 */
import type { SealerPort } from '../core/approvals/ports';
import type { SealedValue } from '../core/requests';
import { open, seal, type DataKeyProvider } from './vault-crypto';

const aad = (context: Record<string, string>): Uint8Array =>
  Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])), 'utf8');

export class DataKeySealer implements SealerPort {
  constructor(private readonly keys: DataKeyProvider) {}

  async seal(plaintext: string, context: Record<string, string>): Promise<SealedValue> {
    const key = await this.keys.generate(context);
    return {
      wrappedKey: Buffer.from(key.wrapped).toString('base64'),
      ciphertext: Buffer.from(seal(key.plaintext, Buffer.from(plaintext, 'utf8'), aad(context))).toString('base64'),
    };
  }

  async open(value: SealedValue, context: Record<string, string>): Promise<string> {
    const key = await this.keys.unwrap(Buffer.from(value.wrappedKey, 'base64'), context);
    return Buffer.from(open(key, Buffer.from(value.ciphertext, 'base64'), aad(context))).toString('utf8');
  }
}
