/**
 * The agent actions Lambda (`POST /v1/authorize`, `POST /v1/actions/execute`): env → real AWS adapters →
 * ActionsService, built once per container on first use. It signs decision tokens with the decision KMS key,
 * verifies them with its public key (fetched once), burns jtis in DynamoDB and writes with the WRITE integration
 * user. Routing and error mapping live in agent-actions-routes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3AuditStore } from '../adapters/audit-store-s3';
import { connectorFor, secretsManagerCredentials } from '../adapters/crm';
import { DynamoDbJtiStore } from '../adapters/jti-store-dynamodb';
import { SsmKillSwitch } from '../adapters/kill-switch-ssm';
import { KmsSigner } from '../adapters/kms-signer';
import { withAuditMetrics } from '../adapters/metrics';
import { readBundleDir } from '../adapters/policy-files';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import { ActionsService } from '../core/approvals/actions-service';
import { APPROVAL_ENV, AUDIT_ENV, DECISION_TOKEN, ENV, VAULT_ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { DecisionTokenVerifier } from '../core/tokens';
import { agentActionsHandler } from './agent-actions-routes';
import { lazyService, requiredEnv as required } from './api-router';

async function build(): Promise<ActionsService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const kms = new KMSClient({});
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const signer = new KmsSigner(kms, required(APPROVAL_ENV.DECISION_KEY_ID));
  const [bundle, publicKey] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), signer.publicKeyPem()]);
  return new ActionsService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    signer,
    verifier: new DecisionTokenVerifier({
      keys: { [signer.keyId]: publicKey },
      issuer: DECISION_TOKEN.ISSUER,
      audience: DECISION_TOKEN.AUDIENCE,
      jtiStore: new DynamoDbJtiStore(doc, required(APPROVAL_ENV.JTI_TABLE)),
    }),
    writer: connectorFor(config.crm.kind, {
      baseUrl: `https://${config.crm.instanceHost}`,
      credentials: secretsManagerCredentials({ secretId: required(ENV.CRM_WRITE_SECRET_ARN), client: new SecretsManagerClient({}) }),
    }),
    vault: new DynamoDbVault(doc, required(VAULT_ENV.TABLE), new KmsDataKeyProvider(kms, required(VAULT_ENV.KMS_KEY_ID))),
    audit: withAuditMetrics(new S3AuditStore({ client: new S3Client({}), bucket: required(AUDIT_ENV.BUCKET), kmsKeyId: required(AUDIT_ENV.KMS_KEY_ID) })),
    killSwitch: new SsmKillSwitch(new SSMClient({}), required(ENV.KILL_SWITCH_PARAMETER)),
  });
}

export const handler = agentActionsHandler(lazyService('agent-actions', build));
