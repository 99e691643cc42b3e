/**
 * The agent routes of the proxy, as pure orchestration over ports. Reads: validate → identify → kill switch →
 * policy → CRM query with the policy's row filter → redaction → untrusted-content handling → output guard → audit
 * (before anything leaves). Proposals (writes) and reads that need a person are stored and handed to the approval
 * flow; the agent polls `GET /v1/requests/{id}` and fetches an approved read's result there, once. No I/O here.
 */
import { assertFieldsAllowed, describeWrite, writePolicyRequest } from './approvals/actions-policy';
import type { SealerPort } from './approvals/ports';
import { ProposeRequestSchema, type ActionName, type BridgeAction, type ProposeRequest } from './approvals/schemas';
import { admitAgent, deniedError, policyAgent, sealContext, SEAL_PURPOSE, type PolicyPort } from './agent-calls';
import { audited, type AuditPort, type CallContext, type Trail } from './audited';
import { PROPOSAL_OPS, type ProposalOp } from './constants';
import { BridgeError, isBridgeError } from './errors';
import { PrincipalDirectory } from './identity';
import type { KillSwitch } from './kill-switch';
import type { PolicyAction, PolicyDecision } from './policy/types';
import { fieldsTouched, parseQueryRequest, QUERY_LIMITS } from './query';
import { readBody, runRead, type AgentRecord, type CrmReader, type VaultPort } from './read-pipeline';
import { PENDING_REQUEST_TTL_SECONDS, type RequestRecord, type RequestStore } from './requests';
import type { RuntimeConfig } from './runtime-config';
import type { CrmObjectType } from './types';
import { parseOrThrow } from './validation';

export { VAULT_TTL_SECONDS, type CrmReader, type VaultPort } from './read-pipeline';
export type { AuditPort, CallContext } from './audited';
export { admitAgent, deniedError, policyAgent, requireGrant, sealContext, SEAL_PURPOSE, type Agent, type Intent, type PolicyPort } from './agent-calls';

/** Starts the approval flow (a Step Functions execution named by the request id). */
export interface FlowPort {
  start(requestId: string): Promise<void>;
}

export interface AgentServiceDeps {
  readonly config: RuntimeConfig;
  readonly policy: PolicyPort;
  readonly crm: CrmReader;
  readonly vault: VaultPort;
  readonly audit: AuditPort;
  readonly requests: RequestStore;
  readonly killSwitch: KillSwitch;
  readonly flow: FlowPort;
  /** Opens an approved read's sealed result (the data CMK; context binds it to its request). */
  readonly sealer: SealerPort;
  /** Deployment HMAC key for the `hash` redaction action. */
  readonly hmacKey: Uint8Array;
  readonly now?: () => Date;
}

export interface ServiceResponse {
  readonly status: 200 | 202;
  readonly body: unknown;
}

/**
 * Reads the body before the audited scope opens (the proposal's audit action depends on its `op`); a read failure
 * is kept and thrown by `take` inside the scope, so it is audited like any other.
 */
function readEarly(readJson: () => unknown): { readonly peek: unknown; readonly take: () => unknown } {
  try {
    const body = readJson();
    return { peek: body, take: () => body };
  } catch (error) {
    return {
      peek: undefined,
      take: () => {
        throw error;
      },
    };
  }
}

export class AgentService {
  private readonly directory: PrincipalDirectory;
  private readonly now: () => Date;

  constructor(private readonly deps: AgentServiceDeps) {
    this.directory = new PrincipalDirectory(deps.config.agents);
    this.now = deps.now ?? (() => new Date());
  }

  /** `POST /v1/records/query`. `readBody` parses the transport's body (and may throw a typed error). */
  query(ctx: CallContext, readJson: () => unknown): Promise<ServiceResponse> {
    return this.audited(ctx, 'Read', async (trail) => {
      const agent = await admitAgent(this.deps, this.directory, ctx, trail, 'read', 'Read');
      const q = parseQueryRequest(readJson());
      trail.object = q.object;
      trail.fields = fieldsTouched(q);
      const limit = q.limit ?? QUERY_LIMITS.defaultLimit;
      trail.requested = limit;
      const decision = this.deps.policy.evaluate({
        agent: policyAgent(agent),
        action: 'Read',
        resource: { type: q.object },
        context: { fields: trail.fields, recordLimit: limit, crm: this.deps.config.crm.kind, purpose: q.purpose, unmaskedPii: false, now: this.now() },
      });
      trail.decision = decision;
      if (decision.decision === 'deny') throw deniedError(decision);
      if (decision.decision === 'approval_required') {
        return this.park(ctx, agent.name, { kind: 'read', action: 'Read', object: q.object, conversationId: q.conversationId, payload: q }, decision);
      }
      const meta = { requestId: ctx.requestId, decisionId: decision.decisionId, policyVersion: decision.policyVersion };
      const records = await runRead(this.deps, { agent: agent.name, query: q, obligations: decision.obligations, ...meta }, trail);
      return { status: 200, body: readBody(records, meta, trail) };
    });
  }

