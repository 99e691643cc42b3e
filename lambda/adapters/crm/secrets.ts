import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BridgeError } from '../../core/errors';
import { type CredentialsLoader, type CrmCredentials, CrmCredentialsSchema } from './types';

export interface SecretCredentialsOptions {
  readonly secretId: string;
  readonly client?: SecretsManagerClient;
  /** How long a read secret is reused (default 60 s); a connector whose token request is refused reads it again at once. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Loads CRM credentials (JSON, see CrmCredentialsSchema) from Secrets Manager, cached
 * briefly; `{ fresh: true }` skips the cache. A malformed secret fails with INTERNAL naming
 * only the problem's path, never a value.
 */
export function secretsManagerCredentials(options: SecretCredentialsOptions): CredentialsLoader {
  const client = options.client ?? new SecretsManagerClient({});
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: { value: CrmCredentials; at: number } | undefined;
  let pending: Promise<CrmCredentials> | undefined;

  const load = async (): Promise<CrmCredentials> => {
    let text: string | undefined;
    try {
      text = (await client.send(new GetSecretValueCommand({ SecretId: options.secretId }))).SecretString;
    } catch (e) {
      throw new BridgeError('INTERNAL', `CRM credentials could not be read from Secrets Manager (${(e as Error).name})`);
    }
    const value = parseCrmCredentials(text ?? '');
    cached = { value, at: now() };
    return value;
  };

  return async (read) => {
    if (!read?.fresh && cached && now() - cached.at < ttlMs) return cached.value;
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** A secret's text as CRM credentials; failures name only the problem's path, never a value. */
export function parseCrmCredentials(text: string): CrmCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BridgeError('INTERNAL', 'the CRM credentials secret is not JSON');
  }
  const result = CrmCredentialsSchema.safeParse(parsed);
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new BridgeError('INTERNAL', `the CRM credentials secret is invalid at: ${paths.join(', ')}`);
  }
  return result.data;
}
