import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import {
  type CredentialRotator,
  parseRotationEvent,
  ROTATION_STEPS,
  type RotationSecretStore,
  type RotationStep,
  runRotationStep,
  type SecretCodec,
  type SecretMetadata,
  STAGE,
} from '../../../lambda/core/rotation';
import { failure } from '../../support/failure';

interface Cred {
  readonly id: string;
}

/** Secrets Manager's staging semantics in memory: one label per version at a time, AWSPREVIOUS follows AWSCURRENT. */
class MemoryStore implements RotationSecretStore {
  rotationEnabled = true;
  failPut = false;
  readonly versions = new Map<string, { value?: string; stages: Set<string> }>();

  constructor(initial: string) {
    this.versions.set('v-initial', { value: initial, stages: new Set([STAGE.CURRENT]) });
  }

  /** What RotateSecret does before invoking createSecret: a value-less version labelled AWSPENDING. */
  start(token: string): void {
    this.label(STAGE.PENDING, token);
  }

  async describe(): Promise<SecretMetadata> {
    const versions: Record<string, string[]> = {};
    for (const [id, v] of this.versions) if (v.stages.size > 0) versions[id] = [...v.stages];
    return { rotationEnabled: this.rotationEnabled, versions };
  }

  async value(_: string, ref: { versionId?: string; stage: string }): Promise<string | undefined> {
    const entry = ref.versionId ? this.versions.get(ref.versionId) : [...this.versions.values()].find((v) => v.stages.has(ref.stage));
    return entry?.stages.has(ref.stage) ? entry.value : undefined;
  }

  async putPending(_: string, token: string, value: string): Promise<void> {
    if (this.failPut) throw new Error('throttled');
    const existing = this.versions.get(token);
    if (existing?.value !== undefined && existing.value !== value) throw new Error('ResourceExistsException');
    this.label(STAGE.PENDING, token);
    (this.versions.get(token) as { value?: string }).value = value;
  }

  async promote(_: string, token: string, from: string | undefined): Promise<void> {
    if (from) this.label(STAGE.PREVIOUS, from);
    this.label(STAGE.CURRENT, token);
    this.versions.get(token)?.stages.delete(STAGE.PENDING);
  }

  current(): string | undefined {
    return [...this.versions.values()].find((v) => v.stages.has(STAGE.CURRENT))?.value;
  }

  private label(stage: string, versionId: string): void {
    for (const v of this.versions.values()) v.stages.delete(stage);
    const entry = this.versions.get(versionId) ?? { stages: new Set<string>() };
    entry.stages.add(stage);
    this.versions.set(versionId, entry);
  }
}

/** A credential provider: credentials work while live; `broken` ones are issued but refused. */
class MemoryRotator implements CredentialRotator<Cred> {
  readonly live = new Set<string>(['cred-0']);
  readonly broken = new Set<string>();
  readonly revoked: string[] = [];
  issued = 0;
  breakNext = false;

  async issue(): Promise<Cred> {
    const id = `cred-${++this.issued}`;
    this.live.add(id);
    if (this.breakNext) this.broken.add(id);
    return { id };
  }

  async verify(c: Cred): Promise<void> {
    if (!this.live.has(c.id) || this.broken.has(c.id)) throw new BridgeError('CRM_REJECTED', 'refused');
  }

  async revoke(previous: Cred, current: Cred): Promise<void> {
    if (previous.id === current.id) return;
    this.live.delete(previous.id);
    this.revoked.push(previous.id);
  }
}

const codec: SecretCodec<Cred> = { parse: (t) => JSON.parse(t) as Cred, format: (c) => JSON.stringify(c) };
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:crm/read';
const TOKEN = '6f1c2a8e-0b7d-4c35-9a51-2d0e4b7f9c13';

function setup() {
  const store = new MemoryStore(JSON.stringify({ id: 'cred-0' }));
  const rotator = new MemoryRotator();
  const step = (s: RotationStep, token = TOKEN) => runRotationStep({ store, rotator, codec }, { secretId: SECRET, token, step: s });
  return { store, rotator, step };
}

