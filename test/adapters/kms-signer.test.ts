import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import fc from 'fast-check';
import { compactVerify, importSPKI } from 'jose';
import { derToJose, KmsSigner } from '../../lambda/adapters/kms-signer';
import { actionHash, DecisionTokenVerifier, signDecisionToken } from '../../lambda/core/tokens';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
/** Messages the test signed, by SHA-256, so DIGEST requests get a real signature too. */
const byDigest = new Map<string, Buffer>();

beforeEach(() => {
  kms.reset();
  // Real DER ECDSA signatures from node:crypto, as KMS returns them.
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string }) => {
    const message = input.MessageType === 'RAW' ? Buffer.from(input.Message) : byDigest.get(Buffer.from(input.Message).toString('hex'))!;
    return { Signature: sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }), SigningAlgorithm: 'ECDSA_SHA_256', KeyId: KEY_ARN };
  });
  kms.on(GetPublicKeyCommand).resolves({ KeyId: KEY_ARN, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', PublicKey: spkiDer });
});

describe('KmsSigner', () => {
  it('produces ES256 JWS signatures that jose verifies with the KMS public key', async () => {
    // Prepare
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    const params = { recordId: '0061', NextStep: 'Call' };
    const token = await signDecisionToken(
      signer,
      { iss: 'i', aud: 'a', sub: 's', act: 'ProposeUpdate', res: { type: 'Opportunity', id: '0061' }, ahash: actionHash(params), pv: 'v', did: 'd' },
      { ttlSeconds: 60 },
    );

    // Act
    const verified = await compactVerify(token, await importSPKI(await signer.publicKeyPem(), 'ES256'));
    const store = { markUsed: async () => true };
    const claims = await new DecisionTokenVerifier({ keys: { [KEY_ARN]: await signer.publicKeyPem() }, issuer: 'i', audience: 'a', jtiStore: store }).verify(token, {
      act: 'ProposeUpdate',
      res: { type: 'Opportunity', id: '0061' },
      params,
    });

    // Assess
    expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', kid: KEY_ARN });
    expect(claims.sub).toBe('s');
    expect(kms).toHaveReceivedCommandWith(SignCommand, { KeyId: KEY_ARN, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' });
  });

  it('signs messages above 4096 bytes as a SHA-256 digest', async () => {
    // Prepare
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    const message = Buffer.alloc(5000, 7);
    const digest = createHash('sha256').update(message).digest();
    byDigest.set(digest.toString('hex'), message);

    // Act
    const signature = await signer.sign(message);

    // Assess
    expect(kms).toHaveReceivedCommandWith(SignCommand, { MessageType: 'DIGEST', Message: new Uint8Array(digest) });
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('calls GetPublicKey once and serves the PEM from cache afterwards', async () => {
    // Prepare
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

    // Act
    const pems = await Promise.all([signer.publicKeyPem(), signer.publicKeyPem(), signer.publicKeyPem()]);

    // Assess
    expect(kms).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
    expect(createPublicKey(pems[0]).export({ type: 'spki', format: 'der' })).toEqual(spkiDer);
  });

  it('refuses a key that is not an ECC P-256 signing key', async () => {
    // Prepare
    kms.on(GetPublicKeyCommand).resolves({ KeyId: KEY_ARN, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', PublicKey: spkiDer });
    const signer = new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

    // Act + Assess
    await expect(signer.publicKeyPem()).rejects.toThrow('must be ECC_NIST_P256 with SIGN_VERIFY usage, got RSA_2048/SIGN_VERIFY');
  });
});

describe('derToJose', () => {
  it('converts any DER P-256 signature to the r||s that verifies', () => {
    // Act + Assess
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (data) => {
        const der = sign('sha256', data, { key: privateKey, dsaEncoding: 'der' });
        const jose = derToJose(der);
        expect(jose).toHaveLength(64);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects malformed DER with a typed error', () => {
    // Prepare
    const der = sign('sha256', Buffer.from('x'), { key: privateKey, dsaEncoding: 'der' });

    // Act + Assess
    fc.assert(
      fc.property(fc.nat({ max: der.length - 1 }), (cut) => {
        expect(() => derToJose(der.subarray(0, cut))).toThrow('malformed ECDSA signature');
      }),
    );
    expect(() => derToJose(Buffer.concat([der, Buffer.from([0])]))).toThrow('malformed ECDSA signature');
  });
});
