import { isAuditableRecordId } from '../../core/audit/event';
import { BridgeError } from '../../core/errors';
import { allowedField, assertText, type FieldAllowlist } from '../../core/query/identifiers';
import type { CrmObjectType, CrmRecord, Scalar } from '../../core/types';

/** Any syntactically valid, non-keyword field: used when no catalog allowlist is configured. */
export const ANY_FIELD: FieldAllowlist = () => true;

/**
 * A CRM record holding only the fields that were asked for (matched case-insensitively, as
 * Salesforce API names are), whatever extra the CRM sent back. A record whose id the audit log
 * cannot hold (too long, or not identifier-shaped) is refused like a malformed one: the call
 * fails and is audited, rather than returning a record its audit event could not name.
 */
export function toCrmRecord(crm: string, object: CrmObjectType, id: unknown, values: unknown, fields: readonly string[]): CrmRecord {
  if (typeof id !== 'string' || !isAuditableRecordId(id) || typeof values !== 'object' || values === null) {
    throw new BridgeError('CRM_UNAVAILABLE', `${crm} returned a malformed record`);
  }
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const picked = Object.fromEntries(Object.entries(values).filter(([k]) => wanted.has(k.toLowerCase())));
  return { object, id, fields: picked };
}

/**
 * The id of the record a create made (HTTP 201 with an `id`). An id the audit log cannot hold is
 * refused like a missing one: the write may have happened, so the call fails and is audited as such.
 */
export function createdRecordId(crm: string, status: number, body: unknown): string {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (status !== 201 || typeof id !== 'string' || !isAuditableRecordId(id)) throw new BridgeError('CRM_UNAVAILABLE', `${crm} returned a malformed create result`);
  return id;
}

/** Field values for a create or update: allowlisted names, scalar values, clean text. */
export function writableFields(object: CrmObjectType, fields: Record<string, unknown>, allow: FieldAllowlist): Record<string, Scalar> {
  const entries = Object.entries(fields);
  if (entries.length === 0) throw new BridgeError('VALIDATION_FAILED', 'a write needs at least one field');
  const out: Record<string, Scalar> = {};
  for (const [name, value] of entries) {
    const field = allowedField(object, name, allow);
    if (field.toLowerCase() === 'id') throw new BridgeError('VALIDATION_FAILED', 'a record id cannot be written');
    if (typeof value === 'string') assertText(value, `the value of ${field}`);
    else if (!(value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      throw new BridgeError('VALIDATION_FAILED', `the value of ${field} must be a string, finite number, boolean or null`);
    }
    out[field] = value as Scalar;
  }
  return out;
}

/** A record id in the CRM's own format; anything else is refused before it reaches a URL. */
export function assertRecordId(crm: string, id: string, pattern: RegExp): string {
  if (!pattern.test(id)) throw new BridgeError('VALIDATION_FAILED', `${JSON.stringify(id.slice(0, 40))} is not a ${crm} record id`);
  return id;
}