describe('runRotationStep', () => {
  it('rotates in the new credential and revokes the old one only after it is current', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    store.start(TOKEN);

    // Act
    const outcomes = [];
    for (const s of ROTATION_STEPS) {
      if (s === 'finishSecret') expect(rotator.revoked).toEqual([]);
      outcomes.push(await step(s));
    }

    // Assess
    expect(outcomes).toEqual([['created'], ['set'], ['tested'], ['promoted', 'previous-revoked']]);
    expect(store.current()).toBe(JSON.stringify({ id: 'cred-1' }));
    expect([...store.versions.get('v-initial')!.stages]).toEqual([STAGE.PREVIOUS]);
    expect([...store.versions.get(TOKEN)!.stages]).toEqual([STAGE.CURRENT]);
    expect(rotator.revoked).toEqual(['cred-0']);
    expect([...rotator.live]).toEqual(['cred-1']);
  });

  it('ends in the same state when every step is run twice', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    store.start(TOKEN);

    // Act
    const outcomes = [];
    for (const s of ROTATION_STEPS) outcomes.push(await step(s), await step(s));

    // Assess
    expect(outcomes).toEqual([['created'], ['pending-exists'], ['set'], ['set'], ['tested'], ['tested'], ['promoted', 'previous-revoked'], ['already-current', 'previous-revoked']]);
    expect(rotator.issued).toBe(1);
    expect(store.current()).toBe(JSON.stringify({ id: 'cred-1' }));
    expect([...rotator.live]).toEqual(['cred-1']);
  });

  it('finishes a revocation that failed after the promotion when finishSecret is retried', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    store.start(TOKEN);
    for (const s of ROTATION_STEPS.slice(0, 3)) await step(s);
    const revoke = rotator.revoke.bind(rotator);
    rotator.revoke = async () => {
      throw new BridgeError('CRM_UNAVAILABLE', 'down');
    };

    // Act
    const first = await failure(step('finishSecret'));
    rotator.revoke = revoke;
    const retried = await step('finishSecret');

    // Assess
    expect(first.code).toBe('CRM_UNAVAILABLE');
    expect(retried).toEqual(['already-current', 'previous-revoked']);
    expect(store.current()).toBe(JSON.stringify({ id: 'cred-1' }));
    expect([...rotator.live]).toEqual(['cred-1']);
  });

  it('leaves the current version in place and revokes nothing when the pending credential fails its test', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    rotator.breakNext = true;
    store.start(TOKEN);
    await step('createSecret');
    await step('setSecret');

    // Act
    const error = await failure(step('testSecret'));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(store.current()).toBe(JSON.stringify({ id: 'cred-0' }));
    expect(rotator.revoked).toEqual([]);
    expect(rotator.live.has('cred-0')).toBe(true);
  });

  it('refuses every step when rotation is not enabled on the secret', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    store.start(TOKEN);
    store.rotationEnabled = false;

    // Act
    const errors = await Promise.all(ROTATION_STEPS.map((s) => failure(step(s))));

    // Assess
    for (const e of errors) expect(e).toMatchObject({ code: 'CONFLICT', message: `rotation is not enabled on secret ${SECRET}` });
    expect(rotator.issued).toBe(0);
  });

  it('refuses a token that is not a version of the secret, or not the pending one', async () => {
    // Prepare
    const { store, step } = setup();
    store.start(TOKEN);
    const other = 'a6f0bd2c-3c4e-4f1a-8e52-77b9d1e04c21';

    // Act
    const unknown = await failure(step('createSecret', other));
    for (const s of ROTATION_STEPS) await step(s);
    const previous = await failure(step('createSecret', 'v-initial'));

    // Assess
    expect(unknown.message).toBe(`secret ${SECRET} has no version ${other} to rotate`);
    expect(previous.message).toBe(`version v-initial of secret ${SECRET} is not staged AWSPENDING`);
  });

  it('withdraws an issued credential the store failed to keep', async () => {
    // Prepare
    const { store, rotator, step } = setup();
    store.start(TOKEN);
    store.failPut = true;

    // Act
    const error = await failure(step('createSecret'));

    // Assess
    expect(error.message).toBe('throttled');
    expect(rotator.revoked).toEqual(['cred-1']);
    expect([...rotator.live]).toEqual(['cred-0']);
  });

  it('refuses to finish a rotation whose pending version holds the current credential', async () => {
    // Prepare
    const { store, step } = setup();
    store.start(TOKEN);
    await store.putPending(SECRET, TOKEN, JSON.stringify({ id: 'cred-0' }));

    // Act
    const error = await failure(step('setSecret'));

    // Assess
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/holds the current credential/);
  });
});

describe('parseRotationEvent', () => {
  const token = fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  it('accepts every well-formed Secrets Manager event', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), token, fc.constantFrom(...ROTATION_STEPS), (secretId, t, s) => {
        // Prepare / Act
        const req = parseRotationEvent({ SecretId: secretId, ClientRequestToken: t, Step: s, RotationToken: 'ignored' });

        // Assess
        expect(req).toEqual({ secretId, token: t, step: s });
      }),
    );
  });

  it('refuses events with a missing or wrong field, naming the field', () => {
    fc.assert(
      fc.property(
        token,
        fc.constantFrom('SecretId', 'ClientRequestToken', 'Step'),
        fc.constantFrom(undefined, '', 42, 'rotateEverything'),
        (t, field, bad) => {
          // Prepare
          const event: Record<string, unknown> = { SecretId: SECRET, ClientRequestToken: t, Step: 'createSecret', [field]: bad };
          fc.pre(!(field === 'SecretId' && bad === 'rotateEverything'));

          // Act
          let error: unknown;
          try {
            parseRotationEvent(event);
          } catch (e) {
            error = e;
          }

          // Assess
          expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: `not a Secrets Manager rotation event: invalid ${field}` });
        },
      ),
    );
  });
});
