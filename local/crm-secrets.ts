/**
 * The local stand-in for the CRM secrets in Secrets Manager: versioned values with staging
 * labels, rotated by the same four steps as the rotation Lambda (lambda/core/rotation) against
 * the sandbox CRM's OAuth endpoints. Backs `POST /local/rotate-now` and `GET /local/status`.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { crmCredentialsCodec, OAuthCredentialRotator } from '../lambda/adapters/crm/oauth-rotation';
import type { CrmCredentials } from '../lambda/adapters/crm/types';
import { BridgeError } from '../lambda/core/errors';
import type { KillSwitch } from '../lambda/core/kill-switch';
import { ROTATION_STEPS, type RotationSecretStore, runRotationStep, type SecretMetadata, STAGE, type StepOutcome } from '../lambda/core/rotation';
import type { CrmKind } from '../lambda/core/types';
import { errorResponse, json, parseJsonBody } from '../lambda/handlers/http';
import type { Route } from './http-front';
import type { SandboxCrm } from './sandbox-crm';

interface Version {
  value?: string;
  stages: string[];
  created: Date;
}

/** Secrets Manager's versioning and staging rules for the secrets of one local bridge, in memory. */
export class LocalSecretStore implements RotationSecretStore {
  private readonly secrets = new Map<string, Map<string, Version>>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Creates a secret whose first version is AWSCURRENT. */
  create(secretId: string, value: string): void {
    this.secrets.set(secretId, new Map([[randomUUID(), { value, stages: [STAGE.CURRENT], created: this.now() }]]));
  }

  /** The AWSCURRENT value, as GetSecretValue without a version returns it. */
  current(secretId: string): string {
    const value = [...this.versions(secretId).values()].find((v) => v.stages.includes(STAGE.CURRENT))?.value;
    if (value === undefined) throw new BridgeError('INTERNAL', `local secret ${secretId} has no current value`);
    return value;
  }

  /** RotateSecret's first act: a value-less version labelled AWSPENDING; refused while another rotation is unfinished. */
  startRotation(secretId: string): string {
    const versions = this.versions(secretId);
    if ([...versions.values()].some((v) => v.stages.includes(STAGE.PENDING))) {
      throw new BridgeError('CONFLICT', `a previous rotation of ${secretId} is not complete`);
    }
    const token = randomUUID();
    versions.set(token, { stages: [STAGE.PENDING], created: this.now() });
    return token;
  }

  /** Drops a failed rotation's pending version, as an operator does with UpdateSecretVersionStage. */
  abandonRotation(secretId: string, token: string): void {
    const version = this.versions(secretId).get(token);
    if (version && !version.stages.includes(STAGE.CURRENT)) this.versions(secretId).delete(token);
  }

  async describe(secretId: string): Promise<SecretMetadata> {
    const versions = [...this.versions(secretId)].filter(([, v]) => v.stages.length > 0);
    return { rotationEnabled: true, versions: Object.fromEntries(versions.map(([id, v]) => [id, [...v.stages]])) };
  }

  async value(secretId: string, version: { versionId?: string; stage: string }): Promise<string | undefined> {
    const found = version.versionId ? this.versions(secretId).get(version.versionId) : [...this.versions(secretId).values()].find((v) => v.stages.includes(version.stage));
    return found?.stages.includes(version.stage) ? found.value : undefined;
  }

  async putPending(secretId: string, token: string, value: string): Promise<void> {
    const version = this.versions(secretId).get(token);
    if (!version?.stages.includes(STAGE.PENDING)) throw new BridgeError('CONFLICT', `version ${token} of ${secretId} is not pending`);
    if (version.value !== undefined && version.value !== value) throw new BridgeError('CONFLICT', `version ${token} of ${secretId} already holds another value`);
    version.value = value;
  }

  async promote(secretId: string, token: string, fromVersion: string | undefined): Promise<void> {
    const versions = this.versions(secretId);
    const next = versions.get(token);
    if (!next) throw new BridgeError('CONFLICT', `secret ${secretId} has no version ${token}`);
    for (const v of versions.values()) v.stages = v.stages.filter((s) => s !== STAGE.PREVIOUS);
    const from = fromVersion ? versions.get(fromVersion) : undefined;
    if (from) from.stages = [...from.stages.filter((s) => s !== STAGE.CURRENT), STAGE.PREVIOUS];
    next.stages = [...next.stages.filter((s) => s !== STAGE.PENDING), STAGE.CURRENT];
  }

