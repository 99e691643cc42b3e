import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { crmCredentialsCodec, OAuthCredentialRotator } from '../../lambda/adapters/crm/oauth-rotation';
import type { CrmCredentials } from '../../lambda/adapters/crm/types';
import { SecretsManagerRotationStore } from '../../lambda/adapters/rotation-secrets-manager';
import { ROTATION_STEPS } from '../../lambda/core/rotation';
import type { CrmKind } from '../../lambda/core/types';
import { makeRotationHandler } from '../../lambda/handlers/rotate-crm-secret';
import { startSandboxCrm, type SandboxCrm } from '../../local/sandbox-crm';
import { failure } from '../support/failure';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bridge/crm-read-AbCdEf';
const TOKEN = '0d6a3f52-9c1e-4b7a-8f20-6e4d2c1b9a77';
const sm = mockClient(SecretsManagerClient);

const notFound = () => Object.assign(new Error("Secrets Manager can't find the specified secret value"), { name: 'ResourceNotFoundException' });

/** Secrets Manager's versioning and staging rules for one secret, behind aws-sdk-client-mock. */
function fakeSecretsManager(initial: CrmCredentials, rotationEnabled = true) {
  const versions = new Map<string, { value?: string; stages: string[] }>([['v1', { value: JSON.stringify(initial), stages: ['AWSCURRENT'] }]]);
  const label = (stage: string, id: string) => {
    for (const v of versions.values()) v.stages = v.stages.filter((s) => s !== stage);
    const v = versions.get(id) ?? { stages: [] };
    v.stages.push(stage);
    versions.set(id, v);
  };
  sm.on(DescribeSecretCommand).callsFake(() => ({
    ARN: SECRET,
    RotationEnabled: rotationEnabled,
    VersionIdsToStages: Object.fromEntries([...versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, [...v.stages]])),
  }));
  sm.on(GetSecretValueCommand).callsFake((input: { VersionId?: string; VersionStage?: string }) => {
    const entry = input.VersionId ? versions.get(input.VersionId) : [...versions.values()].find((v) => v.stages.includes(input.VersionStage ?? 'AWSCURRENT'));
    if (!entry || entry.value === undefined || (input.VersionStage && !entry.stages.includes(input.VersionStage))) throw notFound();
    return { ARN: SECRET, SecretString: entry.value };
  });
  sm.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => {
    const token = input.ClientRequestToken as string;
    const existing = versions.get(token);
    if (existing?.value !== undefined && existing.value !== input.SecretString) throw Object.assign(new Error('version exists'), { name: 'ResourceExistsException' });
    for (const s of input.VersionStages ?? ['AWSCURRENT']) label(s, token);
    versions.get(token)!.value = input.SecretString;
    return { ARN: SECRET, VersionId: token };
  });
  sm.on(UpdateSecretVersionStageCommand).callsFake((input: UpdateSecretVersionStageCommandInput) => {
    const stage = input.VersionStage as string;
    if (input.RemoveFromVersionId && !versions.get(input.RemoveFromVersionId)?.stages.includes(stage)) throw Object.assign(new Error('not attached'), { name: 'InvalidParameterException' });
    if (input.RemoveFromVersionId) versions.get(input.RemoveFromVersionId)!.stages = versions.get(input.RemoveFromVersionId)!.stages.filter((s) => s !== stage);
    if (input.MoveToVersionId) {
      // Secrets Manager moves AWSPREVIOUS to the version AWSCURRENT left.
      if (stage === 'AWSCURRENT' && input.RemoveFromVersionId) label('AWSPREVIOUS', input.RemoveFromVersionId);
      label(stage, input.MoveToVersionId);
    }
    return { ARN: SECRET };
  });
  return {
    /** RotateSecret's first act: a value-less version labelled AWSPENDING. */
    start: (token: string) => label('AWSPENDING', token),
    current: () => JSON.parse([...versions.values()].find((v) => v.stages.includes('AWSCURRENT'))!.value!) as CrmCredentials,
    stagesOf: (id: string) => versions.get(id)?.stages ?? [],
  };
}

