/**
 * The tokenize vault: originals envelope-encrypted in DynamoDB, keyed by scope and
 * placeholder, with a TTL attribute. Expiry is also checked on read, since DynamoDB
 * deletes expired items lazily. The ciphertext is bound to its scope and placeholder
 * (AAD and KMS encryption context), so an item copied to another key does not decrypt.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../core/constants';
import { BridgeError } from '../core/errors';
import type { VaultEntry } from '../core/redaction/entities';
import { placeholdersIn, reidentify } from '../core/redaction/placeholders';
import { open, seal, type DataKeyProvider } from './vault-crypto';

export interface Vault {
  put(scope: string, entries: VaultEntry[], ttlSeconds: number): Promise<void>;
  reidentify(text: string, scope: string): Promise<string>;
}

const PK_PREFIX = 'vault#';
const MAX_ATTEMPTS = 5;
const aad = (scope: string, placeholder: string) => Buffer.from(`${scope}\n${placeholder}`, 'utf8');

export class DynamoDbVault implements Vault {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly keys: DataKeyProvider,
    private readonly now: () => number = Date.now,
  ) {}

  async put(scope: string, entries: VaultEntry[], ttlSeconds: number): Promise<void> {
    if (!scope) throw new BridgeError('VALIDATION_FAILED', 'Vault scope must be non-empty');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > 30 * 86400) {
      throw new BridgeError('VALIDATION_FAILED', 'Vault TTL must be a whole number of seconds between 1 and 2592000');
    }
    if (entries.length === 0) return;
    const key = await this.keys.generate({ scope });
    const expiresAt = Math.floor(this.now() / 1000) + ttlSeconds;
    // A batch may not name one key twice; the same placeholder always carries the same value in a scope.
    const unique = [...new Map(entries.map((e) => [e.placeholder, e])).values()];
    const items = unique.map((e) => ({
      [TABLE_KEYS.PARTITION]: PK_PREFIX + scope,
      [TABLE_KEYS.SORT]: e.placeholder,
      ct: seal(key.plaintext, Buffer.from(e.value, 'utf8'), aad(scope, e.placeholder)),
      dk: key.wrapped,
      [TABLE_KEYS.TTL]: expiresAt,
    }));
    for (let i = 0; i < items.length; i += 25) {
      let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === MAX_ATTEMPTS) throw new BridgeError('INTERNAL', 'Vault write throttled: entries not stored');
        const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (res.UnprocessedItems?.[this.table] ?? []) as typeof pending;
      }
    }
  }

  async reidentify(text: string, scope: string): Promise<string> {
    const wanted = placeholdersIn(text);
    if (wanted.length === 0 || !scope) return text;
    const found = new Map<string, string>();
    const unwrapped = new Map<string, Uint8Array>();
    const nowSec = Math.floor(this.now() / 1000);
    for (let i = 0; i < wanted.length; i += 100) {
      let keys: Record<string, unknown>[] = wanted.slice(i, i + 100).map((p) => ({ [TABLE_KEYS.PARTITION]: PK_PREFIX + scope, [TABLE_KEYS.SORT]: p }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === MAX_ATTEMPTS) throw new BridgeError('INTERNAL', 'Vault read throttled');
        const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of res.Responses?.[this.table] ?? []) {
          if (item[TABLE_KEYS.PARTITION] !== PK_PREFIX + scope || Number(item[TABLE_KEYS.TTL]) <= nowSec) continue;
          const wrapped = item.dk as Uint8Array;
          const cacheKey = Buffer.from(wrapped).toString('base64');
          let dataKey = unwrapped.get(cacheKey);
          if (!dataKey) {
            dataKey = await this.keys.unwrap(wrapped, { scope });
            unwrapped.set(cacheKey, dataKey);
          }
          const placeholder = String(item[TABLE_KEYS.SORT]);
          found.set(placeholder, Buffer.from(open(dataKey, item.ct as Uint8Array, aad(scope, placeholder))).toString('utf8'));
        }
        keys = (res.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return reidentify(text, (p) => found.get(p));
  }
}
