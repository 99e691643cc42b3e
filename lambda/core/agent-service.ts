/**
 * The agent read path, as pure orchestration over ports: validate → identify → kill switch →
 * policy → CRM query with the policy's row filter → redaction → untrusted-content handling →
 * output guard → audit (before anything leaves). Adapters are injected; nothing here does I/O.
 */
import { buildAuditEvent, type AuditEvent, type AuditEventInput } from './audit/event';
import { BridgeError, isBridgeError } from './errors';
import { parsePrincipal, PrincipalDirectory } from './identity';
import { enforceMode, type KillSwitch } from './kill-switch';
import type { PolicyDecision, PolicyRequest } from './policy/types';
import { andFilters, parseQueryRequest, QUERY_LIMITS, type QueryRequest, type StructuredQuery } from './query';
import { classifyField, DEFAULT_FIELD_POLICY, outputGuard, Redactor } from './redaction';
import type { VaultEntry } from './redaction';
import { PENDING_REQUEST_TTL_SECONDS, type RequestRecord, type RequestStore } from './requests';
import type { AgentRuntime, RuntimeConfig } from './runtime-config';
import type { CrmRecord, FieldClass, Filter } from './types';
import { handleUntrusted } from './untrusted';

/** How long tokenized originals stay re-identifiable. */
export const VAULT_TTL_SECONDS = 24 * 3600;

export interface CrmReader {
  query(q: StructuredQuery): Promise<CrmRecord[]>;
}
export interface PolicyPort {
  evaluate(req: PolicyRequest): PolicyDecision;
}
export interface VaultPort {
  put(scope: string, entries: VaultEntry[], ttlSeconds: number): Promise<void>;
}
export interface AuditPort {
  write(event: AuditEvent): Promise<void>;
}

export interface AgentServiceDeps {
  readonly config: RuntimeConfig;
  readonly policy: PolicyPort;
  readonly crm: CrmReader;
  readonly vault: VaultPort;
  readonly audit: AuditPort;
  readonly requests: RequestStore;
  readonly killSwitch: KillSwitch;
  /** Deployment HMAC key for the `hash` redaction action. */
  readonly hmacKey: Uint8Array;
  readonly now?: () => Date;
}

export interface CallContext {
  /** The caller's IAM principal ARN as API Gateway saw it. */
  readonly callerArn: string | undefined;
  /** API Gateway's request id: also the bridge's request id. */
  readonly requestId: string;
}

export interface ServiceResponse {
  readonly status: 200 | 202;
  readonly body: unknown;
}

/** What one request accumulates for its audit event. */
interface Trail {
  agent?: { name: string; profile: AgentRuntime };
  action: AuditEventInput['action'];
  query?: QueryRequest;
  decision?: PolicyDecision;
  recordIds: string[];
  redactions: Record<string, number>;
  injectionFlags: number;
  outputGuardHits: Record<string, number>;
}

const FREE_TEXT: FieldClass = 'FREE_TEXT';
/** Classes whose values the output guard must leave alone when policy lets them through in clear. */
const PII_CLASSES = new Set<FieldClass>(['EMAIL', 'PHONE', 'PERSON_NAME', 'POSTAL_ADDRESS', 'DATE_OF_BIRTH', 'GOVERNMENT_ID', 'FINANCIAL']);

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/** Every field a query reveals something about: selected, filtered on, or sorted by. */
function fieldsTouched(q: QueryRequest): string[] {
  const out = new Set(q.fields);
  const walk = (f: Filter) => {
    if ('and' in f) f.and.forEach(walk);
    else if ('or' in f) f.or.forEach(walk);
    else out.add(f.field);
  };
  if (q.where) walk(q.where);
  for (const o of q.orderBy ?? []) out.add(o.field);
  return [...out];
}

export class AgentService {
  private readonly directory: PrincipalDirectory;
  private readonly now: () => Date;

  constructor(private readonly deps: AgentServiceDeps) {
    this.directory = new PrincipalDirectory(deps.config.agents);
    this.now = deps.now ?? (() => new Date());
  }

