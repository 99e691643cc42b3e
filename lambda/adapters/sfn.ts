/**
 * Step Functions behind the approval flow's ports: the agent API starts one execution per request (named by the
 * request id, so a retried start never runs the flow twice) and the approver API completes the waiting task.
 */
import { ExecutionAlreadyExists, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand, TaskTimedOut, InvalidToken, TaskDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';
import type { FlowPort } from '../core/agent-service';
import type { TaskResultPort } from '../core/approvals/ports';
import { BridgeError } from '../core/errors';

export class StepFunctionsFlow implements FlowPort {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(requestId: string): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: requestId, input: JSON.stringify({ requestId }) }));
    } catch (e) {
      // Same name and input: the execution already runs for this request.
      if (e instanceof ExecutionAlreadyExists) return;
      throw e;
    }
  }
}

export class StepFunctionsTaskResults implements TaskResultPort {
  constructor(private readonly client: SFNClient) {}

  async succeed(taskToken: string, output: { decision: 'approve' | 'edit'; approver: string }): Promise<void> {
    await this.send(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await this.send(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  /** A task that timed out or finished meanwhile is a conflict for the approver, not a server error. */
  private async send(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (e) {
      if (e instanceof TaskTimedOut || e instanceof TaskDoesNotExist || e instanceof InvalidToken) {
        throw new BridgeError('CONFLICT', 'the approval is no longer waiting for a decision (it timed out or was decided)');
      }
      throw e;
    }
  }
}
