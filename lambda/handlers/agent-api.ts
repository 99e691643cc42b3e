/**
 * The proxy Lambda behind the private agent API: env → real AWS adapters → AgentService,
 * built once per container on first use. Routing and error mapping live in agent-api-routes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3AuditStore } from '../adapters/audit-store-s3';
import { connectorFor, secretsManagerCredentials } from '../adapters/crm';
import { loadHmacKey } from '../adapters/hmac-key';
import { SsmKillSwitch } from '../adapters/kill-switch-ssm';
import { withAuditMetrics } from '../adapters/metrics';
import { readBundleDir } from '../adapters/policy-files';
import { DynamoDbRequestStore } from '../adapters/request-store-dynamodb';
import { DataKeySealer } from '../adapters/sealer';
import { StepFunctionsFlow } from '../adapters/sfn';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import { AgentService } from '../core/agent-service';
import { APPROVAL_ENV, AUDIT_ENV, ENV, VAULT_ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { agentApiHandler } from './agent-api-routes';
import { lazyService, requiredEnv as required } from './api-router';

async function build(): Promise<AgentService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const secrets = new SecretsManagerClient({});
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const [bundle, hmacKey] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  return new AgentService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    crm: connectorFor(config.crm.kind, {
      baseUrl: `https://${config.crm.instanceHost}`,
      credentials: secretsManagerCredentials({ secretId: required(ENV.CRM_READ_SECRET_ARN), client: secrets }),
    }),
    vault: new DynamoDbVault(doc, required(VAULT_ENV.TABLE), new KmsDataKeyProvider(new KMSClient({}), required(VAULT_ENV.KMS_KEY_ID))),
    audit: withAuditMetrics(new S3AuditStore({ client: new S3Client({}), bucket: required(AUDIT_ENV.BUCKET), kmsKeyId: required(AUDIT_ENV.KMS_KEY_ID) })),
    requests: new DynamoDbRequestStore(doc, required(ENV.REQUESTS_TABLE)),
    killSwitch: new SsmKillSwitch(new SSMClient({}), required(ENV.KILL_SWITCH_PARAMETER)),
    flow: new StepFunctionsFlow(new SFNClient({}), required(APPROVAL_ENV.STATE_MACHINE_ARN)),
    sealer: new DataKeySealer(new KmsDataKeyProvider(new KMSClient({}), required(APPROVAL_ENV.DATA_KEY_ID))),
    hmacKey,
  });
}

export const handler = agentApiHandler(lazyService('agent-api', build));
