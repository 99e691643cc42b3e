/**
 * The approval flow's five steps, as pure orchestration over ports. The state machine (lib/constructs/approval-flow.ts)
 * invokes them through one Lambda each (lambda/handlers/approval-*.ts, each bundling only its own step-*.ts) and the
 * local runtime calls them in process through `buildApprovalSteps`. State data carries only ids, outcome names, the
 * decision token and errors; everything else lives in the request record.
 *
 * Every step but WaitForApproval writes its audit event (through `audited`) with the requester (agent name and
 * principal ARN from the record) as the actor, and the approver's identity once a person decided. Errors reach Step
 * Functions as `Bridge.<CODE>` (StepError), so Catch and Retry can match them by name.
 */
import type { ApprovalStepDeps, ApprovalSteps } from './flow-kit';
import { executeStep } from './step-execute';
import { recordOutcomeStep } from './step-outcome';
import { prepareReviewStep } from './step-review';
import { issueTokenStep } from './step-token';
import { waitForApprovalStep } from './step-wait';

export * from './flow-kit';
export { executeStep, issueTokenStep, prepareReviewStep, recordOutcomeStep, waitForApprovalStep };

/** All five steps over one set of dependencies (the local runtime; tests). */
export function buildApprovalSteps(deps: ApprovalStepDeps): ApprovalSteps {
  return {
    prepareReview: prepareReviewStep(deps),
    waitForApproval: waitForApprovalStep(deps),
    issueToken: issueTokenStep(deps),
    execute: executeStep(deps),
    recordOutcome: recordOutcomeStep(deps),
  };
}