  /** `POST /v1/records/query`. `readBody` parses the transport's body (and may throw a typed error). */
  query(ctx: CallContext, readBody: () => unknown): Promise<ServiceResponse> {
    return this.audited(ctx, 'Read', async (trail) => {
      const agent = await this.admit(ctx, trail, 'read');
      const q = parseQueryRequest(readBody());
      trail.query = q;
      const limit = q.limit ?? QUERY_LIMITS.defaultLimit;
      const decision = this.deps.policy.evaluate({
        agent: { id: agent.name, team: agent.profile.team, territories: agent.profile.territories, tier: agent.profile.tier },
        action: 'Read',
        resource: { type: q.object },
        context: { fields: fieldsTouched(q), recordLimit: limit, crm: this.deps.config.crm.kind, purpose: q.purpose, unmaskedPii: false, now: this.now() },
      });
      trail.decision = decision;
      if (decision.decision === 'deny') throw this.denied(decision);
      if (decision.decision === 'approval_required') return this.park(ctx, agent.name, q, decision);

      const { allowedFields, rowFilter, maxRecords, maskingOverrides } = decision.obligations;
      const notAllowed = allowedFields ? fieldsTouched(q).filter((f) => !allowedFields.includes(f)) : [];
      if (notAllowed.length > 0) {
        throw new BridgeError('POLICY_DENIED', `policy does not allow the field(s) ${notAllowed.join(', ')}`, {
          fields: notAllowed,
          decisionId: decision.decisionId,
          policyVersion: decision.policyVersion,
        });
      }
      const records = await this.deps.crm.query({
        object: q.object,
        fields: q.fields,
        where: andFilters(q.where, rowFilter),
        orderBy: q.orderBy,
        limit: Math.min(limit, maxRecords ?? limit),
      });
      const scope = `${agent.name}:${q.conversationId ?? ctx.requestId}`;
      const redactor = new Redactor({ hmacKey: this.deps.hmacKey, policy: maskingOverrides, scope });
      const fieldPolicy = { ...DEFAULT_FIELD_POLICY, ...maskingOverrides };
      const { crm, customFields, untrustedAction } = this.deps.config;
      const entries: VaultEntry[] = [];
      const clearValues: string[] = [];
      const out = records.map((record) => {
        const redacted = redactor.redactRecord(crm.kind, record, customFields);
        add(trail.redactions, redacted.counts);
        entries.push(...redacted.vaultEntries);
        const fields: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(redacted.record.fields)) {
          const cls = classifyField(crm.kind, record.object, name, customFields);
          if (cls === FREE_TEXT && typeof value === 'string') {
            const handled = handleUntrusted(value, untrustedAction);
            if (handled.value.flagged) trail.injectionFlags++;
            fields[name] = handled.value;
          } else {
            if (PII_CLASSES.has(cls) && fieldPolicy[cls] === 'allow' && typeof value === 'string') clearValues.push(value);
            fields[name] = value;
          }
        }
        trail.recordIds.push(record.id);
        return { object: record.object, id: record.id, fields };
      });
      // The guard scans record contents only: provenance ids and meta are the bridge's own.
      const guarded = outputGuard(
        out.map((r) => r.fields),
        { values: clearValues },
      );
      add(trail.outputGuardHits, guarded.hits);
      const guardedFields = guarded.value as Record<string, unknown>[];
      if (entries.length > 0) await this.deps.vault.put(scope, entries, VAULT_TTL_SECONDS);
      return {
        status: 200,
        body: {
          records: out.map((r, i) => ({ ...r, fields: guardedFields[i] })),
          meta: {
            requestId: ctx.requestId,
            decisionId: decision.decisionId,
            policyVersion: decision.policyVersion,
            redactions: trail.redactions,
            flags: { injection: trail.injectionFlags, outputGuard: trail.outputGuardHits },
          },
        },
      };
    });
  }

  /** `GET /v1/requests/{id}`: an agent sees only its own requests; others' do not exist for it. */
  getRequest(ctx: CallContext, requestId: string | undefined): Promise<ServiceResponse> {
    return this.audited(ctx, 'GetRequest', async (trail) => {
      const agent = await this.admit(ctx, trail, 'status');
      const id = requestId ?? '';
      if (!/^[A-Za-z0-9-]{1,128}$/.test(id)) throw new BridgeError('VALIDATION_FAILED', 'request id must be 1–128 letters, digits or dashes');
      const record = await this.deps.requests.get(id);
      if (!record || record.agent !== agent.name || record.expiresAt * 1000 < this.now().getTime()) {
        throw new BridgeError('NOT_FOUND', `no request ${id}`);
      }
      return {
        status: 200,
        body: { requestId: record.requestId, status: record.status, object: record.object, createdAt: record.createdAt, decisionId: record.decisionId },
      };
    });
  }

  /** Identity, configured grant and kill switch: the checks every agent call passes first. */
  private async admit(ctx: CallContext, trail: Trail, intent: 'read' | 'write' | 'status'): Promise<{ name: string; profile: AgentRuntime }> {
    const name = this.directory.resolve(ctx.callerArn);
    if (!name) throw new BridgeError('UNKNOWN_AGENT', 'the caller is not a configured agent');
    const profile = this.deps.config.agents[name];
    trail.agent = { name, profile };
    enforceMode(await this.deps.killSwitch.mode(), intent === 'status' ? 'read' : intent);
    if (intent !== 'status' && !profile.actions.includes(trail.action as AgentRuntime['actions'][number])) {
      throw new BridgeError('FORBIDDEN', `agent '${name}' is not granted ${trail.action} in the deployment config`);
    }
    return trail.agent;
  }

  private denied(decision: PolicyDecision): BridgeError {
    return new BridgeError('POLICY_DENIED', decision.reasons[0]?.text ?? 'no policy permits this request (default deny)', {
      reasons: decision.reasons,
      decisionId: decision.decisionId,
      policyVersion: decision.policyVersion,
    });
  }

  /** Stores a request that needs a person and answers 202. */
  private async park(ctx: CallContext, agent: string, q: QueryRequest, decision: PolicyDecision): Promise<ServiceResponse> {
    const now = this.now();
    const record: RequestRecord = {
      requestId: ctx.requestId,
      agent,
      kind: 'read',
      status: 'approval_required',
      object: q.object,
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + PENDING_REQUEST_TTL_SECONDS,
      decisionId: decision.decisionId,
      policyVersion: decision.policyVersion,
      payload: q,
    };
    await this.deps.requests.create(record);
    return {
      status: 202,
      body: { requestId: ctx.requestId, status: 'approval_required', decisionId: decision.decisionId, reasons: decision.reasons },
    };
  }

  /**
   * Runs one call and writes its audit event before the result leaves, whatever the outcome.
   * If the event cannot be written the caller gets AUDIT_UNAVAILABLE and no data.
   */
  private async audited(ctx: CallContext, action: Trail['action'], run: (trail: Trail) => Promise<ServiceResponse>): Promise<ServiceResponse> {
    const started = this.now().getTime();
    const trail: Trail = { action, recordIds: [], redactions: {}, injectionFlags: 0, outputGuardHits: {} };
    let result: ServiceResponse | undefined;
    let failure: BridgeError | undefined;
    try {
      result = await run(trail);
    } catch (e) {
      failure = isBridgeError(e) ? e : new BridgeError('INTERNAL', 'The bridge could not complete the request.');
    }
    const outcome: AuditEvent['outcome'] = failure
      ? failure.status === 403 || failure.code === 'BRIDGE_FROZEN'
        ? 'denied'
        : failure.status < 500
          ? 'failed'
          : 'error'
      : result?.status === 202
        ? 'approval_required'
        : 'allowed';
    const event = buildAuditEvent({
      requestId: ctx.requestId,
      agent: { name: trail.agent?.name ?? 'unknown', ...(ctx.callerArn && parsePrincipal(ctx.callerArn) ? { principalArn: ctx.callerArn } : {}) },
      action,
      crm: this.deps.config.crm.kind,
      ...(trail.query ? { object: trail.query.object } : {}),
      recordIds: trail.recordIds,
      fields: trail.query ? fieldsTouched(trail.query) : [],
      counts: { records: trail.recordIds.length, ...(trail.query ? { requested: trail.query.limit ?? QUERY_LIMITS.defaultLimit } : {}) },
      ...(trail.decision
        ? {
            policy: {
              version: trail.decision.policyVersion,
              decisionId: trail.decision.decisionId,
              decision: trail.decision.decision,
              reasons: trail.decision.reasons.map((r) => r.policyId),
            },
          }
        : {}),
      guards: { redactions: trail.redactions, injectionFlags: trail.injectionFlags, outputGuardHits: trail.outputGuardHits },
      outcome,
      ...(failure ? { errorCode: failure.code } : {}),
      latencyMs: this.now().getTime() - started,
    });
    try {
      await this.deps.audit.write(event);
    } catch {
      throw new BridgeError('AUDIT_UNAVAILABLE', 'The audit log cannot be written, so no data is returned. Retry later.');
    }
    if (failure) throw failure;
    return result as ServiceResponse;
  }
}
