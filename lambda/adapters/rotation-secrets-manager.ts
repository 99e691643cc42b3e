import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { BridgeError } from '../core/errors';
import { type RotationSecretStore, type SecretMetadata, STAGE } from '../core/rotation/ports';

/** Secrets Manager as the rotation's secret store; SDK failures become INTERNAL errors naming the call, never a value. */
export class SecretsManagerRotationStore implements RotationSecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretMetadata> {
    const out = await this.call('DescribeSecret', () => this.client.send(new DescribeSecretCommand({ SecretId: secretId })));
    return { rotationEnabled: out.RotationEnabled === true, versions: out.VersionIdsToStages ?? {} };
  }

  async value(secretId: string, version: { versionId?: string; stage: string }): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.versionId, VersionStage: version.stage }));
      return out.SecretString;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw this.failed('GetSecretValue', e);
    }
  }

  async putPending(secretId: string, token: string, value: string): Promise<void> {
    await this.call('PutSecretValue', () =>
      this.client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: value, VersionStages: [STAGE.PENDING] })),
    );
  }

  async promote(secretId: string, token: string, fromVersion: string | undefined): Promise<void> {
    await this.call('UpdateSecretVersionStage', () =>
      this.client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: STAGE.CURRENT, MoveToVersionId: token, RemoveFromVersionId: fromVersion })),
    );
    await this.call('UpdateSecretVersionStage', () =>
      this.client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: STAGE.PENDING, RemoveFromVersionId: token })),
    );
  }

  private async call<T>(name: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw this.failed(name, e);
    }
  }

  private failed(call: string, e: unknown): BridgeError {
    return new BridgeError('INTERNAL', `Secrets Manager ${call} failed (${(e as Error).name})`);
  }
}
