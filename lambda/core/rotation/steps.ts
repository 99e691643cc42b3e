import { BridgeError } from '../errors';
import { type CredentialRotator, type RotationSecretStore, type RotationStep, type SecretCodec, type SecretMetadata, STAGE, type StepOutcome } from './ports';

export interface RotationDeps<C> {
  readonly store: RotationSecretStore;
  readonly rotator: CredentialRotator<C>;
  readonly codec: SecretCodec<C>;
}

export interface RotationRequest {
  readonly secretId: string;
  /** Secrets Manager's ClientRequestToken: the id of the version being rotated in. */
  readonly token: string;
  readonly step: RotationStep;
}

/**
 * One step of the Secrets Manager rotation contract. Every step may be re-run (Secrets
 * Manager retries failed steps) and ends in the same state. Nothing moves AWSCURRENT before
 * finishSecret, so a failing test leaves the working credential in place, and the previous
 * credential is revoked only once the new one is current.
 */
export async function runRotationStep<C>(deps: RotationDeps<C>, req: RotationRequest): Promise<StepOutcome[]> {
  const { secretId, token } = req;
  const meta = await deps.store.describe(secretId);
  if (!meta.rotationEnabled) throw new BridgeError('CONFLICT', `rotation is not enabled on secret ${secretId}`);
  const stages = meta.versions[token];
  if (!stages) throw new BridgeError('CONFLICT', `secret ${secretId} has no version ${token} to rotate`);
  if (stages.includes(STAGE.CURRENT)) {
    // A re-run after the promotion: only the revocation may still be outstanding.
    return req.step === 'finishSecret' ? ['already-current', ...(await revokePrevious(deps, secretId, meta, token))] : ['already-current'];
  }
  if (!stages.includes(STAGE.PENDING)) throw new BridgeError('CONFLICT', `version ${token} of secret ${secretId} is not staged ${STAGE.PENDING}`);

  switch (req.step) {
    case 'createSecret':
      return createSecret(deps, secretId, token);
    case 'setSecret': {
      const [current, pending] = await Promise.all([read(deps, secretId, { stage: STAGE.CURRENT }), read(deps, secretId, { versionId: token, stage: STAGE.PENDING })]);
      if (deps.codec.format(current) === deps.codec.format(pending)) {
        throw new BridgeError('CONFLICT', `the pending version of secret ${secretId} holds the current credential: nothing was rotated`);
      }
      return ['set'];
    }
    case 'testSecret':
      await deps.rotator.verify(await read(deps, secretId, { versionId: token, stage: STAGE.PENDING }));
      return ['tested'];
    case 'finishSecret': {
      const from = versionWith(meta, STAGE.CURRENT);
      const [previous, pending] = await Promise.all([
        from ? read(deps, secretId, { versionId: from, stage: STAGE.CURRENT }) : undefined,
        read(deps, secretId, { versionId: token, stage: STAGE.PENDING }),
      ]);
      await deps.store.promote(secretId, token, from);
      if (previous === undefined) return ['promoted'];
      await deps.rotator.revoke(previous, pending);
      return ['promoted', 'previous-revoked'];
    }
  }
}

async function createSecret<C>(deps: RotationDeps<C>, secretId: string, token: string): Promise<StepOutcome[]> {
  const current = await read(deps, secretId, { stage: STAGE.CURRENT });
  if ((await deps.store.value(secretId, { versionId: token, stage: STAGE.PENDING })) !== undefined) return ['pending-exists'];
  const candidate = await deps.rotator.issue(current);
  try {
    await deps.store.putPending(secretId, token, deps.codec.format(candidate));
  } catch (e) {
    // A credential the store does not hold would stay valid with nobody to rotate it: withdraw it.
    // The store's error is the one to report; a failed withdrawal leaves it for finishSecret's revocation of a later run.
    await deps.rotator.revoke(candidate, current).catch(() => undefined);
    throw e;
  }
  return ['created'];
}

async function revokePrevious<C>(deps: RotationDeps<C>, secretId: string, meta: SecretMetadata, token: string): Promise<StepOutcome[]> {
  const from = versionWith(meta, STAGE.PREVIOUS);
  if (!from || from === token) return [];
  const [previous, current] = await Promise.all([read(deps, secretId, { versionId: from, stage: STAGE.PREVIOUS }), read(deps, secretId, { versionId: token, stage: STAGE.CURRENT })]);
  await deps.rotator.revoke(previous, current);
  return ['previous-revoked'];
}

const versionWith = (meta: SecretMetadata, stage: string): string | undefined => Object.entries(meta.versions).find(([, stages]) => stages.includes(stage))?.[0];

async function read<C>(deps: RotationDeps<C>, secretId: string, version: { versionId?: string; stage: string }): Promise<C> {
  const text = await deps.store.value(secretId, version);
  if (text === undefined) throw new BridgeError('CONFLICT', `secret ${secretId} has no ${version.stage} version${version.versionId ? ` ${version.versionId}` : ''}`);
  return deps.codec.parse(text);
}
