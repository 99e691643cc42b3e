/**
 * AWS wiring shared by the approval flow's five step functions: env → real adapters → `buildApprovalSteps`. Each
 * handler builds only its own step's dependencies (least privilege: its role has no other grant), once per
 * container; a failed build is retried on the next invocation. Handlers import their own step module only, so each
 * bundle carries just its step. The local runtime builds the same steps with local adapters (core/approvals/flow.ts).
 */
import { DynamoDbRequestStore } from '../adapters/request-store-dynamodb';
import { StepError, type ApprovalStepDeps, type FlowBaseDeps, type Step } from '../core/approvals/flow-kit';
import { ENV } from '../core/constants';
import { parseRuntimeConfig } from '../core/runtime-config';
import { dynamoDocumentClient, lazyService, meteredAuditFromEnv, requiredEnv } from './wiring';

/** What every step needs: the runtime config, the requests table and the audit log. */
export function baseDeps(): FlowBaseDeps {
  return {
    config: parseRuntimeConfig(process.env[ENV.CONFIG_JSON]),
    requests: new DynamoDbRequestStore(dynamoDocumentClient(), requiredEnv(ENV.REQUESTS_TABLE)),
    audit: meteredAuditFromEnv(),
  };
}

/**
 * The Lambda handler of one step. An initialisation failure (env, config, a secret) is logged with its reason and
 * reaches the state machine as `Bridge.INTERNAL`, so the request ends failed and audited.
 */
export function stepHandler<R>(name: string, build: () => Promise<ApprovalStepDeps>, stepOf: (deps: ApprovalStepDeps) => Step<R>): Step<R> {
  const step = lazyService(name, () => build().then(stepOf));
  return async (event) => {
    let run: Step<R>;
    try {
      run = await step();
    } catch {
      throw new StepError('INTERNAL', `the ${name} step could not start`);
    }
    return run(event);
  };
}
