import { BridgeError } from '../errors';
import type { Condition, CrmObjectType, Filter, OrderBy, Scalar } from '../types';
import { isCondition } from './filter';
import { allowedField, assertObject, assertText, type FieldAllowlist } from './identifiers';
import { QUERY_LIMITS } from './limits';

/** The part of a query a connector runs: what to read, how to filter and sort, how many. */
export interface StructuredQuery {
  readonly object: CrmObjectType;
  readonly fields: readonly string[];
  readonly where?: Filter;
  readonly orderBy?: readonly OrderBy[];
  readonly limit: number;
}

const OPERATORS: Record<Exclude<Condition['op'], 'in' | 'startsWith'>, string> = {
  eq: '=',
  ne: '!=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

/** Strict ISO-8601 forms that SOQL takes as unquoted date and dateTime literals. */
export const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const ISO_DATETIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

// SOQL's escape sequences for quoted strings (tab, CR, LF are the only control characters assertText lets through).
const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A SOQL string literal. In LIKE patterns `%` and `_` are escaped too, so they match themselves. */
export function soqlString(value: string, forLike = false): string {
  assertText(value, 'a filter value');
  let out = "'";
  for (const ch of value) {
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (forLike && (ch === '%' || ch === '_')) out += `\\${ch}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A typed SOQL literal: numbers, booleans and null bare, ISO dates as date literals, other strings quoted. */
export function soqlLiteral(value: Scalar): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    const text = String(value);
    if (!Number.isFinite(value) || /e/i.test(text)) {
      throw new BridgeError('VALIDATION_FAILED', `number ${text} cannot be expressed as a SOQL literal`);
    }
    return text;
  }
  if (typeof value !== 'string') throw new BridgeError('VALIDATION_FAILED', 'filter values must be strings, numbers, booleans or null');
  if ((ISO_DATE.test(value) || ISO_DATETIME.test(value)) && !Number.isNaN(Date.parse(value))) return value;
  return soqlString(value);
}

function condition(object: CrmObjectType, c: Condition, allow: FieldAllowlist): string {
  const field = allowedField(object, c.field, allow);
  const { op, value } = c;
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => v === null)) {
      throw new BridgeError('VALIDATION_FAILED', `"in" on ${field} needs a non-empty list without null`);
    }
    return `${field} IN (${value.map(soqlLiteral).join(', ')})`;
  }
  if (Array.isArray(value)) throw new BridgeError('VALIDATION_FAILED', `"${op}" on ${field} takes a single value`);
  const scalar = value as Scalar;
  if (op === 'startsWith') {
    if (typeof scalar !== 'string' || scalar.length === 0) {
      throw new BridgeError('VALIDATION_FAILED', `"startsWith" on ${field} takes a non-empty string`);
    }
    return `${field} LIKE ${soqlString(scalar, true).slice(0, -1)}%'`;
  }
  if (scalar === null && op !== 'eq' && op !== 'ne') {
    throw new BridgeError('VALIDATION_FAILED', `"${op}" on ${field} cannot compare with null`);
  }
  const operator = OPERATORS[op];
  if (!operator) throw new BridgeError('VALIDATION_FAILED', `operator ${JSON.stringify(op)} is not supported`);
  return `${field} ${operator} ${soqlLiteral(scalar)}`;
}

/** Every compound is parenthesised: SOQL refuses AND and OR mixed without parentheses. */
function where(object: CrmObjectType, f: Filter, allow: FieldAllowlist): string {
  if (isCondition(f)) return condition(object, f, allow);
  const [parts, joiner] = 'and' in f ? [f.and, ' AND '] : [f.or, ' OR '];
  if (!Array.isArray(parts) || parts.length === 0) throw new BridgeError('VALIDATION_FAILED', 'and/or need at least one filter');
  return parts.length === 1 ? where(object, parts[0], allow) : `(${parts.map((p) => where(object, p, allow)).join(joiner)})`;
}

/**
 * SOQL from a validated structured query. Identifiers are syntax-checked, keyword-checked
 * and allowlisted; every value becomes exactly one typed, escaped literal; `Id` is always
 * selected for provenance. No caller text is ever spliced into the statement unchecked.
 */
export function buildSoql(q: StructuredQuery, allow: FieldAllowlist): string {
  assertObject(q.object);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > QUERY_LIMITS.maxLimit) {
    throw new BridgeError('VALIDATION_FAILED', `limit must be an integer from 1 to ${QUERY_LIMITS.maxLimit}`);
  }
  if (q.fields.length === 0) throw new BridgeError('VALIDATION_FAILED', 'select at least one field');
  const fields = [...new Set(['Id', ...q.fields.map((f) => (f === 'Id' ? f : allowedField(q.object, f, allow)))])];
  let soql = `SELECT ${fields.join(', ')} FROM ${q.object}`;
  if (q.where) soql += ` WHERE ${where(q.object, q.where, allow)}`;
  if (q.orderBy && q.orderBy.length > 0) {
    const keys = q.orderBy.map((o) => `${allowedField(q.object, o.field, allow)} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`);
    soql += ` ORDER BY ${keys.join(', ')}`;
  }
  soql += ` LIMIT ${q.limit}`;
  if (soql.length > QUERY_LIMITS.maxSoqlLength) {
    throw new BridgeError('VALIDATION_FAILED', `the query is longer than Salesforce's ${QUERY_LIMITS.maxSoqlLength} characters`);
  }
  return soql;
}
