/**
 * WaitForApproval: seals the task token into the request with the approval deadline, then notifies approvers. No
 * audit action of its own: the request was audited when it was asked, the approver API audits the decision, and
 * RecordOutcome audits how it ended.
 */
import { sealContext, SEAL_PURPOSE } from '../agent-calls';
import { defaultWarn, flowKit, MAX_ERROR_MESSAGE, need, WaitEventSchema, type ApprovalStepDeps, type Step } from './flow-kit';

export function waitForApprovalStep(deps: ApprovalStepDeps): Step<{ requestId: string }> {
  const kit = flowKit(deps);
  return (event) =>
    kit.step(WaitEventSchema, event, undefined, async ({ requestId, taskToken }, trail) => {
      const wait = need(deps.wait, 'WaitForApproval');
      const record = await kit.load(requestId, trail, ['approval_required']);
      const at = kit.now();
      const deadline = new Date(at.getTime() + wait.timeoutSeconds * 1000).toISOString();
      const sealed = await wait.sealer.seal(taskToken, sealContext(requestId, SEAL_PURPOSE.TASK_TOKEN));
      // The token is stored before anyone is told: a lost notice never loses the approval (`bridge approvals list`).
      const stored = await deps.requests.transition(requestId, 'approval_required', 'approval_required', {
        taskToken: sealed,
        approvalDeadline: deadline,
        updatedAt: at.toISOString(),
      });
      try {
        await wait.notifier.notify({
          requestId,
          agent: record.agent,
          action: record.action,
          object: record.object,
          ...(record.recordId ? { recordId: record.recordId } : {}),
          summary: stored.review?.summary ?? `${record.agent} asks to run ${record.action} on ${record.object}`,
          deadline,
        });
      } catch (e) {
        // Notifiers retry on their own and a composite tries every channel; resending here would notify twice.
        (wait.warn ?? defaultWarn)('approval notice not delivered; approvers still find the request with `bridge approvals list`', {
          requestId,
          error: e instanceof Error ? e.message.slice(0, MAX_ERROR_MESSAGE) : 'unknown error',
        });
      }
      return { requestId };
    });
}
