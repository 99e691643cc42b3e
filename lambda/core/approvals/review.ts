/**
 * The approver's view of a request (PrepareReview). An approver never sees more than the agent could:
 * - a proposed value that is a placeholder (`{EMAIL_1}`) stays one; originals are re-identified only at Execute;
 * - a literal value in a field the catalog classes as sensitive (anything whose default action is not `allow`)
 *   shows as its class label (`[EMAIL]`), since approvers cannot resolve placeholders a redactor would mint;
 * - free text keeps the agent's placeholders and has every other detected entity replaced by `[TYPE]`;
 * - a read shows its query with filter values rendered the same way;
 * - the output guard then re-scans everything, as it does for agents.
 * The summary names the agent, the action, the object, the record and field names: never a value, so it may go
 * into notices (e-mail, Slack).
 */
import { QUERY_LIMITS, type QueryRequest } from '../query';
import { fieldsTouched } from '../query';
import { classifyField, DEFAULT_FIELD_POLICY, DEFAULT_TEXT_POLICY, outputGuard, placeholdersIn, Redactor, type CustomFieldCatalog } from '../redaction';
import type { EntityType } from '../redaction';
import type { RequestRecord, ReviewView } from '../requests';
import type { RuntimeConfig } from '../runtime-config';
import type { CrmKind, CrmObjectType, FieldClass, Filter, Scalar } from '../types';
import { actionToWrite, REFUND_FIELDS } from './crm-writes';
import type { BridgeAction } from './schemas';

/** Every tokenize of free text becomes a `[TYPE]` label: no placeholder minted here could ever resolve. */
const REVIEW_TEXT_POLICY = Object.fromEntries(
  Object.entries(DEFAULT_TEXT_POLICY).map(([type, action]) => [type, action === 'tokenize' ? 'drop' : action]),
) as Record<EntityType, (typeof DEFAULT_TEXT_POLICY)[EntityType]>;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The output guard until it finds nothing more (at most 4 passes): one pass can hide an entity behind an overlapping
 * candidate (an SSN right before a card number leaves the card), which the next pass then finds.
 */
function guardFully<T>(value: T): T {
  let out: unknown = value;
  for (let pass = 0; pass < 4; pass++) {
    const guarded = outputGuard(out);
    out = guarded.value;
    if (Object.keys(guarded.hits).length === 0) break;
  }
  return out as T;
}

class ReviewRenderer {
  private readonly redactor: Redactor;

  constructor(
    private readonly crm: CrmKind,
    private readonly object: CrmObjectType,
    private readonly catalog: CustomFieldCatalog,
    hmacKey: Uint8Array,
    scope: string,
  ) {
    this.redactor = new Redactor({ hmacKey, scope, textPolicy: REVIEW_TEXT_POLICY });
  }

  value(field: string, value: unknown): unknown {
    const cls = classifyField(this.crm, this.object, field, this.catalog);
    if (typeof value !== 'string') return value === null || DEFAULT_FIELD_POLICY[cls] === 'allow' ? value : `[${cls}]`;
    if (cls === 'FREE_TEXT') return this.text(value);
    if (placeholdersIn(value).join('') === value) return value;
    return DEFAULT_FIELD_POLICY[cls] === 'allow' ? value : `[${cls}]`;
  }

  /** Free text: the agent's placeholders verbatim, every other entity redacted. */
  private text(value: string): string {
    const placeholders = placeholdersIn(value);
    if (placeholders.length === 0) return this.redactor.redactText(value).text;
    const parts = value.split(new RegExp(`(${placeholders.map(escapeRegExp).join('|')})`));
    return parts.map((part, i) => (i % 2 === 1 ? part : part && this.redactor.redactText(part).text)).join('');
  }

  filter(f: Filter): Filter {
    if ('and' in f) return { and: f.and.map((x) => this.filter(x)) };
    if ('or' in f) return { or: f.or.map((x) => this.filter(x)) };
    const value = Array.isArray(f.value) ? f.value.map((v: Scalar) => this.value(f.field, v)) : this.value(f.field, f.value);
    return { ...f, value: value as Scalar };
  }
}

/** Refund amount and currency are plain figures and the reason is free text, unless the deployment classes them. */
function reviewCatalog(config: RuntimeConfig, object: CrmObjectType): CustomFieldCatalog {
  const f = REFUND_FIELDS[config.crm.kind];
  const refund: Record<string, FieldClass> = { [f.amount]: 'NON_SENSITIVE', [f.currency]: 'NON_SENSITIVE', [f.reason]: 'FREE_TEXT' };
  return { ...config.customFields, [object]: { ...refund, ...config.customFields[object] } };
}

const VERB: Record<BridgeAction['action'], string> = { ProposeCreate: 'create', ProposeUpdate: 'update', IssueRefund: 'issue a refund on' };

/** The one-line, value-free summary of a request. */
export function reviewSummary(record: RequestRecord, fields: readonly string[]): string {
  const target = `${record.object}${record.recordId ? ` ${record.recordId}` : ''}`;
  if (record.kind === 'read') {
    const q = (record.finalPayload ?? record.payload) as QueryRequest;
    return `${record.agent} asks to read up to ${q.limit ?? QUERY_LIMITS.defaultLimit} ${record.object} records (fields: ${fields.join(', ')})`;
  }
  const verb = VERB[record.action as BridgeAction['action']] ?? record.action;
  return `${record.agent} asks to ${verb} ${record.action === 'ProposeCreate' ? `a ${target}` : target} (fields: ${fields.join(', ')})`;
}

/** Builds the approver's view of a request from its (final) payload. */
export function buildReview(config: RuntimeConfig, record: RequestRecord, hmacKey: Uint8Array): ReviewView {
  const payload = record.finalPayload ?? record.payload;
  const renderer = new ReviewRenderer(config.crm.kind, record.object, reviewCatalog(config, record.object), hmacKey, `review:${record.requestId}`);
  if (record.kind === 'read') {
    const q = payload as QueryRequest;
    const query = { ...q, ...(q.where ? { where: renderer.filter(q.where) } : {}) };
    return { summary: reviewSummary(record, fieldsTouched(q)), proposed: {}, query: guardFully(query) };
  }
  const write = actionToWrite({ action: record.action, params: payload } as BridgeAction, config.crm.kind);
  const proposed = Object.fromEntries(Object.entries(write.fields).map(([k, v]) => [k, renderer.value(k, v)]));
  return { summary: reviewSummary(record, Object.keys(write.fields)), proposed: guardFully(proposed) };
}
