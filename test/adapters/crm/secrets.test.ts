import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { secretsManagerCredentials } from '../../../lambda/adapters/crm/secrets';
import { failure } from '../../support/failure';

const sm = mockClient(SecretsManagerClient);
const secret = { clientId: 'cid', clientSecret: 's3cr3t-value', tokenUrl: 'https://login.example/services/oauth2/token', instanceUrl: 'https://crm.example' };

describe('secretsManagerCredentials', () => {
  beforeEach(() => sm.reset());

  it('reads the secret once per TTL and again after it', async () => {
    // Prepare
    let now = 0;
    sm.on(GetSecretValueCommand, { SecretId: 'crm/read' }).resolves({ SecretString: JSON.stringify(secret) });
    const load = secretsManagerCredentials({ secretId: 'crm/read', client: new SecretsManagerClient({}), ttlMs: 1000, now: () => now });

    // Act
    const first = await load();
    await Promise.all([load(), load()]);
    now = 1000;
    await load();

    // Assess
    expect(first).toEqual(secret);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads the secret past the cache when asked for a fresh value', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify(secret) }).resolves({ SecretString: JSON.stringify({ ...secret, clientSecret: 'rotated' }) });
    const load = secretsManagerCredentials({ secretId: 'crm/read', client: new SecretsManagerClient({}), ttlMs: 60_000, now: () => 0 });

    // Act
    const cached = await load();
    const fresh = await load({ fresh: true });
    const after = await load();

    // Assess
    expect(cached.clientSecret).toBe('s3cr3t-value');
    expect(fresh.clientSecret).toBe('rotated');
    expect(after.clientSecret).toBe('rotated');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('names the invalid path of a malformed secret but never its values', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...secret, tokenUrl: 'not a url' }) });

    // Act
    const error = await failure(secretsManagerCredentials({ secretId: 'x', client: new SecretsManagerClient({}) })());

    // Assess
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe('the CRM credentials secret is invalid at: tokenUrl');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('reports a secret that is not JSON, and a failed read, without caching either', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 's3cr3t-value' }).rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })).resolves({ SecretString: JSON.stringify(secret) });
    const load = secretsManagerCredentials({ secretId: 'x', client: new SecretsManagerClient({}) });

    // Act
    const notJson = await failure(load());
    const denied = await failure(load());
    const third = await load();

    // Assess
    expect(notJson.message).toBe('the CRM credentials secret is not JSON');
    expect(denied.message).toBe('CRM credentials could not be read from Secrets Manager (AccessDeniedException)');
    expect(third).toEqual(secret);
  });
});
