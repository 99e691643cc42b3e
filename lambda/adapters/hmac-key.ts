import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The deployment HMAC key for the `hash` redaction action: a generated Secrets Manager secret (≥ 32 bytes). */
export async function loadHmacKey(client: SecretsManagerClient, secretId: string): Promise<Uint8Array> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const key = out.SecretString ? Buffer.from(out.SecretString, 'utf8') : out.SecretBinary ? Buffer.from(out.SecretBinary) : undefined;
  if (!key || key.length < 32) throw new Error(`HMAC secret ${secretId} must hold at least 32 bytes`);
  return key;
}
