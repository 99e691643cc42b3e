import { BridgeError } from '../errors';
import { CRM_OBJECT_TYPES, type CrmObjectType } from '../types';
import { QUERY_LIMITS } from './limits';

/** Decides whether a field of an object may appear in a query (select, filter or sort). */
export type FieldAllowlist = (object: CrmObjectType, field: string) => boolean;

/** API names of both CRMs: a letter, then letters, digits and underscores (custom `__c` included). */
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * SOQL keywords. A field named like one would change how the statement parses
 * (`SELECT Id, FROM FROM Contact`), so none is accepted as a field name on either CRM.
 */
const RESERVED = new Set(
  (
    'AND ASC AUTOCREATE BY CONVERTCURRENCY DESC ELSE END EXCLUDES FALSE FIRST FOR FORMAT FROM GROUP HAVING IN INCLUDES ' +
    'LAST LIKE LIMIT NOT NULL NULLS OFFSET OR ORDER REFERENCE SCOPE SELECT TABLESAMPLE THEN TOLABEL TRACKING TRUE ' +
    'TYPEOF UPDATE USING VIEW VIEWSTAT WHEN WHERE WITH'
  ).split(' '),
);

/** Short, printable rendering of caller input for error messages. */
export const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

export function isIdentifier(name: string): boolean {
  return name.length <= QUERY_LIMITS.maxIdentifierLength && IDENTIFIER.test(name) && !RESERVED.has(name.toUpperCase());
}

export function assertObject(object: string): asserts object is CrmObjectType {
  if (!(CRM_OBJECT_TYPES as readonly string[]).includes(object)) {
    throw new BridgeError('VALIDATION_FAILED', `object ${quote(object)} is not a supported CRM object`, { object });
  }
}

/** Checks a field name's syntax and the allowlist; returns the name unchanged. */
export function allowedField(object: CrmObjectType, field: string, allow: FieldAllowlist): string {
  if (!isIdentifier(field)) {
    throw new BridgeError('VALIDATION_FAILED', `field name ${quote(field)} is not a valid CRM API name`, { object });
  }
  if (!allow(object, field)) {
    throw new BridgeError('VALIDATION_FAILED', `field ${quote(field)} is not allowed on ${object}`, { object, field });
  }
  return field;
}

/** Unicode text the CRMs can receive: no lone surrogates, no control characters beyond tab/CR/LF. */
export function assertText(value: string, what: string): void {
  if (/\p{Cs}/u.test(value)) throw new BridgeError('VALIDATION_FAILED', `${what} is not valid Unicode text`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    throw new BridgeError('VALIDATION_FAILED', `${what} contains control characters`);
  }
}
