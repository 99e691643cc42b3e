/** RecordOutcome: moves the request to its final status and writes the audit event of how it ended (flow.ts). */
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { recordOutcomeStep } from '../core/approvals/step-outcome';
import { baseDeps, stepHandler } from './approval-aws';

export async function outcomeDeps(): Promise<ApprovalStepDeps> {
  return baseDeps();
}

export const handler = stepHandler('recordOutcome', outcomeDeps, recordOutcomeStep);
