/**
 * Execute: checks the kill switch, verifies the decision token (public key fetched from KMS once per container,
 * single-use jti in DynamoDB), re-identifies placeholders from the vault and writes with the write integration
 * user; an approved read runs with the read user and its result is sealed into the request (flow.ts).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CircuitBreaker, connectorFor, secretsManagerCredentials } from '../adapters/crm';
import { loadHmacKey } from '../adapters/hmac-key';
import { DynamoDbJtiStore } from '../adapters/jti-store-dynamodb';
import { SsmKillSwitch } from '../adapters/kill-switch-ssm';
import { KmsSigner } from '../adapters/kms-signer';
import { DataKeySealer } from '../adapters/sealer';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { executeStep } from '../core/approvals/step-execute';
import { APPROVAL_ENV, DECISION_TOKEN, ENV, VAULT_ENV } from '../core/constants';
import { DecisionTokenVerifier } from '../core/tokens';
import { baseDeps, dynamoDocumentClient, required, stepHandler } from './approval-aws';

export async function executeDeps(): Promise<ApprovalStepDeps> {
  const base = baseDeps();
  const kms = new KMSClient({});
  const secrets = new SecretsManagerClient({});
  const doc = dynamoDocumentClient();
  const decisionKeyId = required(APPROVAL_ENV.DECISION_KEY_ID);
  const [publicKey, hmacKey] = await Promise.all([new KmsSigner(kms, decisionKeyId).publicKeyPem(), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  // Both integration users reach the same CRM: one breaker sees all its failures.
  const breaker = new CircuitBreaker();
  const connector = (secretEnv: string) =>
    connectorFor(base.config.crm.kind, {
      baseUrl: `https://${base.config.crm.instanceHost}`,
      credentials: secretsManagerCredentials({ secretId: required(secretEnv), client: secrets }),
      breaker,
    });
  return {
    ...base,
    execute: {
      killSwitch: new SsmKillSwitch(new SSMClient({}), required(ENV.KILL_SWITCH_PARAMETER)),
      verifier: new DecisionTokenVerifier({
        keys: { [decisionKeyId]: publicKey },
        issuer: DECISION_TOKEN.ISSUER,
        audience: DECISION_TOKEN.AUDIENCE,
        jtiStore: new DynamoDbJtiStore(doc, required(APPROVAL_ENV.JTI_TABLE)),
      }),
      writer: connector(ENV.CRM_WRITE_SECRET_ARN),
      reader: connector(ENV.CRM_READ_SECRET_ARN),
      vault: new DynamoDbVault(doc, required(VAULT_ENV.TABLE), new KmsDataKeyProvider(kms, required(VAULT_ENV.KMS_KEY_ID))),
      sealer: new DataKeySealer(new KmsDataKeyProvider(kms, required(APPROVAL_ENV.DATA_KEY_ID))),
      hmacKey,
    },
  };
}

export const handler = stepHandler('execute', executeDeps, executeStep);
