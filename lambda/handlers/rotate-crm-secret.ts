/**
 * Secrets Manager rotation function for the CRM integration users' secrets (read and write):
 * thin wiring of Secrets Manager, the CRM's OAuth endpoints and the pure step logic. Runs in
 * the VPC and reaches the CRM by the same configured path as the connectors. Failures throw,
 * so Secrets Manager marks the rotation failed and AWSCURRENT stays where it was.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { ENV } from '../core/constants';
import { isBridgeError } from '../core/errors';
import { parseRotationEvent, type RotationDeps, runRotationStep, type StepOutcome } from '../core/rotation';
import { parseRuntimeConfig } from '../core/runtime-config';
import { crmCredentialsCodec, OAuthCredentialRotator } from '../adapters/crm/oauth-rotation';
import { secretsManagerCredentials } from '../adapters/crm/secrets';
import type { CrmCredentials } from '../adapters/crm/types';
import { SecretsManagerRotationStore } from '../adapters/rotation-secrets-manager';

const logger = new Logger({ serviceName: 'rotate-crm-secret' });

export function makeRotationHandler(deps: RotationDeps<CrmCredentials>): (event: unknown) => Promise<StepOutcome[]> {
  return async (event) => {
    const req = parseRotationEvent(event);
    const context = { secretId: req.secretId, versionId: req.token, step: req.step };
    try {
      const outcomes = await runRotationStep(deps, req);
      logger.info('rotation step done', { ...context, outcomes });
      return outcomes;
    } catch (e) {
      logger.error('rotation step failed', { ...context, code: isBridgeError(e) ? e.code : 'UNEXPECTED', reason: (e as Error).message });
      throw e;
    }
  };
}

let cached: ((event: unknown) => Promise<StepOutcome[]>) | undefined;

export const handler = async (event: unknown): Promise<StepOutcome[]> => {
  if (!cached) {
    const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
    const client = new SecretsManagerClient({});
    const adminSecret = process.env[ENV.CRM_ROTATION_ADMIN_SECRET_ARN];
    cached = makeRotationHandler({
      store: new SecretsManagerRotationStore(client),
      codec: crmCredentialsCodec,
      rotator: new OAuthCredentialRotator({
        kind: config.crm.kind,
        baseUrl: `https://${config.crm.instanceHost}`,
        // Read per step, not cached: a replaced admin secret takes effect at the next step.
        admin: adminSecret ? secretsManagerCredentials({ secretId: adminSecret, client, ttlMs: 0 }) : undefined,
      }),
    });
  }
  return cached(event);
};
