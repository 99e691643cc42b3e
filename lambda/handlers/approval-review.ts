/** PrepareReview: builds the approver's redacted view of a request (lambda/core/approvals/flow.ts). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadHmacKey } from '../adapters/hmac-key';
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { prepareReviewStep } from '../core/approvals/step-review';
import { ENV } from '../core/constants';
import { baseDeps, stepHandler } from './approval-aws';
import { requiredEnv as required } from './wiring';

export async function reviewDeps(): Promise<ApprovalStepDeps> {
  return { ...baseDeps(), review: { hmacKey: await loadHmacKey(new SecretsManagerClient({}), required(ENV.HMAC_SECRET_ARN)) } };
}

export const handler = stepHandler('prepareReview', reviewDeps, prepareReviewStep);
