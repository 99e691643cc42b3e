/**
 * The agent actions Lambda (`POST /v1/authorize`, `POST /v1/actions/execute`): env → real AWS adapters →
 * ActionsService, built once per container on first use. It signs decision tokens with the decision KMS key,
 * verifies them with its public key (fetched once), burns jtis in DynamoDB and writes with the WRITE integration
 * user. Routing and error mapping live in agent-actions-routes.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readBundleDir } from '../adapters/policy-files';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { DynamoDbVault } from '../adapters/vault-dynamodb';
import { ActionsService } from '../core/approvals/actions-service';
import { ENV, VAULT_ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { agentActionsHandler } from './agent-actions-routes';
import { crmConnector, decisionVerifierFromEnv, dynamoDocumentClient, killSwitchFromEnv, lazyService, meteredAuditFromEnv, requiredEnv as required } from './wiring';

async function build(): Promise<ActionsService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const kms = new KMSClient({});
  const [bundle, { verifier, signer }] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), decisionVerifierFromEnv(kms)]);
  return new ActionsService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    signer,
    verifier,
    writer: crmConnector(config, ENV.CRM_WRITE_SECRET_ARN, new SecretsManagerClient({})),
    vault: new DynamoDbVault(dynamoDocumentClient(), required(VAULT_ENV.TABLE), new KmsDataKeyProvider(kms, required(VAULT_ENV.KMS_KEY_ID))),
    audit: meteredAuditFromEnv(),
    killSwitch: killSwitchFromEnv(),
  });
}

export const handler = agentActionsHandler(lazyService('agent-actions', build));