  /** Each version's id, labels and creation time, newest first (never a value). */
  status(secretId: string): { versionId: string; stages: string[]; created: string }[] {
    return [...this.versions(secretId)]
      .filter(([, v]) => v.stages.length > 0)
      .map(([versionId, v]) => ({ versionId, stages: [...v.stages], created: v.created.toISOString() }))
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  private versions(secretId: string): Map<string, Version> {
    const versions = this.secrets.get(secretId);
    if (!versions) throw new BridgeError('NOT_FOUND', `no local secret ${secretId}`);
    return versions;
  }
}

export const LOCAL_CRM_USERS = ['read', 'write'] as const;
export type LocalCrmUser = (typeof LOCAL_CRM_USERS)[number];
const secretIdOf = (user: LocalCrmUser) => `local/crm-${user}`;

export interface RotationResult {
  readonly secret: LocalCrmUser;
  readonly versionId: string;
  readonly outcomes: StepOutcome[];
}

/**
 * The local read and write integration users' credentials, as the deployed bridge keeps them
 * in Secrets Manager. HubSpot users start with a refresh token (the app install's), because
 * that is what HubSpot rotates; Salesforce users rotate their consumer through the sandbox's
 * credentials administrator.
 */
export class LocalCrmSecrets {
  readonly store = new LocalSecretStore();
  private readonly rotator: OAuthCredentialRotator;

  constructor(sandbox: SandboxCrm, kind: CrmKind) {
    for (const user of LOCAL_CRM_USERS) {
      const initial = kind === 'hubspot' ? sandbox.clients.authorize(kind, user) : sandbox.clients.credentials(kind, user);
      this.store.create(secretIdOf(user), crmCredentialsCodec.format(initial));
    }
    this.rotator = new OAuthCredentialRotator({ kind, baseUrl: sandbox.url, admin: async () => sandbox.clients.credentials('salesforce', 'admin') });
  }

  /** What a connector reads: the current credentials, read afresh on every call as with a zero cache. */
  credentials(user: LocalCrmUser): () => Promise<CrmCredentials> {
    return async () => crmCredentialsCodec.parse(this.store.current(secretIdOf(user)));
  }

  /**
   * Rotates one user's credentials now: a pending version, then createSecret, setSecret,
   * testSecret, finishSecret, as Secrets Manager drives the rotation Lambda. A failed step
   * leaves AWSCURRENT where it was; its pending version is dropped so the next attempt starts clean.
   */
  async rotateNow(user: LocalCrmUser): Promise<RotationResult> {
    const secretId = secretIdOf(user);
    const token = this.store.startRotation(secretId);
    const outcomes: StepOutcome[] = [];
    try {
      for (const step of ROTATION_STEPS) outcomes.push(...(await runRotationStep({ store: this.store, rotator: this.rotator, codec: crmCredentialsCodec }, { secretId, token, step })));
    } catch (e) {
      this.store.abandonRotation(secretId, token);
      throw e;
    }
    return { secret: user, versionId: token, outcomes };
  }

  status(): Record<LocalCrmUser, ReturnType<LocalSecretStore['status']>> {
    return { read: this.store.status(secretIdOf('read')), write: this.store.status(secretIdOf('write')) };
  }
}

/** Which users a request names: `{"secret": "read" | "write" | "all"}`, all when absent. */
function usersOf(body: unknown): readonly LocalCrmUser[] {
  const secret = (body as { secret?: unknown } | null)?.secret ?? 'all';
  if (secret === 'all') return LOCAL_CRM_USERS;
  if (secret === 'read' || secret === 'write') return [secret];
  throw new BridgeError('VALIDATION_FAILED', 'secret must be "read", "write" or "all"', { problems: [{ path: 'secret', message: 'must be "read", "write" or "all"' }] });
}

/**
 * The local operator routes of the incident commands: `POST /local/rotate-now` rotates the
 * named users one after the other (a failure names the secret and what already rotated), and
 * `GET /local/status` reports the kill-switch mode, each secret's versions and where the audit
 * log is (for the follow-up `bridge audit` commands).
 */
export function localIncidentRoutes(secrets: LocalCrmSecrets, killSwitch: KillSwitch, audit: { bucket: string; endpoint: string }): Route[] {
  const respond = (run: (event: APIGatewayProxyEvent) => Promise<unknown>) => async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return json(200, await run(event));
    } catch (e) {
      return errorResponse(e, event.requestContext.requestId);
    }
  };
  return [
    {
      method: 'POST',
      path: '/local/rotate-now',
      handler: respond(async (event) => {
        const rotated: RotationResult[] = [];
        for (const user of usersOf(event.body ? parseJsonBody(event) : {})) {
          try {
            rotated.push(await secrets.rotateNow(user));
          } catch (e) {
            const cause = e instanceof BridgeError ? e : new BridgeError('INTERNAL', 'rotation failed');
            throw new BridgeError(cause.code, `rotating the ${user} secret failed, its current credential is unchanged: ${cause.message}`, { rotated });
          }
        }
        return { rotated };
      }),
    },
    {
      method: 'GET',
      path: '/local/status',
      handler: respond(async () => ({ mode: await killSwitch.mode(), secrets: secrets.status(), audit })),
    },
  ];
}
