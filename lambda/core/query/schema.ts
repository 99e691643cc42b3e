import { z } from 'zod';
import { parseOrThrow } from '../validation';
import { COMPARISON_OPS, CRM_OBJECT_TYPES, type Condition, type CrmObjectType, type Filter, type OrderBy, type Scalar } from '../types';
import { IDENTIFIER, isIdentifier } from './identifiers';
import { QUERY_LIMITS as L } from './limits';

/** What an agent sends to `POST /v1/records/query`. */
export interface QueryRequest {
  readonly object: CrmObjectType;
  readonly fields: readonly string[];
  readonly where?: Filter;
  readonly orderBy?: readonly OrderBy[];
  readonly limit?: number;
  readonly purpose: string;
  readonly conversationId?: string;
}

const Text = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\p{Cs}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u.test(s), 'must be text without control characters');

const FieldName = z
  .string()
  .max(L.maxIdentifierLength)
  .regex(IDENTIFIER, 'must be a CRM API name (letters, digits, underscores)')
  .refine(isIdentifier, 'must not be a SOQL keyword');

const ScalarSchema: z.ZodType<Scalar> = z.union([Text(L.maxStringLength), z.number(), z.boolean(), z.null()]);

const ORDERED_OPS = new Set(['lt', 'lte', 'gt', 'gte']);

/** Why a condition's value does not suit its operator, if it does not. */
function valueProblem(op: Condition['op'], value: Condition['value']): string | undefined {
  if (op === 'in') {
    if (!Array.isArray(value)) return '"in" takes a list of values';
    if (value.some((v) => v === null)) return '"in" lists cannot hold null';
    return undefined;
  }
  if (Array.isArray(value)) return `"${op}" takes a single value, not a list`;
  if (op === 'startsWith') return typeof value === 'string' && value.length > 0 ? undefined : '"startsWith" takes a non-empty string';
  if (ORDERED_OPS.has(op) && typeof value !== 'number' && typeof value !== 'string') return `"${op}" takes a number, string or date`;
  return undefined;
}

/**
 * One node of `where`: exactly one of a condition, `{and: [...]}` or `{or: [...]}`. A single
 * strict object (rather than a union) keeps error messages precise about what is wrong.
 */
const FilterNode: z.ZodType<Filter> = z.lazy(() =>
  z
    .strictObject({
      field: FieldName.optional(),
      op: z.enum(COMPARISON_OPS).optional(),
      value: z.union([ScalarSchema, z.array(ScalarSchema).min(1).max(L.maxInListSize)]).optional(),
      and: z.array(FilterNode).min(1).max(L.maxConditions).optional(),
      or: z.array(FilterNode).min(1).max(L.maxConditions).optional(),
    })
    .superRefine((n, ctx) => {
      const isCondition = n.field !== undefined || n.op !== undefined || 'value' in n;
      const shapes = [isCondition, n.and !== undefined, n.or !== undefined].filter(Boolean).length;
      if (shapes !== 1) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of {field, op, value}, {and: [...]} or {or: [...]}' });
        return;
      }
      if (!isCondition) return;
      if (n.field === undefined || n.op === undefined || !('value' in n)) {
        ctx.addIssue({ code: 'custom', message: 'a condition needs field, op and value' });
        return;
      }
      const problem = valueProblem(n.op, n.value as Condition['value']);
      if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    })
    .transform((n): Filter => {
      if (n.and) return { and: n.and };
      if (n.or) return { or: n.or };
      return { field: n.field as string, op: n.op as Condition['op'], value: n.value as Condition['value'] };
    }),
);

/**
 * Measures nesting and conditions iteratively, so that a hostile, deeply nested body is
 * rejected before the recursive schema walks it.
 */
function filterShape(root: unknown): { depth: number; conditions: number } {
  let depth = 0;
  let conditions = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  const budget = (L.maxConditions + 1) * (L.maxFilterDepth + 2);
  for (let steps = 0; stack.length > 0 && steps < budget * 4; steps++) {
    const [node, d] = stack.pop() as [unknown, number];
    depth = Math.max(depth, d);
    if (depth > L.maxFilterDepth || conditions > L.maxConditions) break;
    if (typeof node !== 'object' || node === null) continue;
    const children = (node as { and?: unknown }).and ?? (node as { or?: unknown }).or;
    if (Array.isArray(children)) {
      for (const c of children.slice(0, L.maxConditions + 1)) stack.push([c, d + 1]);
    } else {
      conditions++;
    }
  }
  return { depth, conditions };
}

export const FilterSchema: z.ZodType<Filter> = z
  .unknown()
  .superRefine((v, ctx) => {
    const { depth, conditions } = filterShape(v);
    if (depth > L.maxFilterDepth) ctx.addIssue({ code: 'custom', message: `nests deeper than ${L.maxFilterDepth} levels` });
    else if (conditions > L.maxConditions) ctx.addIssue({ code: 'custom', message: `has more than ${L.maxConditions} conditions` });
  })
  .pipe(FilterNode);

export const OrderBySchema: z.ZodType<OrderBy> = z.strictObject({ field: FieldName, direction: z.enum(['asc', 'desc']) });

export const QueryRequestSchema: z.ZodType<QueryRequest> = z.strictObject({
  object: z.enum(CRM_OBJECT_TYPES),
  fields: z
    .array(FieldName)
    .min(1)
    .max(L.maxFields)
    .refine((f) => new Set(f).size === f.length, 'must not repeat a field'),
  where: FilterSchema.optional(),
  orderBy: z.array(OrderBySchema).min(1).max(L.maxOrderBy).optional(),
  limit: z.number().int().min(1).max(L.maxLimit).optional(),
  purpose: Text(L.maxPurposeLength).min(1),
  conversationId: z
    .string()
    .max(L.maxConversationIdLength)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits and . _ : -')
    .optional(),
});

/** Validates an agent's query; bad input becomes one VALIDATION_FAILED BridgeError. */
export const parseQueryRequest = (input: unknown): QueryRequest => parseOrThrow(QueryRequestSchema, input, 'query');
