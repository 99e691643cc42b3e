/**
 * Environment → AWS adapters, as every handler builds them: one place for the env-var names each adapter reads,
 * the shared DynamoDB document client, the metered audit log, CRM connectors, the data-key sealer, the kill
 * switch and the decision-token verifier. Each handler picks only what its role is granted.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectorFor, secretsManagerCredentials, type CircuitBreaker, type CrmConnector } from '../adapters/crm';
import { DynamoDbJtiStore } from '../adapters/jti-store-dynamodb';
import { SsmKillSwitch } from '../adapters/kill-switch-ssm';
import { KmsSigner } from '../adapters/kms-signer';
import { withAuditMetrics } from '../adapters/metrics';
import { DataKeySealer } from '../adapters/sealer';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import type { AuditPort } from '../core/audited';
import { APPROVAL_ENV, DECISION_TOKEN, ENV } from '../core/constants';
import type { RuntimeConfig } from '../core/runtime-config';
import { DecisionTokenVerifier } from '../core/tokens';
import { auditStoreFromEnv, requiredEnv } from './env';

export { auditStoreFromEnv, requiredEnv };

/**
 * Builds a function's service once per container, on first use. A failed build is retried on the next request
 * rather than cached, and its reason (env, config, a secret) reaches the function's log: the caller sees only 500.
 */
export function lazyService<S>(name: string, build: () => Promise<S>): () => Promise<S> {
  let service: Promise<S> | undefined;
  return () => {
    service ??= build().catch((e: unknown) => {
      service = undefined;
      console.error(`${name} init failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    });
    return service;
  };
}

let documentClient: DynamoDBDocumentClient | undefined;
/** One DynamoDB document client per container, shared by the stores a function uses. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return documentClient;
}

/** The audit log as request handlers write it: every event also becomes metrics. */
export const meteredAuditFromEnv = (): AuditPort => withAuditMetrics(auditStoreFromEnv());

/** The CRM as the integration user whose secret `secretEnv` names. */
export function crmConnector(config: RuntimeConfig, secretEnv: string, secrets: SecretsManagerClient, breaker?: CircuitBreaker): CrmConnector {
  return connectorFor(config.crm.kind, {
    baseUrl: `https://${config.crm.instanceHost}`,
    credentials: secretsManagerCredentials({ secretId: requiredEnv(secretEnv), client: secrets }),
    ...(breaker ? { breaker } : {}),
  });
}

/** Seals task tokens and approved results under the data CMK. */
export const dataKeySealer = (kms: KMSClient = new KMSClient({})): DataKeySealer =>
  new DataKeySealer(new KmsDataKeyProvider(kms, requiredEnv(APPROVAL_ENV.DATA_KEY_ID)));

export const killSwitchFromEnv = (): SsmKillSwitch => new SsmKillSwitch(new SSMClient({}), requiredEnv(ENV.KILL_SWITCH_PARAMETER));

/** Verifies decision tokens with the decision key's public key (fetched from KMS once) and burns their jti. */
export async function decisionVerifierFromEnv(kms: KMSClient): Promise<{ verifier: DecisionTokenVerifier; signer: KmsSigner }> {
  const signer = new KmsSigner(kms, requiredEnv(APPROVAL_ENV.DECISION_KEY_ID));
  const verifier = new DecisionTokenVerifier({
    keys: { [signer.keyId]: await signer.publicKeyPem() },
    issuer: DECISION_TOKEN.ISSUER,
    audience: DECISION_TOKEN.AUDIENCE,
    jtiStore: new DynamoDbJtiStore(dynamoDocumentClient(), requiredEnv(APPROVAL_ENV.JTI_TABLE)),
  });
  return { verifier, signer };
}
