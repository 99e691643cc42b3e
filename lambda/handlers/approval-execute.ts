/**
 * Execute: checks the kill switch, verifies the decision token (public key fetched from KMS once per container,
 * single-use jti in DynamoDB), re-identifies placeholders from the vault and writes with the write integration
 * user; an approved read runs with the read user and its result is sealed into the request (flow.ts).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CircuitBreaker } from '../adapters/crm';
import { loadHmacKey } from '../adapters/hmac-key';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { executeStep } from '../core/approvals/step-execute';
import { ENV, VAULT_ENV } from '../core/constants';
import { baseDeps, stepHandler } from './approval-aws';
import { crmConnector, dataKeySealer, decisionVerifierFromEnv, dynamoDocumentClient, killSwitchFromEnv, requiredEnv as required } from './wiring';

export async function executeDeps(): Promise<ApprovalStepDeps> {
  const base = baseDeps();
  const kms = new KMSClient({});
  const secrets = new SecretsManagerClient({});
  const [{ verifier }, hmacKey] = await Promise.all([decisionVerifierFromEnv(kms), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  // Both integration users reach the same CRM: one breaker sees all its failures.
  const breaker = new CircuitBreaker();
  return {
    ...base,
    execute: {
      killSwitch: killSwitchFromEnv(),
      verifier,
      writer: crmConnector(base.config, ENV.CRM_WRITE_SECRET_ARN, secrets, breaker),
      reader: crmConnector(base.config, ENV.CRM_READ_SECRET_ARN, secrets, breaker),
      vault: new DynamoDbVault(dynamoDocumentClient(), required(VAULT_ENV.TABLE), new KmsDataKeyProvider(kms, required(VAULT_ENV.KMS_KEY_ID))),
      sealer: dataKeySealer(kms),
      hmacKey,
    },
  };
}

export const handler = stepHandler('execute', executeDeps, executeStep);
