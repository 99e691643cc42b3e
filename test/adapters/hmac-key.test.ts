import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { loadHmacKey } from '../../lambda/adapters/hmac-key';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bridge-hmac-AbCdEf';
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => secrets.reset());

describe('loadHmacKey', () => {
  it('returns the bytes of a string secret of at least 32 bytes', async () => {
    // Prepare
    const value = 'k'.repeat(40);
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: value });
    // Act
    const key = await loadHmacKey(new SecretsManagerClient({}), SECRET);
    // Assess
    expect(Buffer.from(key).toString('utf8')).toBe(value);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET });
  });

  it('returns the bytes of a binary secret', async () => {
    // Prepare
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: bytes });
    // Act
    const key = await loadHmacKey(new SecretsManagerClient({}), SECRET);
    // Assess
    expect([...key]).toEqual([...bytes]);
  });

  it.each([
    ['a short string', { SecretString: 'x'.repeat(31) }],
    ['a short binary', { SecretBinary: new Uint8Array(16) }],
    ['an empty secret', {}],
  ])('refuses %s, naming the secret but not its value', async (_what, output) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(output);
    // Act
    const load = loadHmacKey(new SecretsManagerClient({}), SECRET);
    // Assess
    await expect(load).rejects.toThrow(`HMAC secret ${SECRET} must hold at least 32 bytes`);
  });

  it('lets a Secrets Manager failure propagate so that the function init fails', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    // Act
    const load = loadHmacKey(new SecretsManagerClient({}), SECRET);
    // Assess
    await expect(load).rejects.toThrow('denied');
  });
});
