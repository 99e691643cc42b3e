/**
 * The approver API Lambda (`/v1/approvals…`): env → real AWS adapters → ApproverService, built once per container
 * on first use. The only function that sends task results to the state machine; it opens sealed task tokens with
 * the data key and reads the current CRM record for the diff with the READ integration user. Routing and error
 * mapping live in approver-api-routes.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { loadHmacKey } from '../adapters/hmac-key';
import { readBundleDir } from '../adapters/policy-files';
import { DynamoDbRequestStore } from '../adapters/request-store-dynamodb';
import { StepFunctionsTaskResults } from '../adapters/sfn';
import { ApproverService } from '../core/approvals/approver-service';
import { ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { approverApiHandler } from './approver-api-routes';
import { crmConnector, dataKeySealer, dynamoDocumentClient, killSwitchFromEnv, lazyService, meteredAuditFromEnv, requiredEnv as required } from './wiring';

async function build(): Promise<ApproverService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const secrets = new SecretsManagerClient({});
  const [bundle, hmacKey] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  return new ApproverService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    requests: new DynamoDbRequestStore(dynamoDocumentClient(), required(ENV.REQUESTS_TABLE)),
    audit: meteredAuditFromEnv(),
    killSwitch: killSwitchFromEnv(),
    sealer: dataKeySealer(),
    tasks: new StepFunctionsTaskResults(new SFNClient({})),
    crm: crmConnector(config, ENV.CRM_READ_SECRET_ARN, secrets),
    hmacKey,
  });
}

export const handler = approverApiHandler(lazyService('approver-api', build));
