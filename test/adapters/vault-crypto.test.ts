import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsDataKeyProvider, LocalDataKeyProvider, open, seal } from '../../lambda/adapters/vault-crypto';

describe('vault envelope encryption', () => {
  const kms = mockClient(KMSClient);
  beforeEach(() => kms.reset());

  it('asks KMS for an AES-256 data key bound to the scope and unwraps with the same context', async () => {
    // Prepare
    const plaintext = randomBytes(32);
    const wrapped = randomBytes(64);
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: plaintext, CiphertextBlob: wrapped });
    kms.on(DecryptCommand).resolves({ Plaintext: plaintext });
    const provider = new KmsDataKeyProvider(new KMSClient({ region: 'us-east-1' }), 'alias/data');
    // Act
    const key = await provider.generate({ scope: 'conv-1' });
    const back = await provider.unwrap(key.wrapped, { scope: 'conv-1' });
    // Assess
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, { KeyId: 'alias/data', KeySpec: 'AES_256', EncryptionContext: { scope: 'conv-1' } });
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, { KeyId: 'alias/data', EncryptionContext: { scope: 'conv-1' } });
    expect(Buffer.from(back).equals(plaintext)).toBe(true);
  });

  it('fails closed when KMS returns no key', async () => {
    // Prepare
    kms.on(GenerateDataKeyCommand).resolves({});
    const provider = new KmsDataKeyProvider(new KMSClient({ region: 'us-east-1' }), 'alias/data');
    // Act / Assess
    await expect(provider.generate({ scope: 's' })).rejects.toThrow('KMS returned no data key');
  });

  it('local provider refuses to unwrap under another scope', async () => {
    // Prepare
    const provider = new LocalDataKeyProvider(randomBytes(32));
    const key = await provider.generate({ scope: 'a' });
    // Act / Assess
    await expect(provider.unwrap(key.wrapped, { scope: 'b' })).rejects.toThrow();
    expect(Buffer.from(await provider.unwrap(key.wrapped, { scope: 'a' })).equals(Buffer.from(key.plaintext))).toBe(true);
  });

  it('AES-GCM seal detects tampering', () => {
    // Prepare
    const key = randomBytes(32);
    const sealed = Buffer.from(seal(key, Buffer.from('ann@x.io'), Buffer.from('aad')));
    sealed[14] ^= 1;
    // Act / Assess
    expect(() => open(key, sealed, Buffer.from('aad'))).toThrow();
  });
});