  /**
   * `POST /v1/records/propose`: a create, an update or a refund of one record. Every write waits for a person,
   * whatever policy says: allow and approval_required both park the proposal and start the approval flow (202);
   * deny is POLICY_DENIED (a refund above the policy's cap, say), and so is a field outside the policy's allowlist,
   * named up front.
   */
  propose(ctx: CallContext, readJson: () => unknown): Promise<ServiceResponse> {
    const body = readEarly(readJson);
    return this.audited(ctx, proposedActionName(body.peek), async (trail) => {
      const admitted = await admitAgent(this.deps, this.directory, ctx, trail, 'write');
      const p = parseOrThrow(ProposeRequestSchema, body.take(), 'proposal');
      const action = proposedAction(p);
      const write = describeWrite(admitted, action, this.deps.config.crm.kind, trail);
      const request = writePolicyRequest(admitted, action, this.deps.config.crm.kind, this.now());
      const decision = this.deps.policy.evaluate(request);
      trail.decision = decision;
      if (decision.decision === 'deny') throw deniedError(decision);
      assertFieldsAllowed(decision, request.context.fields);
      return this.park(
        ctx,
        admitted.name,
        { kind: 'write', action: action.action, object: write.object, recordId: write.recordId, conversationId: p.conversationId, payload: action.params, reason: p.reason },
        decision,
      );
    });
  }

  /** `GET /v1/requests/{id}`: an agent sees only its own requests; others' do not exist for it. */
  getRequest(ctx: CallContext, requestId: string | undefined): Promise<ServiceResponse> {
    return this.audited(ctx, 'GetRequest', async (trail) => {
      const agent = await admitAgent(this.deps, this.directory, ctx, trail, 'status');
      const id = requestId ?? '';
      if (!/^[A-Za-z0-9-]{1,128}$/.test(id)) throw new BridgeError('VALIDATION_FAILED', 'request id must be 1–128 letters, digits or dashes');
      const record = await this.deps.requests.get(id);
      if (!record || record.agent !== agent.name || record.expiresAt * 1000 < this.now().getTime()) {
        throw new BridgeError('NOT_FOUND', `no request ${id}`);
      }
      trail.object = record.object;
      const status = {
        requestId: record.requestId,
        status: record.status,
        kind: record.kind,
        action: record.action,
        object: record.object,
        createdAt: record.createdAt,
        decisionId: record.decisionId,
      };
      if (record.status === 'completed' && record.kind === 'read') return { status: 200, body: { ...status, result: await this.takeResult(record, trail) } };
      if (record.writeResult) trail.recordIds = [record.writeResult.recordId];
      const code = errorCode(record);
      return {
        status: 200,
        body: {
          ...status,
          ...(record.writeResult ? { writeResult: { op: record.writeResult.op, recordId: record.writeResult.recordId } } : {}),
          ...(code ? { error: { code } } : {}),
        },
      };
    });
  }

  /**
   * Hands out an approved read's result once: opens it, then removes it with a conditional update, so of two
   * concurrent fetches only one gets it. The records handed out are audited by id, like a direct read.
   */
  private async takeResult(record: RequestRecord, trail: Trail): Promise<unknown> {
    const gone = () => new BridgeError('GONE', `the result of request ${record.requestId} was already fetched; it is handed out once`, record.resultFetchedAt ? { fetchedAt: record.resultFetchedAt } : undefined);
    if (!record.result) throw gone();
    const result = JSON.parse(await this.deps.sealer.open(record.result, sealContext(record.requestId, SEAL_PURPOSE.READ_RESULT))) as { records?: AgentRecord[] };
    try {
      await this.deps.requests.transition(record.requestId, 'completed', 'completed', { resultFetchedAt: this.now().toISOString() }, ['result']);
    } catch (e) {
      if (isBridgeError(e) && e.code === 'CONFLICT') throw gone();
      throw e;
    }
    const records = result.records ?? [];
    trail.recordIds = records.map((r) => r.id);
    trail.fields = [...new Set(records.flatMap((r) => Object.keys(r.fields)))];
    return result;
  }

