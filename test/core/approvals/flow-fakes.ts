/**
 * Hand-written in-memory ports of the approval flow, for unit tests of the issuer, the executor and the steps.
 * Each keeps what it was asked, so tests assert on what reached the CRM, the vault, the notifier or the audit log.
 */
import { join } from 'node:path';
import { readBundleDir } from '../../../lambda/adapters/policy-files';
import { LocalSigner } from '../../../lambda/adapters/local-signer';
import type { Agent } from '../../../lambda/core/agent-service';
import type { ApprovalNotice, CrmWriterPort, NotifierPort, SealerPort, VaultReaderPort } from '../../../lambda/core/approvals/ports';
import type { AuditEvent } from '../../../lambda/core/audit/event';
import type { AuditPort } from '../../../lambda/core/audited';
import { DECISION_TOKEN } from '../../../lambda/core/constants';
import type { BridgeMode, KillSwitch } from '../../../lambda/core/kill-switch';
import { PolicyEngine } from '../../../lambda/core/policy';
import { reidentify } from '../../../lambda/core/redaction';
import type { RequestRecord, SealedValue } from '../../../lambda/core/requests';
import { RuntimeConfigSchema, type RuntimeConfig } from '../../../lambda/core/runtime-config';
import { DecisionTokenVerifier, type JtiStore } from '../../../lambda/core/tokens';
import type { CrmKind, CrmObjectType, CrmRecord } from '../../../lambda/core/types';

export const ACCOUNT = '123456789012';
export const ARNS = {
  sales: `arn:aws:iam::${ACCOUNT}:role/sales-agent`,
  support: `arn:aws:iam::${ACCOUNT}:role/support-agent`,
  silver: `arn:aws:iam::${ACCOUNT}:role/silver-agent`,
  alice: `arn:aws:iam::${ACCOUNT}:role/approver-alice`,
} as const;

/** A sales agent's Task proposal waiting for a person; tests override what they are about. */
export function proposalRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'req-1',
    agent: 'sales-agent',
    principalArn: ARNS.sales,
    kind: 'write',
    action: 'ProposeCreate',
    status: 'approval_required',
    object: 'Task',
    createdAt: '2025-05-05T09:00:00.000Z',
    expiresAt: 1_900_000_000,
    decisionId: 'did-0',
    policyVersion: 'pv-0',
    payload: { object: 'Task', fields: { Subject: 'Call back' } },
    ...over,
  };
}

export function testConfig(crm: CrmKind = 'salesforce'): RuntimeConfig {
  return RuntimeConfigSchema.parse({
    crm: { kind: crm, instanceHost: 'example.my.salesforce.com' },
    agents: {
      'sales-agent': { principals: [ARNS.sales], actions: ['Read', 'ProposeCreate', 'ProposeUpdate'], team: 'sales', territories: ['EMEA'], tier: 'standard' },
      'support-agent': { principals: [ARNS.support], actions: ['Read', 'IssueRefund'], team: 'support', territories: ['EMEA', 'NA'], tier: 'gold' },
      'silver-agent': { principals: [ARNS.silver], actions: ['Read', 'IssueRefund'], team: 'support', territories: ['EMEA'], tier: 'silver' },
    },
    approvers: { alice: { principals: [ARNS.alice] } },
  });
}

export const agentOf = (config: RuntimeConfig, name: string): Agent => ({ name, profile: config.agents[name] });

let engine: Promise<PolicyEngine> | undefined;
/** The repository's own policies (policies/), loaded once per test file. */
export function shippedPolicies(): Promise<PolicyEngine> {
  engine ??= readBundleDir(join(__dirname, '..', '..', '..', 'policies')).then((b) => PolicyEngine.fromBundles([b]));
  return engine;
}

export class MemoryJtiStore implements JtiStore {
  readonly used = new Set<string>();
  async markUsed(jti: string): Promise<boolean> {
    if (this.used.has(jti)) return false;
    this.used.add(jti);
    return true;
  }
}

