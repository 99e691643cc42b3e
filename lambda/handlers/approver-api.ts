/**
 * The approver API Lambda (`/v1/approvals…`): env → real AWS adapters → ApproverService, built once per container
 * on first use. The only function that sends task results to the state machine; it opens sealed task tokens with
 * the data key and reads the current CRM record for the diff with the READ integration user. Routing and error
 * mapping live in approver-api-routes.
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
import { StepFunctionsTaskResults } from '../adapters/sfn';
import { KmsDataKeyProvider } from '../adapters/vault-crypto';
import { ApproverService } from '../core/approvals/approver-service';
import { APPROVAL_ENV, AUDIT_ENV, ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { parseRuntimeConfig } from '../core/runtime-config';
import { lazyService, requiredEnv as required } from './api-router';
import { approverApiHandler } from './approver-api-routes';

async function build(): Promise<ApproverService> {
  const config = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
  const secrets = new SecretsManagerClient({});
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const [bundle, hmacKey] = await Promise.all([readBundleDir(required(ENV.POLICY_DIR)), loadHmacKey(secrets, required(ENV.HMAC_SECRET_ARN))]);
  return new ApproverService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    requests: new DynamoDbRequestStore(doc, required(ENV.REQUESTS_TABLE)),
    audit: withAuditMetrics(new S3AuditStore({ client: new S3Client({}), bucket: required(AUDIT_ENV.BUCKET), kmsKeyId: required(AUDIT_ENV.KMS_KEY_ID) })),
    killSwitch: new SsmKillSwitch(new SSMClient({}), required(ENV.KILL_SWITCH_PARAMETER)),
    sealer: new DataKeySealer(new KmsDataKeyProvider(new KMSClient({}), required(APPROVAL_ENV.DATA_KEY_ID))),
    tasks: new StepFunctionsTaskResults(new SFNClient({})),
    crm: connectorFor(config.crm.kind, {
      baseUrl: `https://${config.crm.instanceHost}`,
      credentials: secretsManagerCredentials({ secretId: required(ENV.CRM_READ_SECRET_ARN), client: secrets }),
    }),
    hmacKey,
  });
}

export const handler = approverApiHandler(lazyService('approver-api', build));
