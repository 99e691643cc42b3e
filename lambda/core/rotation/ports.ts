/** The four steps Secrets Manager invokes a rotation function with, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export const STAGE = { CURRENT: 'AWSCURRENT', PENDING: 'AWSPENDING', PREVIOUS: 'AWSPREVIOUS' } as const;

export interface SecretMetadata {
  readonly rotationEnabled: boolean;
  /** Version id → its staging labels (DescribeSecret's VersionIdsToStages). */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

/** The secret store side of rotation (Secrets Manager in AWS). */
export interface RotationSecretStore {
  describe(secretId: string): Promise<SecretMetadata>;
  /** The version's value, or undefined when that version/stage does not exist. */
  value(secretId: string, version: { versionId?: string; stage: string }): Promise<string | undefined>;
  /** Stores `value` as version `token` labelled AWSPENDING. */
  putPending(secretId: string, token: string, value: string): Promise<void>;
  /** Moves AWSCURRENT from `fromVersion` to `token` (the old one becomes AWSPREVIOUS) and drops AWSPENDING from `token`. */
  promote(secretId: string, token: string, fromVersion: string | undefined): Promise<void>;
}

/**
 * The credential provider side (the CRM). Credentials are issued by the provider, never
 * chosen by the bridge, so `issue` both creates and registers them: setSecret has nothing
 * left to push.
 */
export interface CredentialRotator<C> {
  /** A new credential that works alongside `current`, which stays valid. */
  issue(current: C): Promise<C>;
  /** Proves `candidate` works (token exchange and one cheap read); throws otherwise. */
  verify(candidate: C): Promise<void>;
  /** Revokes what `previous` holds and `current` does not; idempotent (already revoked is fine). */
  revoke(previous: C, current: C): Promise<void>;
}

/** How a secret's text maps to credentials; parse throws a BridgeError naming the problem, never a value. */
export interface SecretCodec<C> {
  parse(text: string): C;
  format(value: C): string;
}

/** What one step did, for logs and metrics (never a secret value). */
export type StepOutcome =
  | 'created'
  | 'pending-exists'
  | 'already-current'
  | 'set'
  | 'tested'
  | 'promoted'
  | 'previous-revoked';
