/**
 * RecordOutcome: moves the request to the status its outcome names (from any non-terminal status; `completed` is set
 * by Execute only) and audits how it ended. Idempotent: a terminal request stays as it is, and the event records what
 * it ended as; each invocation writes its event.
 */
import { BridgeError, isBridgeError } from '../errors';
import { REQUEST_TRANSITIONS, TERMINAL_STATUSES, type RequestStatus } from '../requests';
import { AUDIT_OUTCOME, errorOf, flowKit, OutcomeEventSchema, type ApprovalStepDeps, type FlowOutcome, type Step } from './flow-kit';

export function recordOutcomeStep(deps: ApprovalStepDeps): Step<{ requestId: string; outcome: FlowOutcome }> {
  const kit = flowKit(deps);
  return (event) =>
    kit.step(OutcomeEventSchema, event, 'RecordOutcome', async ({ requestId, outcome, error }, trail) => {
      let record = await kit.load(requestId, trail);
      for (let attempt = 0; !TERMINAL_STATUSES.includes(record.status); attempt++) {
        if (outcome === 'completed') throw new BridgeError('CONFLICT', `request ${requestId} is ${record.status}: only Execute completes a request`);
        // An outcome the lifecycle does not allow from here (an approval that expired after it was granted) fails.
        const target: RequestStatus = REQUEST_TRANSITIONS[record.status].includes(outcome) ? outcome : 'failed';
        try {
          record = await deps.requests.transition(requestId, record.status, target, {
            updatedAt: kit.now().toISOString(),
            ...(target === 'failed' ? { error: errorOf(error) } : {}),
          });
        } catch (e) {
          // Someone moved it meanwhile (an approver deciding as it expired): look again.
          if (!isBridgeError(e) || e.code !== 'CONFLICT' || attempt >= 2) throw e;
          record = await kit.load(requestId, trail);
        }
      }
      const final = record.status as FlowOutcome;
      trail.outcome = AUDIT_OUTCOME[final];
      trail.approval = kit.approvalOf(record);
      if (record.kind === 'write' && record.writeResult) trail.recordIds = [record.writeResult.recordId];
      if (record.error) trail.errorCode = record.error.code;
      return { requestId, outcome: final };
    });
}
