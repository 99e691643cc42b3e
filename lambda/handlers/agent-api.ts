/**
 * The proxy Lambda behind the private agent API: env → real AWS adapters → AgentService,
 * built once per container on first use. Routing and error mapping live in agent-api-routes.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { loadHmacKey } from '../adapters/hmac-key';
import { readBundleDir } from '../adapters/policy-files';
import { DynamoDbRequestStore } from '../adapters/request-store-dynamodb';
import { StepFunctionsFlow } from '../adapters/sfn';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import { AgentService } from '../core/agent-service';
import { APPROVAL_ENV, ENV, VAULT_ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { agentApiHandler } from './agent-api-routes';
import { crmConnector, dataKeySealer, dynamoDocumentClient, killSwitchFromEnv, lazyService, meteredAuditFromEnv, requiredEnv as required } from './wiring';

async function build(): Promise<AgentService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const secrets = new SecretsManagerClient({});
  const kms = new KMSClient({});
  const doc = dynamoDocumentClient();
  const [bundle, hmacKey] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  return new AgentService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    crm: crmConnector(config, ENV.CRM_READ_SECRET_ARN, secrets),
    vault: new DynamoDbVault(doc, required(VAULT_ENV.TABLE), new KmsDataKeyProvider(kms, required(VAULT_ENV.KMS_KEY_ID))),
    audit: meteredAuditFromEnv(),
    requests: new DynamoDbRequestStore(doc, required(ENV.REQUESTS_TABLE)),
    killSwitch: killSwitchFromEnv(),
    flow: new StepFunctionsFlow(new SFNClient({}), required(APPROVAL_ENV.STATE_MACHINE_ARN)),
    sealer: dataKeySealer(kms),
    hmacKey,
  });
}

export const handler = agentApiHandler(lazyService('agent-api', build));
