/**
 * The approver routes: list requests by status, show one (the redacted review and, for updates and refunds, the
 * current CRM values beside the proposed ones), and decide. Callers are configured approvers only; a principal that
 * is also configured as an agent never decides. Rules of a decision: only a pending request, before its deadline,
 * never by its requester (name or principal), edits pass policy again, and a decision is final (the status
 * transition is conditional, so a second one gets 409). Every call is audited with the approver's identity.
 */
import { deniedError, sealContext, SEAL_PURPOSE, type PolicyPort } from '../agent-calls';
import type { ServiceResponse } from '../agent-service';
import { audited, type AuditPort, type CallContext, type Trail } from '../audited';
import { BridgeError, isBridgeError } from '../errors';
import { parsePrincipal, PrincipalDirectory } from '../identity';
import { enforceMode, type KillSwitch } from '../kill-switch';
import { neutralizePlaceholders, outputGuard } from '../redaction';
import type { ApprovalRecord, RequestRecord, RequestStore } from '../requests';
import type { RuntimeConfig } from '../runtime-config';
import { parseOrThrow } from '../validation';
import { assertFieldsAllowed, writePolicyRequest } from './actions-policy';
import { actionToWrite } from './crm-writes';
import type { CrmWriterPort, SealerPort, TaskResultPort } from './ports';
import { buildReview } from './review';
import { ActionSchema, ApprovalDecisionSchema, ApprovalListQuerySchema, type BridgeAction } from './schemas';

export interface ApproverServiceDeps {
  readonly config: RuntimeConfig;
  /** Re-evaluates an approver's edit. */
  readonly policy: PolicyPort;
  readonly requests: RequestStore;
  readonly audit: AuditPort;
  readonly killSwitch: KillSwitch;
  /** Opens the sealed task token of WaitForApproval. */
  readonly sealer: SealerPort;
  /** Completes WaitForApproval: this service is the only sender of task results. */
  readonly tasks: TaskResultPort;
  /** The current CRM record for the diff, read with the READ integration user. */
  readonly crm: Pick<CrmWriterPort, 'get'>;
  /** Deployment HMAC key (the review's Redactor needs one). */
  readonly hmacKey: Uint8Array;
  readonly now?: () => Date;
}

interface Approver {
  readonly name: string;
  readonly principalArn: string;
}

const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const principalKey = (arn: string | undefined): string | undefined => {
  const p = arn ? parsePrincipal(arn) : undefined;
  return p ? `${p.partition}:${p.account}:${p.kind}:${p.name}` : undefined;
};
/** A proposal's write action, from its (final) payload. */
const writeAction = (record: RequestRecord, payload = record.finalPayload ?? record.payload, what = 'stored action'): BridgeAction =>
  parseOrThrow(ActionSchema, { action: record.action, params: payload }, what);

export class ApproverService {
  private readonly approvers: PrincipalDirectory;
  private readonly agents: PrincipalDirectory;
  private readonly now: () => Date;

  constructor(private readonly deps: ApproverServiceDeps) {
    this.approvers = new PrincipalDirectory(deps.config.approvers);
    this.agents = new PrincipalDirectory(deps.config.agents);
    this.now = deps.now ?? (() => new Date());
  }

