/**
 * Obligations of the permits that granted a request. When several permits apply, all of
 * their obligations apply: fields intersect, the smallest record cap wins, row filters are
 * AND-ed and, per field class, the strictest masking wins. A permit's `@allowedFields` and
 * `@maxRecords` are also its conditions, so intersecting never removes a requested field.
 */
import type { FieldClass, Filter, RedactionAction } from '../types';
import { resolveRowCondition, type PolicyMeta } from './annotations';
import type { AgentProfile, Obligations, PolicyRequest } from './types';

/**
 * Whether a permit's `@allowedFields` and `@maxRecords` admit the request: conditions of the permit
 * checked after Cedar found its own conditions true (they hold no error to report).
 */
export function permitsRequest(p: PolicyMeta, context: PolicyRequest['context']): boolean {
  if (p.maxRecords !== undefined && context.recordLimit > p.maxRecords) return false;
  if (p.allowedFields) for (const f of context.fields) if (!p.allowedFields.includes(f)) return false;
  return true;
}

/** Least to most protective; hash is irreversible, tokenize can be re-identified after approval. */
const MASKING_STRICTNESS: readonly RedactionAction[] = ['allow', 'mask', 'tokenize', 'hash', 'drop'];

export function combineObligations(permits: readonly PolicyMeta[], agent: AgentProfile): Obligations {
  const out: Obligations = {};
  const filters: Filter[] = [];
  for (const p of permits) {
    if (p.allowedFields) {
      out.allowedFields = out.allowedFields ? out.allowedFields.filter((f) => p.allowedFields!.includes(f)) : [...p.allowedFields];
    }
    if (p.maxRecords !== undefined) out.maxRecords = Math.min(out.maxRecords ?? Infinity, p.maxRecords);
    for (const c of p.rowFilter ?? []) filters.push(resolveRowCondition(c, agent));
    for (const [cls, action] of Object.entries(p.mask ?? {}) as [FieldClass, RedactionAction][]) {
      const current = out.maskingOverrides?.[cls];
      if (current === undefined || MASKING_STRICTNESS.indexOf(action) > MASKING_STRICTNESS.indexOf(current)) {
        out.maskingOverrides = { ...out.maskingOverrides, [cls]: action };
      }
    }
  }
  // Two permits may carry the same condition; inject it once.
  const unique = filters.length > 1 ? [...new Map(filters.map((f) => [JSON.stringify(f), f])).values()] : filters;
  if (unique.length === 1) out.rowFilter = unique[0];
  else if (unique.length > 1) out.rowFilter = { and: unique };
  return out;
}
