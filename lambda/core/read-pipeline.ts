/**
 * What happens to a read once policy allows it — directly, or after a person approved it: the obligations'
 * field allowlist, the row filter injected into the CRM query, redaction per field catalog and obligations,
 * untrusted-content handling of free text, the output guard, and the vault for tokenized originals.
 */
import { addCounts, type Trail } from './audited';
import { BridgeError } from './errors';
import type { Obligations } from './policy/types';
import { vaultScope } from './agent-calls';
import { andFilters, fieldsTouched, QUERY_LIMITS, type QueryRequest, type StructuredQuery } from './query';
import { classifyField, DEFAULT_FIELD_POLICY, outputGuard, Redactor, type VaultEntry } from './redaction';
import type { RuntimeConfig } from './runtime-config';
import type { CrmRecord, FieldClass } from './types';
import { handleUntrusted, type UntrustedText } from './untrusted';

/** How long tokenized originals stay re-identifiable. */
export const VAULT_TTL_SECONDS = 24 * 3600;

export interface CrmReader {
  query(q: StructuredQuery): Promise<CrmRecord[]>;
}
export interface VaultPort {
  put(scope: string, entries: VaultEntry[], ttlSeconds: number): Promise<void>;
}

export interface ReadDeps {
  readonly config: RuntimeConfig;
  readonly crm: CrmReader;
  readonly vault: VaultPort;
  /** Deployment HMAC key for the `hash` redaction action. */
  readonly hmacKey: Uint8Array;
}

export interface AgentRecord {
  readonly object: CrmRecord['object'];
  readonly id: string;
  readonly fields: Record<string, unknown>;
}

const FREE_TEXT: FieldClass = 'FREE_TEXT';
/** Classes whose values the output guard must leave alone when policy lets them through in clear. */
const PII_CLASSES = new Set<FieldClass>(['EMAIL', 'PHONE', 'PERSON_NAME', 'POSTAL_ADDRESS', 'DATE_OF_BIRTH', 'GOVERNMENT_ID', 'FINANCIAL']);

/**
 * Runs an allowed read and returns the records as the agent may see them, filling the trail's counters.
 * Throws POLICY_DENIED (with the fields) when the query touches a field outside the obligations' allowlist.
 */
export async function runRead(
  deps: ReadDeps,
  args: { readonly agent: string; readonly query: QueryRequest; readonly obligations: Obligations; readonly requestId: string; readonly decisionId: string; readonly policyVersion: string },
  trail: Trail,
): Promise<AgentRecord[]> {
  const { query: q, obligations } = args;
  const { allowedFields, rowFilter, maxRecords, maskingOverrides } = obligations;
  const notAllowed = allowedFields ? fieldsTouched(q).filter((f) => !allowedFields.includes(f)) : [];
  if (notAllowed.length > 0) {
    throw new BridgeError('POLICY_DENIED', `policy does not allow the field(s) ${notAllowed.join(', ')}`, {
      fields: notAllowed,
      decisionId: args.decisionId,
      policyVersion: args.policyVersion,
    });
  }
  const limit = q.limit ?? QUERY_LIMITS.defaultLimit;
  const records = await deps.crm.query({
    object: q.object,
    fields: q.fields,
    where: andFilters(q.where, rowFilter),
    orderBy: q.orderBy,
    limit: Math.min(limit, maxRecords ?? limit),
  });
  const scope = vaultScope(args.agent, q.conversationId, args.requestId);
  const redactor = new Redactor({ hmacKey: deps.hmacKey, policy: maskingOverrides, scope });
  const fieldPolicy = { ...DEFAULT_FIELD_POLICY, ...maskingOverrides };
  const { crm, customFields, untrustedAction } = deps.config;
  const entries: VaultEntry[] = [];
  const clearValues: string[] = [];
  // Every record of a read has the same fields: classify each once, not once per record.
  const classes = new Map<string, FieldClass>();
  const classOf = (object: CrmRecord['object'], name: string): FieldClass => {
    const key = `${object}.${name}`;
    let cls = classes.get(key);
    if (cls === undefined) classes.set(key, (cls = classifyField(crm.kind, object, name, customFields)));
    return cls;
  };
  const out = records.map((record): AgentRecord => {
    // Free text is redacted as the agent will read it: sanitized and, when flagged, neutralised
    // or dropped per policy (unless the policy drops free text anyway).
    const untrusted = new Map<string, UntrustedText>();
    const readable: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record.fields)) {
      const kept = fieldPolicy.FREE_TEXT !== 'drop' && classOf(record.object, name) === FREE_TEXT && typeof value === 'string';
      const handled = kept ? handleUntrusted(value, untrustedAction).value : undefined;
      if (handled) untrusted.set(name, handled);
      readable[name] = handled ? handled.text : value;
    }
    const redacted = redactor.redactRecord(crm.kind, { ...record, fields: readable }, customFields);
    addCounts(trail.redactions, redacted.counts);
    entries.push(...redacted.vaultEntries);
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(redacted.record.fields)) {
      const cls = classOf(record.object, name);
      const handled = untrusted.get(name);
      if (handled) {
        if (handled.flagged) trail.injectionFlags++;
        fields[name] = { ...handled, text: value as string | null };
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
  addCounts(trail.outputGuardHits, guarded.hits);
  const guardedFields = guarded.value as Record<string, unknown>[];
  if (entries.length > 0) await deps.vault.put(scope, entries, VAULT_TTL_SECONDS);
  return out.map((r, i) => ({ ...r, fields: guardedFields[i] }));
}

/** The response body of a read, the same for a direct read and for an approved one fetched later. */
export function readBody(records: AgentRecord[], meta: { requestId: string; decisionId: string; policyVersion: string }, trail: Trail) {
  return {
    records,
    meta: { ...meta, redactions: trail.redactions, flags: { injection: trail.injectionFlags, outputGuard: trail.outputGuardHits } },
  };
}