  /** `GET /v1/approvals?status=&limit=&cursor=`: requests by status (pending by default), oldest first, without values. */
  list(ctx: CallContext, query: Readonly<Record<string, string>>): Promise<ServiceResponse> {
    return this.audited(ctx, 'ListApprovals', async (trail) => {
      await this.admit(ctx, trail);
      const q = parseOrThrow(ApprovalListQuerySchema, query, 'approval list query');
      const page = await this.deps.requests.listByStatus(q.status, { ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
      const items = page.items
        .filter((r) => !this.expired(r))
        .map((r) => ({
          requestId: r.requestId,
          agent: r.agent,
          action: r.action,
          object: r.object,
          ...(r.recordId !== undefined ? { recordId: r.recordId } : {}),
          createdAt: r.createdAt,
          ...(r.approvalDeadline !== undefined ? { approvalDeadline: r.approvalDeadline } : {}),
          summary: r.review?.summary ?? 'review being prepared',
        }));
      return { status: 200, body: { items, ...(page.cursor ? { cursor: page.cursor } : {}) } };
    });
  }

  /**
   * `GET /v1/approvals/{id}`: the redacted review and, while an update or refund is pending, `diff`: the current
   * CRM values of the proposed fields beside the proposed ones, both rendered by the same review rules (an
   * approver never sees more than the agent could). The agent's reason passes the output guard.
   */
  get(ctx: CallContext, requestId: string | undefined): Promise<ServiceResponse> {
    return this.audited(ctx, 'GetApproval', async (trail) => {
      await this.admit(ctx, trail);
      const record = await this.load(requestId, trail);
      const review = record.review ?? buildReview(this.deps.config, record, this.deps.hmacKey);
      const diff = record.status === 'approval_required' && record.kind === 'write' && record.recordId !== undefined ? await this.diff(record, review.proposed, trail) : undefined;
      return {
        status: 200,
        body: {
          requestId: record.requestId,
          agent: record.agent,
          kind: record.kind,
          action: record.action,
          status: record.status,
          object: record.object,
          ...(record.recordId !== undefined ? { recordId: record.recordId } : {}),
          createdAt: record.createdAt,
          ...(record.approvalDeadline !== undefined ? { approvalDeadline: record.approvalDeadline } : {}),
          policy: { decisionId: record.decisionId, policyVersion: record.policyVersion, reasons: record.reasons ?? [] },
          ...(record.reason !== undefined ? { reason: outputGuard(record.reason).value } : {}),
          review,
          ...(diff ? { diff } : {}),
          ...(record.approval ? { approval: record.approval } : {}),
        },
      };
    });
  }

  /**
   * `POST /v1/approvals/{id}/decision` `{decision, edits?, comment}`. The status moves first (conditional: a
   * concurrent second decision gets 409), then the waiting task gets its result. If the task no longer waits
   * (timed out), the approved request is marked failed, so nothing runs, and the approver gets 409.
   */
  decide(ctx: CallContext, requestId: string | undefined, readJson: () => unknown): Promise<ServiceResponse> {
    return this.audited(ctx, 'ApprovalDecided', async (trail) => {
      const approver = await this.admit(ctx, trail);
      const input = parseOrThrow(ApprovalDecisionSchema, readJson(), 'decision');
      const record = await this.load(requestId, trail);
      const id = record.requestId;
      if (record.status !== 'approval_required') {
        throw new BridgeError('CONFLICT', `request ${id} is ${record.status}: a decision is final`, { status: record.status });
      }
      if (approver.name === record.agent || principalKey(approver.principalArn) === principalKey(record.principalArn)) {
        throw new BridgeError('FORBIDDEN', `request ${id} was made by the caller: an approver never decides their own request`);
      }
      if (!record.taskToken || !record.approvalDeadline) {
        throw new BridgeError('CONFLICT', `request ${id} is not waiting for a decision yet; retry in a few seconds`);
      }
      if (this.now().getTime() > Date.parse(record.approvalDeadline)) {
        throw new BridgeError('CONFLICT', `the approval deadline of request ${id} passed at ${record.approvalDeadline}; it ends denied`);
      }
      // A write approved while the bridge is read-only would fail at Execute; it stays pending until resumed.
      if (input.decision !== 'reject' && record.kind === 'write') enforceMode(await this.deps.killSwitch.mode(), 'write');

      const decidedAt = this.now().toISOString();
      const edit = input.decision === 'edit' ? this.checkEdit(record, input.edits ?? {}, trail) : undefined;
      const approval: ApprovalRecord = {
        approver: approver.name,
        principalArn: approver.principalArn,
        decision: input.decision,
        comment: input.comment,
        decidedAt,
        ...(edit ? { editedFields: edit.editedFields } : {}),
      };
      trail.approval = {
        approver: { name: approver.name, principalArn: approver.principalArn },
        decision: input.decision,
        decidedAt,
        requestedAt: record.createdAt,
        ...(edit ? { editedFields: [...edit.editedFields] } : {}),
      };
      const to = input.decision === 'reject' ? 'rejected' : 'approved';
      await this.deps.requests.transition(id, 'approval_required', to, { approval, updatedAt: decidedAt, ...(edit ? { finalPayload: edit.params } : {}) });
      trail.outcome = input.decision === 'approve' ? 'approved' : input.decision === 'edit' ? 'edited' : 'rejected';

      try {
        const taskToken = await this.deps.sealer.open(record.taskToken, sealContext(id, SEAL_PURPOSE.TASK_TOKEN));
        if (input.decision === 'reject') await this.deps.tasks.fail(taskToken, 'Bridge.Rejected', `rejected by ${approver.name}`);
        else await this.deps.tasks.succeed(taskToken, { decision: input.decision, approver: approver.name });
      } catch (e) {
        // The flow did not get the decision: an approved request must never run later, so it ends failed here.
        if (to === 'approved') {
          const error = { code: 'APPROVAL_NOT_DELIVERED', message: 'the approval flow no longer waited for the decision' };
          await this.deps.requests.transition(id, 'approved', 'failed', { error, updatedAt: this.now().toISOString() }).catch(() => undefined);
        }
        if (isBridgeError(e) && e.code === 'CONFLICT') {
          throw new BridgeError('CONFLICT', `the approval flow of request ${id} no longer waits for a decision (it timed out); nothing will run`);
        }
        throw e;
      }
      return {
        status: 200,
        body: { requestId: id, status: to, decision: input.decision, decidedAt, ...(edit ? { editedFields: edit.editedFields } : {}) },
      };
    });
  }

  /**
   * An edit: the approver's values merged into the proposed fields, validated as an action, and judged by policy
   * again as the agent's own request. A deny or a field outside the allowlist refuses the edit; the request stays
   * pending for another decision.
   */
  private checkEdit(record: RequestRecord, edits: Record<string, unknown>, trail: Trail): { params: BridgeAction['params']; editedFields: string[] } {
    if (record.kind !== 'write' || (record.action !== 'ProposeCreate' && record.action !== 'ProposeUpdate')) {
      throw new BridgeError('VALIDATION_FAILED', `request ${record.requestId} is a ${record.action}: only proposed creates and updates take edits`);
    }
    const original = writeAction(record);
    const fields = (original.params as { fields: Record<string, unknown> }).fields;
    const action = writeAction(record, { ...original.params, fields: { ...fields, ...edits } }, 'edited action');
    const profile = this.deps.config.agents[record.agent];
    if (!profile) throw new BridgeError('FORBIDDEN', `agent '${record.agent}' is no longer configured; its requests cannot be approved`);
    const request = writePolicyRequest({ name: record.agent, profile }, action, this.deps.config.crm.kind, this.now());
    const decision = this.deps.policy.evaluate(request);
    trail.decision = decision;
    trail.fields = request.context.fields;
    if (decision.decision === 'deny') throw deniedError(decision);
    assertFieldsAllowed(decision, request.context.fields);
    const editedFields = Object.keys(edits).filter((f) => !(f in fields) || fields[f] !== edits[f]);
    return { params: action.params, editedFields };
  }

  /** The current CRM values of the fields a pending update or refund writes, beside the proposed ones. */
  private async diff(record: RequestRecord, proposed: Record<string, unknown>, trail: Trail) {
    const write = actionToWrite(writeAction(record), this.deps.config.crm.kind);
    const names = Object.keys(write.fields);
    trail.fields = names;
    const current = await this.deps.crm.get(record.object, record.recordId as string, names);
    // CRM values are data, never placeholders: neutralised, then rendered by the review's own rules.
    const values = Object.fromEntries(names.map((f) => [f, neutralize(current?.fields[f] ?? null)]));
    const shown = buildReview(
      this.deps.config,
      { ...record, kind: 'write', action: 'ProposeUpdate', payload: { object: record.object, recordId: record.recordId, fields: values }, finalPayload: undefined },
      this.deps.hmacKey,
    ).proposed;
    return { recordFound: current !== undefined, fields: names.map((field) => ({ field, current: shown[field] ?? null, proposed: proposed[field] ?? null })) };
  }

  /** An approver, by the caller's principal; the kill switch's frozen mode refuses every approver call. */
  private async admit(ctx: CallContext, trail: Trail): Promise<Approver> {
    const name = this.approvers.resolve(ctx.callerArn);
    if (!name || !ctx.callerArn) throw new BridgeError('FORBIDDEN', 'the caller is not a configured approver');
    trail.actor = name;
    if (this.agents.resolve(ctx.callerArn)) throw new BridgeError('FORBIDDEN', `approver '${name}' is also configured as an agent: agents never decide`);
    enforceMode(await this.deps.killSwitch.mode(), 'read');
    return { name, principalArn: ctx.callerArn };
  }

  private async load(requestId: string | undefined, trail: Trail): Promise<RequestRecord> {
    const id = requestId ?? '';
    if (!REQUEST_ID.test(id)) throw new BridgeError('VALIDATION_FAILED', 'request id must be 1–128 letters, digits or dashes');
    const record = await this.deps.requests.get(id);
    if (!record || this.expired(record)) throw new BridgeError('NOT_FOUND', `no request ${id}`);
    trail.object = record.object;
    if (record.recordId !== undefined) trail.recordIds = [record.recordId];
    return record;
  }

  private expired(record: RequestRecord): boolean {
    return record.expiresAt * 1000 < this.now().getTime();
  }

  private audited(
    ctx: CallContext,
    action: 'ListApprovals' | 'GetApproval' | 'ApprovalDecided',
    run: (trail: Trail) => Promise<ServiceResponse>,
  ): Promise<ServiceResponse> {
    return audited({ audit: this.deps.audit, crmKind: this.deps.config.crm.kind, now: this.now }, ctx, action, run);
  }
}

const neutralize = (v: unknown): unknown => (typeof v === 'string' ? neutralizePlaceholders(v) : v);