describe('rotate-crm-secret handler: Secrets Manager (mocked) and the sandbox CRM over HTTP', () => {
  let sandbox: SandboxCrm;

  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 5 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sm.reset());

  const setup = (kind: CrmKind, rotationEnabled = true) => {
    const initial = kind === 'salesforce' ? sandbox.clients.credentials('salesforce', 'read') : sandbox.clients.authorize('hubspot', 'read');
    const secrets = fakeSecretsManager(initial, rotationEnabled);
    const rotator = new OAuthCredentialRotator({ kind, baseUrl: sandbox.url, admin: async () => sandbox.clients.credentials('salesforce', 'admin') });
    const handler = makeRotationHandler({ store: new SecretsManagerRotationStore(new SecretsManagerClient({})), rotator, codec: crmCredentialsCodec });
    const step = (Step: string) => handler({ SecretId: SECRET, ClientRequestToken: TOKEN, Step });
    return { initial, secrets, rotator, step };
  };

  it.each(['salesforce', 'hubspot'] as const)('%s: rotates the secret end to end and the old credential stops working', async (kind) => {
    // Prepare
    const { initial, secrets, rotator, step } = setup(kind);
    secrets.start(TOKEN);

    // Act
    for (const s of ROTATION_STEPS) await step(s);
    const rotated = secrets.current();
    const oldRefused = await failure(rotator.verify(initial));

    // Assess
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET, ClientRequestToken: TOKEN, SecretString: JSON.stringify(rotated), VersionStages: ['AWSPENDING'] },
    ]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: 'v1' },
      { SecretId: SECRET, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
    expect(secrets.stagesOf(TOKEN)).toEqual(['AWSCURRENT']);
    expect(secrets.stagesOf('v1')).toEqual(['AWSPREVIOUS']);
    expect(rotated).not.toEqual(initial);
    await rotator.verify(rotated);
    expect(oldRefused.code).toBe('CRM_REJECTED');
  });

  it.each(['salesforce', 'hubspot'] as const)('%s: each step re-run leaves one pending version and one rotation', async (kind) => {
    // Prepare
    const { secrets, rotator, step } = setup(kind);
    secrets.start(TOKEN);

    // Act
    const outcomes = [];
    for (const s of ROTATION_STEPS) outcomes.push(await step(s), await step(s));

    // Assess
    expect(outcomes).toEqual([['created'], ['pending-exists'], ['set'], ['set'], ['tested'], ['tested'], ['promoted', 'previous-revoked'], ['already-current', 'previous-revoked']]);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(2);
    await rotator.verify(secrets.current());
  });

  it.each(['salesforce', 'hubspot'] as const)('%s: a pending credential the CRM refuses fails testSecret, keeps AWSCURRENT and revokes nothing', async (kind) => {
    // Prepare
    const { initial, secrets, rotator, step } = setup(kind);
    secrets.start(TOKEN);
    await step('createSecret');
    await step('setSecret');
    const pending = JSON.parse((await new SecretsManagerRotationStore(new SecretsManagerClient({})).value(SECRET, { versionId: TOKEN, stage: 'AWSPENDING' }))!) as CrmCredentials;
    // The CRM withdraws the pending credential (an admin, a policy, a revoked install) before the test.
    await rotator.revoke(pending, initial);

    // Act
    const error = await failure(step('testSecret'));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(secrets.current()).toEqual(initial);
    expect(secrets.stagesOf('v1')).toEqual(['AWSCURRENT']);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    await rotator.verify(initial);
  });

  it('refuses to rotate a secret whose rotation is not enabled, before touching the CRM', async () => {
    // Prepare
    const { secrets, step } = setup('salesforce', false);
    secrets.start(TOKEN);
    const before = sandbox.stats().requests;

    // Act
    const error = await failure(step('createSecret'));

    // Assess
    expect(error).toMatchObject({ code: 'CONFLICT', message: `rotation is not enabled on secret ${SECRET}` });
    expect(sandbox.stats().requests).toBe(before);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('refuses an event that is not a rotation step', async () => {
    // Prepare
    const { step } = setup('hubspot');

    // Act
    const error = await failure(step('deleteEverything'));

    // Assess
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'not a Secrets Manager rotation event: invalid Step' });
    expect(sm.commandCalls(DescribeSecretCommand)).toHaveLength(0);
  });

  it('reports a Secrets Manager failure by call and error name only', async () => {
    // Prepare
    const { secrets, step } = setup('hubspot');
    secrets.start(TOKEN);
    sm.on(DescribeSecretCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));

    // Act
    const error = await failure(step('createSecret'));

    // Assess
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'Secrets Manager DescribeSecret failed (AccessDeniedException)' });
  });
});
