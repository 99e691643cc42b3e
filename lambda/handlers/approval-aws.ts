/**
 * AWS wiring shared by the approval flow's five step functions: env → real adapters → `buildApprovalSteps`. Each
 * handler builds only its own step's dependencies (least privilege: its role has no other grant), once per
 * container; a failed build is retried on the next invocation. Handlers import their own step module only, so each
 * bundle carries just its step. The local runtime builds the same steps with local adapters (core/approvals/flow.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3AuditStore } from '../adapters/audit-store-s3';
import { withAuditMetrics } from '../adapters/metrics';
import { DynamoDbRequestStore } from '../adapters/request-store-dynamodb';
import { StepError, type ApprovalStepDeps, type FlowBaseDeps, type Step } from '../core/approvals/flow-kit';
import { AUDIT_ENV, ENV } from '../core/constants';
import { parseRuntimeConfig } from '../core/runtime-config';

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set: the stack sets it`);
  return value;
}

/** One DynamoDB document client per container, shared by the stores a step uses. */
let documentClient: DynamoDBDocumentClient | undefined;
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return documentClient;
}

/** What every step needs: the runtime config, the requests table and the audit log. */
export function baseDeps(): FlowBaseDeps {
  return {
    config: parseRuntimeConfig(process.env[ENV.CONFIG_JSON]),
    requests: new DynamoDbRequestStore(dynamoDocumentClient(), required(ENV.REQUESTS_TABLE)),
    audit: withAuditMetrics(new S3AuditStore({ client: new S3Client({}), bucket: required(AUDIT_ENV.BUCKET), kmsKeyId: required(AUDIT_ENV.KMS_KEY_ID) })),
  };
}

/**
 * The Lambda handler of one step. An initialisation failure (env, config, a secret) is logged with its reason and
 * reaches the state machine as `Bridge.INTERNAL`, so the request ends failed and audited.
 */
export function stepHandler<R>(name: string, build: () => Promise<ApprovalStepDeps>, stepOf: (deps: ApprovalStepDeps) => Step<R>): Step<R> {
  let step: Promise<Step<R>> | undefined;
  return async (event) => {
    step ??= build()
      .then(stepOf)
      .catch((e: unknown) => {
        step = undefined;
        console.error(`${name} init failed: ${e instanceof Error ? e.message : String(e)}`);
        throw new StepError('INTERNAL', `the ${name} step could not start`);
      });
    return (await step)(event);
  };
}
