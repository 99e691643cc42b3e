/**
 * The approval state machine on a laptop: the synthesized ASL (local/state-machine.ts) run by aws-local-stepfunctions,
 * with each Task state calling the same step code as the Lambda functions. It stands in for Step Functions on both
 * ports: the agent API starts executions through it (FlowPort) and the approver API completes the waiting task
 * through it (TaskResultPort), exactly as they would with StartExecution and SendTaskSuccess/Failure.
 */
import './promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { FlowPort } from '../lambda/core/agent-service';
import type { ApprovalSteps } from '../lambda/core/approvals/flow';
import type { TaskResultPort } from '../lambda/core/approvals/ports';
import { BridgeError } from '../lambda/core/errors';
import type { ApprovalStepRole } from '../lib/constructs/approval-flow';
import type { LocalStateMachine } from './state-machine';

type Json = Parameters<StateMachine['run']>[0];
type TaskState = { Type: string; Resource?: string; Parameters?: { FunctionName?: string } };

/** Which step each function role runs. */
const STEP_OF: Record<ApprovalStepRole, keyof ApprovalSteps> = {
  approvalReview: 'prepareReview',
  approvalWait: 'waitForApproval',
  approvalToken: 'issueToken',
  approvalExecute: 'execute',
  approvalOutcome: 'recordOutcome',
};

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/** A state machine whose WaitForApproval timeout is known (the wait step records the deadline from it). */
export interface TimedStateMachine extends LocalStateMachine {
  readonly approvalTimeoutSeconds: number;
}

/**
 * The synthesized definition with WaitForApproval's timeout optionally shortened (tests of the timeout path run in
 * seconds, not the deployed minimum of one minute). Everything else stays exactly as synthesized.
 */
export function withApprovalTimeout(machine: LocalStateMachine, seconds?: number): TimedStateMachine {
  const states = (machine.definition as { States: Record<string, TaskState & { TimeoutSeconds?: number }> }).States;
  const waits = Object.values(states).filter((s) => s.Type === 'Task' && (s.Resource?.endsWith(WAIT_FOR_TASK_TOKEN) ?? false));
  if (waits.length !== 1 || waits[0].TimeoutSeconds === undefined) throw new Error('local state machine: expected one .waitForTaskToken task with a TimeoutSeconds');
  if (seconds !== undefined) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`approvalTimeoutSeconds must be a positive integer, got ${seconds}`);
    waits[0].TimeoutSeconds = seconds;
  }
  return { ...machine, approvalTimeoutSeconds: waits[0].TimeoutSeconds };
}

/** How one execution ended, as DescribeExecution would say it. */
export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly cause?: string;
}

interface Waiting {
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export class LocalStepFunctions implements FlowPort, TaskResultPort {
  private readonly machine: StateMachine;
  private readonly overrides: Record<string, (input: Json) => Promise<Json>>;
  private readonly waiting = new Map<string, Waiting>();
  private readonly executions = new Map<string, Promise<LocalExecution>>();
  private readonly running = new Set<{ abort(): void }>();

  constructor(
    stateMachine: LocalStateMachine,
    private readonly steps: ApprovalSteps,
  ) {
    this.machine = new StateMachine(stateMachine.definition as unknown as ConstructorParameters<typeof StateMachine>[0]);
    this.overrides = {};
    for (const [name, state] of Object.entries((stateMachine.definition as { States: Record<string, TaskState> }).States)) {
      if (state.Type !== 'Task') continue;
      const integrated = state.Resource?.startsWith(LAMBDA_INVOKE) ?? false;
      const arn = integrated ? state.Parameters?.FunctionName : state.Resource;
      const role = arn ? stateMachine.functions[arn] : undefined;
      if (!role) throw new Error(`local state machine: task state ${name} invokes ${arn ?? '(nothing)'}, which is no approval step`);
      const step = STEP_OF[role];
      const waits = state.Resource?.endsWith(WAIT_FOR_TASK_TOKEN) ?? false;
      this.overrides[name] = async (input) => {
        // lambda:invoke hands the function {FunctionName, Payload}; a direct Lambda resource hands it the payload.
        const payload = integrated ? (input as { Payload: unknown }).Payload : input;
        const result = await this.steps[step](payload);
        if (!waits) return (integrated ? { Payload: result } : result) as Json;
        const { taskToken } = payload as { taskToken: string };
        return (await new Promise<unknown>((resolve, reject) => this.waiting.set(taskToken, { resolve, reject }))) as Json;
      };
    }
  }

  /** StartExecution with name = requestId: a second start of the same request is a no-op. */
  async start(requestId: string): Promise<void> {
    if (this.executions.has(requestId)) return;
    const run = this.machine.run({ requestId }, { overrides: { taskResourceLocalHandlers: this.overrides }, context: { Task: { Token: randomUUID() } }, noThrowOnAbort: true });
    this.running.add(run);
    const done = run.result.then(
      (): LocalExecution => ({ status: 'SUCCEEDED' }),
      (e: unknown): LocalExecution => {
        // The runner wraps the Fail state's error as ExecutionError; its cause carries the state's Error and Cause.
        const failed = ((e as Error).cause as Error | undefined) ?? (e as Error);
        return { status: 'FAILED', error: failed.name, cause: failed.message };
      },
    );
    this.executions.set(requestId, done);
    void done.finally(() => this.running.delete(run));
  }

  async succeed(taskToken: string, output: { decision: 'approve' | 'edit'; approver: string }): Promise<void> {
    this.take(taskToken).resolve(output);
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.take(taskToken).reject(Object.assign(new Error(cause), { name: error }));
  }

  /** Resolves when the request's execution ends (tests and the approver CLI's local mode wait on it). */
  execution(requestId: string): Promise<LocalExecution> | undefined {
    return this.executions.get(requestId);
  }

  /** Stops every running execution (runtime shutdown). */
  stop(): void {
    for (const run of this.running) run.abort();
    // Settling the waits lets the runner clear each task's timeout timer, so nothing keeps the process alive.
    for (const waiting of this.waiting.values()) waiting.reject(Object.assign(new Error('the local runtime stopped'), { name: 'Bridge.Stopped' }));
    this.waiting.clear();
  }

  private take(taskToken: string): Waiting {
    const waiting = this.waiting.get(taskToken);
    // What Step Functions answers for a token that timed out or was already used.
    if (!waiting) throw new BridgeError('CONFLICT', 'the approval is no longer waiting for a decision (it timed out or was decided)');
    this.waiting.delete(taskToken);
    return waiting;
  }
}
