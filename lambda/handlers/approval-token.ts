/** IssueDecisionToken: re-evaluates the final action with policy and signs an ES256 token with KMS (flow.ts). */
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSigner } from '../adapters/kms-signer';
import { readBundleDir } from '../adapters/policy-files';
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { issueTokenStep } from '../core/approvals/step-token';
import { APPROVAL_ENV, ENV } from '../core/constants';
import { PolicyEngine } from '../core/policy';
import { baseDeps, stepHandler } from './approval-aws';
import { requiredEnv as required } from './wiring';

export async function tokenDeps(): Promise<ApprovalStepDeps> {
  const bundle = await readBundleDir(required(ENV.POLICY_DIR));
  return { ...baseDeps(), token: { policy: PolicyEngine.fromBundles([bundle]), signer: new KmsSigner(new KMSClient({}), required(APPROVAL_ENV.DECISION_KEY_ID)) } };
}

export const handler = stepHandler('issueToken', tokenDeps, issueTokenStep);
