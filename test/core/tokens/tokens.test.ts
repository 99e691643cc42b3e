import { createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { LocalSigner } from '../../../lambda/adapters/local-signer';
import { BridgeError } from '../../../lambda/core/errors';
import {
  actionHash,
  DecisionTokenVerifier,
  signDecisionToken,
  type DecisionTokenInput,
  type ExecutedAction,
  type JtiStore,
} from '../../../lambda/core/tokens';

/** Hand-written single-use store for unit tests. */
class MemoryJtiStore implements JtiStore {
  readonly used = new Map<string, number>();
  async markUsed(jti: string, expiresAt: number): Promise<boolean> {
    if (this.used.has(jti)) return false;
    this.used.set(jti, expiresAt);
    return true;
  }
}

const NOW = new Date('2025-06-01T12:00:00Z');
const params = { object: 'Opportunity', recordId: '0061', fields: { NextStep: 'Call back', Amount: 1200.5 } };
const executed: ExecutedAction = { act: 'ProposeUpdate', res: { type: 'Opportunity', id: '0061' }, params };
const input: DecisionTokenInput = {
  iss: 'bridge-approval',
  aud: 'bridge-connector',
  sub: 'agent-sales-1',
  act: 'ProposeUpdate',
  res: { type: 'Opportunity', id: '0061' },
  ahash: actionHash(params),
  pv: 'sha256-abc',
  did: 'decision-1',
  apr: 'approval-1',
};

const signer = new LocalSigner('key-1');
let publicPem: string;
beforeAll(async () => {
  publicPem = await signer.publicKeyPem();
});

function verifier(overrides: Partial<ConstructorParameters<typeof DecisionTokenVerifier>[0]> = {}, at: Date = NOW) {
  const store = new MemoryJtiStore();
  const v = new DecisionTokenVerifier({ keys: { 'key-1': publicPem }, issuer: input.iss, audience: input.aud, jtiStore: store, now: () => at, ...overrides });
  return { v, store };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (token: string) => token.split('.');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());

async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('decision tokens', () => {
  it('verifies a fresh token for exactly the approved action and returns its claims', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 120, now: NOW });
    const { v, store } = verifier();

    // Act
    const claims = await v.verify(token, executed);

    // Assess
    expect(claims).toMatchObject({ ...input, iat: NOW.getTime() / 1000, nbf: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 120 });
    expect(decode(parts(token)[0])).toEqual({ alg: 'ES256', typ: 'decision+jwt', kid: 'key-1' });
    expect(store.used.get(claims.jti)).toBe(claims.exp);
  });

  it('refuses a ttl above 300 seconds when signing', async () => {
    // Act
    const e = await rejection(signDecisionToken(signer, input, { ttlSeconds: 301 }));

    // Assess
    expect(e.code).toBe('VALIDATION_FAILED');
  });

  it('rejects a second use of the same token as TOKEN_REPLAYED', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const { v } = verifier();
    await v.verify(token, executed);

    // Act
    const e = await rejection(v.verify(token, executed));

    // Assess
    expect(e.code).toBe('TOKEN_REPLAYED');
  });

  it.each([
    ['expired (beyond the 5 s clock tolerance)', 66_000, /expired/],
    ['not yet valid', -60_000, /not yet valid/],
  ])('rejects a token that is %s', async (_label, offsetMs, reason) => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const { v } = verifier({}, new Date(NOW.getTime() + offsetMs));

    // Act
    const e = await rejection(v.verify(token, executed));

    // Assess
    expect(e.code).toBe('TOKEN_INVALID');
    expect(e.message).toMatch(reason);
  });

  it('rejects wrong audience, wrong issuer, unknown kid and a different key', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const impostor = await signDecisionToken(new LocalSigner('key-1'), input, { ttlSeconds: 60, now: NOW });
    const unknownKid = await signDecisionToken(new LocalSigner('key-2'), input, { ttlSeconds: 60, now: NOW });

    // Act
    const reasons = await Promise.all([
      rejection(verifier({ audience: 'other-connector' }).v.verify(token, executed)),
      rejection(verifier({ issuer: 'someone-else' }).v.verify(token, executed)),
      rejection(verifier().v.verify(unknownKid, executed)),
      rejection(verifier().v.verify(impostor, executed)),
    ]);

    // Assess
    expect(reasons.map((e) => e.details?.reason)).toEqual([
      expect.stringMatching(/^wrong aud/),
      expect.stringMatching(/^wrong iss/),
      'unknown kid "key-2"',
      'bad signature',
    ]);
  });

  it('rejects alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    // Prepare
    const payload = decode(parts(await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW }))[1]);
    const none = `${b64({ alg: 'none', typ: 'decision+jwt', kid: 'key-1' })}.${b64(payload)}.`;
    const hsInput = `${b64({ alg: 'HS256', typ: 'decision+jwt', kid: 'key-1' })}.${b64(payload)}`;
    const hs = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
    const { v } = verifier();

    // Act
    const [e1, e2] = [await rejection(v.verify(none, executed)), await rejection(v.verify(hs, executed))];

    // Assess
    expect(e1.details?.reason).toBe('alg "none" is not allowed; only ES256');
    expect(e2.details?.reason).toBe('alg "HS256" is not allowed; only ES256');
  });

  it('rejects a validly signed token whose lifetime exceeds the maximum', async () => {
    // Prepare: a signer misconfigured to issue 10-minute tokens.
    const claims = { ...input, iat: NOW.getTime() / 1000, nbf: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 600, jti: 'j-long' };
    const signingInput = `${b64({ alg: 'ES256', typ: 'decision+jwt', kid: 'key-1' })}.${b64(claims)}`;
    const token = `${signingInput}.${Buffer.from(await signer.sign(Buffer.from(signingInput))).toString('base64url')}`;

    // Act
    const e = await rejection(verifier().v.verify(token, executed));

    // Assess
    expect(e.code).toBe('TOKEN_INVALID');
  });

  it('does not burn the jti of a token rejected for another reason', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const { v, store } = verifier();

    // Act
    await rejection(v.verify(token, { ...executed, params: { ...params, recordId: '0062' } }));

    // Assess
    expect(store.used.size).toBe(0);
    await expect(v.verify(token, executed)).resolves.toBeDefined();
  });

  it('rejects any change to any claim (re-encoded payload, original signature)', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const [h, p, s] = parts(token);
    const claims = decode(p) as Record<string, unknown>;
    const keys = Object.keys(claims);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), async (key, value) => {
        fc.pre(JSON.stringify(claims[key]) !== JSON.stringify(value));
        const forged = `${h}.${b64({ ...claims, [key]: value })}.${s}`;
        const e = await rejection(verifier().v.verify(forged, executed));
        expect(e.code).toBe('TOKEN_INVALID');
      }),
      { numRuns: 60 },
    );
  });

  it('rejects any change to the signature', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });
    const [h, p, s] = parts(token);
    const sig = Buffer.from(s, 'base64url');

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sig.length - 1 }), fc.integer({ min: 1, max: 255 }), async (i, flip) => {
        const bad = Buffer.from(sig);
        bad[i] ^= flip;
        const e = await rejection(verifier().v.verify(`${h}.${p}.${bad.toString('base64url')}`, executed));
        expect(e.code).toBe('TOKEN_INVALID');
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a token when any action parameter, the action or the resource changes', async () => {
    // Prepare
    const token = await signDecisionToken(signer, input, { ttlSeconds: 60, now: NOW });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (changed) => {
        fc.pre(actionHash(changed) !== input.ahash);
        const e = await rejection(verifier().v.verify(token, { ...executed, params: changed }));
        expect(e.details?.reason).toMatch(/ahash mismatch/);
      }),
      { numRuns: 100 },
    );
    expect((await rejection(verifier().v.verify(token, { ...executed, act: 'ProposeCreate' }))).details?.reason).toMatch(/not ProposeCreate/);
    expect((await rejection(verifier().v.verify(token, { ...executed, res: { type: 'Opportunity', id: '0062' } }))).code).toBe('TOKEN_INVALID');
  });

  it('refuses a verifier key that is not P-256', () => {
    // Prepare
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

    // Act + Assess
    expect(() => verifier({ keys: { k: rsa } })).toThrow('not a P-256 public key');
  });
});

describe('actionHash', () => {
  const shuffle = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(shuffle) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffle(x)])) : v;

  it('is independent of key order (RFC 8785)', () => {
    // Act + Assess
    fc.assert(fc.property(fc.jsonValue(), (v) => expect(actionHash(shuffle(v))).toBe(actionHash(v))));
  });

  it('changes when any field value changes', () => {
    // Act + Assess
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }))), fc.string(), (obj, key) => {
        const changed = { ...obj, [key]: `${JSON.stringify(obj[key])}x` };
        expect(actionHash(changed)).not.toBe(actionHash(obj));
      }),
    );
  });

  it('rejects values that are not JSON data', () => {
    // Act + Assess
    expect(() => actionHash(undefined)).toThrow(BridgeError);
  });
});