/** A local ES256 signer and a verifier that trusts it, sharing one jti store. */
export async function tokenKit(now: () => Date = () => new Date()) {
  const signer = new LocalSigner('decision-key-1');
  const jti = new MemoryJtiStore();
  const verifier = new DecisionTokenVerifier({
    keys: { [signer.keyId]: await signer.publicKeyPem() },
    issuer: DECISION_TOKEN.ISSUER,
    audience: DECISION_TOKEN.AUDIENCE,
    jtiStore: jti,
    now,
  });
  return { signer, verifier, jti };
}

export class MemoryWriter implements CrmWriterPort {
  readonly creates: { object: CrmObjectType; fields: Record<string, unknown> }[] = [];
  readonly updates: { object: CrmObjectType; id: string; fields: Record<string, unknown> }[] = [];
  readonly records = new Map<string, CrmRecord>();
  failure?: Error;
  private next = 1;

  async get(object: CrmObjectType, id: string, fields: readonly string[]): Promise<CrmRecord | undefined> {
    const r = this.records.get(id);
    return r && r.object === object ? { ...r, fields: Object.fromEntries(fields.filter((f) => f in r.fields).map((f) => [f, r.fields[f]])) } : undefined;
  }
  async create(object: CrmObjectType, fields: Record<string, unknown>): Promise<string> {
    if (this.failure) throw this.failure;
    this.creates.push({ object, fields });
    const id = `NEW${String(this.next++).padStart(15, '0')}`;
    this.records.set(id, { object, id, fields });
    return id;
  }
  async update(object: CrmObjectType, id: string, fields: Record<string, unknown>): Promise<void> {
    if (this.failure) throw this.failure;
    this.updates.push({ object, id, fields });
    const r = this.records.get(id);
    if (r) this.records.set(id, { ...r, fields: { ...r.fields, ...fields } });
  }
  get writes(): number {
    return this.creates.length + this.updates.length;
  }
}

/** Originals by scope and placeholder, resolved with the core's own `reidentify`. */
export class MemoryVault implements VaultReaderPort {
  readonly scopes = new Map<string, Map<string, string>>();
  readonly asked: string[] = [];
  seed(scope: string, entries: Record<string, string>): void {
    const m = this.scopes.get(scope) ?? new Map<string, string>();
    for (const [p, v] of Object.entries(entries)) m.set(p, v);
    this.scopes.set(scope, m);
  }
  async reidentify(text: string, scope: string): Promise<string> {
    this.asked.push(scope);
    const m = this.scopes.get(scope);
    return reidentify(text, (p) => m?.get(p));
  }
}

export class MemoryAudit implements AuditPort {
  readonly events: AuditEvent[] = [];
  failing = false;
  async write(event: AuditEvent): Promise<void> {
    if (this.failing) throw new Error('audit bucket unreachable');
    this.events.push(event);
  }
  last(): AuditEvent {
    return this.events[this.events.length - 1];
  }
}

/** A reversible "seal" that refuses a different context, as AES-GCM with AAD does. */
export class MemorySealer implements SealerPort {
  async seal(plaintext: string, context: Record<string, string>): Promise<SealedValue> {
    return { wrappedKey: Buffer.from(JSON.stringify(context)).toString('base64'), ciphertext: Buffer.from(plaintext).reverse().toString('base64') };
  }
  async open(value: SealedValue, context: Record<string, string>): Promise<string> {
    if (Buffer.from(value.wrappedKey, 'base64').toString() !== JSON.stringify(context)) throw new Error('sealed for another context');
    return Buffer.from(value.ciphertext, 'base64').reverse().toString();
  }
}

export class MemoryNotifier implements NotifierPort {
  readonly notices: ApprovalNotice[] = [];
  failures = 0;
  async notify(notice: ApprovalNotice): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('SNS unreachable');
    }
    this.notices.push(notice);
  }
}

export class MemoryKillSwitch implements KillSwitch {
  constructor(public current: BridgeMode = 'normal') {}
  async mode(): Promise<BridgeMode> {
    return this.current;
  }
}
