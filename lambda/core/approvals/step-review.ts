/** PrepareReview: stores the approver's redacted view of a waiting request (review.ts) and audits ReviewPrepared. */
import { fieldsOf } from './action-fields';
import { flowKit, need, ReviewEventSchema, type ApprovalStepDeps, type Step } from './flow-kit';
import { buildReview } from './review';

export function prepareReviewStep(deps: ApprovalStepDeps): Step<{ requestId: string }> {
  const kit = flowKit(deps);
  return (event) =>
    kit.step(ReviewEventSchema, event, 'ReviewPrepared', async ({ requestId }, trail) => {
      const { hmacKey } = need(deps.review, 'PrepareReview');
      const record = await kit.load(requestId, trail, ['approval_required']);
      trail.decision = { decision: 'approval_required', decisionId: record.decisionId, policyVersion: record.policyVersion, reasons: [...(record.reasons ?? [])] };
      trail.fields = fieldsOf(kit.finalAction(record), deps.config.crm.kind);
      const review = buildReview(deps.config, record, hmacKey);
      await deps.requests.transition(requestId, 'approval_required', 'approval_required', { review, updatedAt: kit.now().toISOString() });
      trail.outcome = 'approval_required';
      return { requestId };
    });
}