  /**
   * Stores a request that needs a person, starts the approval flow and answers 202. A flow that cannot start
   * leaves no request waiting for nobody: the record is marked failed before the error goes back.
   */
  private async park(ctx: CallContext, agent: string, req: Parked, decision: PolicyDecision): Promise<ServiceResponse> {
    const now = this.now();
    const record: RequestRecord = {
      requestId: ctx.requestId,
      agent,
      ...(ctx.callerArn ? { principalArn: ctx.callerArn } : {}),
      kind: req.kind,
      action: req.action,
      status: 'approval_required',
      object: req.object,
      ...(req.recordId !== undefined ? { recordId: req.recordId } : {}),
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + PENDING_REQUEST_TTL_SECONDS,
      decisionId: decision.decisionId,
      policyVersion: decision.policyVersion,
      reasons: decision.reasons,
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(req.conversationId !== undefined ? { conversationId: req.conversationId } : {}),
      payload: req.payload,
    };
    await this.deps.requests.create(record);
    try {
      await this.deps.flow.start(record.requestId);
    } catch (e) {
      const error = { code: 'FLOW_NOT_STARTED', message: 'the approval flow could not be started' };
      await this.deps.requests.transition(record.requestId, 'approval_required', 'failed', { error, updatedAt: this.now().toISOString() }).catch(() => undefined);
      throw e;
    }
    return {
      status: 202,
      body: {
        requestId: ctx.requestId,
        status: 'approval_required',
        decisionId: decision.decisionId,
        reasons: decision.reasons,
        ...(req.kind === 'write' ? { message: 'Every write waits for a person. Poll GET /v1/requests/{id} for the outcome.' } : {}),
      },
    };
  }

  private audited(ctx: CallContext, action: 'Read' | 'GetRequest' | ActionName, run: (trail: Trail) => Promise<ServiceResponse>): Promise<ServiceResponse> {
    return audited({ audit: this.deps.audit, crmKind: this.deps.config.crm.kind, now: this.now }, ctx, action, run);
  }
}

/** What a parked request stores besides identity and decision. */
interface Parked {
  readonly kind: RequestRecord['kind'];
  readonly action: PolicyAction;
  readonly object: CrmObjectType;
  readonly recordId?: string;
  readonly conversationId?: string;
  readonly reason?: string;
  readonly payload: unknown;
}

/**
 * Why a request ended without running, as a stable code for the agent: the code only, since messages may name the
 * approver or carry CRM text.
 */
function errorCode(record: RequestRecord): string | undefined {
  if (record.status === 'rejected') return 'APPROVAL_REJECTED';
  if (record.status === 'expired') return 'APPROVAL_EXPIRED';
  return record.status === 'failed' ? (record.error?.code ?? 'INTERNAL') : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The audit action of a proposal: the action its `op` proposes; a body without a valid `op` is audited as a create. */
function proposedActionName(body: unknown): ActionName {
  const op = isObject(body) ? body.op : undefined;
  return typeof op === 'string' && Object.hasOwn(PROPOSAL_OPS, op) ? PROPOSAL_OPS[op as ProposalOp] : PROPOSAL_OPS.create;
}

/** The action a proposal asks a person to approve, with exactly the params its decision token will bind. */
function proposedAction(p: ProposeRequest): BridgeAction {
  // The params are the proposal (strict schemas: no other key) less its op, and less the reason a person reads where
  // the action takes none; a refund's reason is one of its params.
  switch (p.op) {
    case 'create': {
      const { op, reason: _forThePerson, ...params } = p;
      return { action: PROPOSAL_OPS[op], params };
    }
    case 'update': {
      const { op, reason: _forThePerson, ...params } = p;
      return { action: PROPOSAL_OPS[op], params };
    }
    case 'refund': {
      const { op, ...params } = p;
      return { action: PROPOSAL_OPS[op], params };
    }
  }
}
