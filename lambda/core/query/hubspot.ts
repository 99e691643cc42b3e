import { BridgeError } from '../errors';
import type { Condition, CrmObjectType, Filter, Scalar } from '../types';
import { isCondition } from './filter';
import { allowedField, assertObject, assertText, type FieldAllowlist } from './identifiers';
import { QUERY_LIMITS } from './limits';
import type { StructuredQuery } from './soql';

/** Canonical object types onto HubSpot CRM v3 object type names. */
export const HUBSPOT_OBJECTS: Readonly<Partial<Record<CrmObjectType, string>>> = {
  Contact: 'contacts',
  Lead: 'leads',
  Account: 'companies',
  Opportunity: 'deals',
  Case: 'tickets',
  Task: 'tasks',
  Note: 'notes',
};

/** HubSpot's caps on one search request (raised to 5 groups, 10 per group, 25 in all in August 2024; one sort rule). */
export const HUBSPOT_SEARCH_LIMITS = { maxFilterGroups: 5, maxFiltersPerGroup: 10, maxFilters: 25, maxSorts: 1 } as const;

export type HubSpotOperator = 'EQ' | 'NEQ' | 'LT' | 'LTE' | 'GT' | 'GTE' | 'IN' | 'HAS_PROPERTY' | 'NOT_HAS_PROPERTY' | 'CONTAINS_TOKEN';

export interface HubSpotFilter {
  readonly propertyName: string;
  readonly operator: HubSpotOperator;
  readonly value?: string;
  readonly values?: readonly string[];
}

export interface HubSpotSearchBody {
  readonly filterGroups: readonly { readonly filters: readonly HubSpotFilter[] }[];
  readonly properties: readonly string[];
  readonly sorts: readonly { readonly propertyName: string; readonly direction: 'ASCENDING' | 'DESCENDING' }[];
  readonly limit: number;
}

export function hubSpotObject(object: string): string {
  assertObject(object);
  const type = HUBSPOT_OBJECTS[object];
  if (!type) throw new BridgeError('VALIDATION_FAILED', `object ${object} is not available on HubSpot`, { object });
  return type;
}

const COMPARE: Record<'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte', HubSpotOperator> = {
  eq: 'EQ',
  ne: 'NEQ',
  lt: 'LT',
  lte: 'LTE',
  gt: 'GT',
  gte: 'GTE',
};

/** HubSpot property values are strings on the wire. */
function text(value: Scalar): string {
  if (typeof value === 'string') {
    assertText(value, 'a filter value');
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw new BridgeError('VALIDATION_FAILED', 'filter values must be strings, finite numbers or booleans');
}

function hubSpotFilter(object: CrmObjectType, c: Condition, allow: FieldAllowlist): HubSpotFilter {
  const propertyName = allowedField(object, c.field, allow);
  const { op, value } = c;
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) throw new BridgeError('VALIDATION_FAILED', `"in" on ${propertyName} needs a non-empty list`);
    return { propertyName, operator: 'IN', values: value.map(text) };
  }
  if (Array.isArray(value)) throw new BridgeError('VALIDATION_FAILED', `"${op}" on ${propertyName} takes a single value`);
  const scalar = value as Scalar;
  if (op === 'startsWith') {
    // CONTAINS_TOKEN treats `*` as a wildcard; a caller's own `*` would widen the match.
    if (typeof scalar !== 'string' || scalar.length === 0 || scalar.includes('*')) {
      throw new BridgeError('VALIDATION_FAILED', `"startsWith" on ${propertyName} takes a non-empty string without "*"`);
    }
    return { propertyName, operator: 'CONTAINS_TOKEN', value: `${text(scalar)}*` };
  }
  if (scalar === null) {
    if (op === 'eq') return { propertyName, operator: 'NOT_HAS_PROPERTY' };
    if (op === 'ne') return { propertyName, operator: 'HAS_PROPERTY' };
    throw new BridgeError('VALIDATION_FAILED', `"${op}" on ${propertyName} cannot compare with null`);
  }
  const operator = COMPARE[op];
  if (!operator) throw new BridgeError('VALIDATION_FAILED', `operator ${JSON.stringify(op)} is not supported`);
  return { propertyName, operator, value: text(scalar) };
}

const tooComplex = (): BridgeError => {
  const { maxFilterGroups, maxFiltersPerGroup, maxFilters } = HUBSPOT_SEARCH_LIMITS;
  return new BridgeError(
    'VALIDATION_FAILED',
    `the filter is too complex for HubSpot search, which takes at most ${maxFilterGroups} OR-groups of at most ` +
      `${maxFiltersPerGroup} AND-ed conditions (${maxFilters} in all); simplify the and/or nesting`,
    { ...HUBSPOT_SEARCH_LIMITS },
  );
};

/**
 * Disjunctive normal form (an OR of ANDs), which is all HubSpot's filterGroups express.
 * Expansion only grows, so checking the caps at every step bounds the work.
 */
export function toDnf(f: Filter): Condition[][] {
  const { maxFilterGroups, maxFiltersPerGroup } = HUBSPOT_SEARCH_LIMITS;
  const check = (groups: Condition[][]): Condition[][] => {
    if (groups.length > maxFilterGroups || groups.some((g) => g.length > maxFiltersPerGroup)) throw tooComplex();
    return groups;
  };
  if (isCondition(f)) return [[f]];
  if ('or' in f) {
    let groups: Condition[][] = [];
    for (const part of f.or) groups = check([...groups, ...toDnf(part)]);
    return groups;
  }
  let groups: Condition[][] = [[]];
  for (const part of f.and) {
    const next = toDnf(part);
    groups = check(groups.flatMap((g) => next.map((n) => [...g, ...n])));
  }
  return groups;
}

/** A CRM v3 search body from a validated structured query, with the same allowlist as SOQL. */
export function buildHubSpotSearch(q: StructuredQuery, allow: FieldAllowlist): HubSpotSearchBody {
  hubSpotObject(q.object);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > QUERY_LIMITS.maxLimit) {
    throw new BridgeError('VALIDATION_FAILED', `limit must be an integer from 1 to ${QUERY_LIMITS.maxLimit}`);
  }
  if (q.fields.length === 0) throw new BridgeError('VALIDATION_FAILED', 'select at least one field');
  const properties = [...new Set(q.fields.map((f) => allowedField(q.object, f, allow)))];
  const groups = q.where ? toDnf(q.where) : [];
  if (groups.reduce((n, g) => n + g.length, 0) > HUBSPOT_SEARCH_LIMITS.maxFilters) throw tooComplex();
  const orderBy = q.orderBy ?? [];
  if (orderBy.length > HUBSPOT_SEARCH_LIMITS.maxSorts) {
    throw new BridgeError('VALIDATION_FAILED', 'HubSpot search sorts by one property only');
  }
  return {
    filterGroups: groups.map((g) => ({ filters: g.map((c) => hubSpotFilter(q.object, c, allow)) })),
    properties,
    sorts: orderBy.map((o) => ({
      propertyName: allowedField(q.object, o.field, allow),
      direction: o.direction === 'desc' ? 'DESCENDING' : 'ASCENDING',
    })),
    limit: q.limit,
  };
}
