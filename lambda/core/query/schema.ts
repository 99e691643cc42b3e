import * as z from 'zod/mini';
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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\p{Cs}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;
const textChecks = (max: number) => [z.maxLength(max), z.refine<string>((s) => !CONTROL.test(s), 'must be text without control characters')];
const Text = (max: number) => z.string().check(...textChecks(max));

const FieldName = z
  .string()
  .check(
    z.maxLength(L.maxIdentifierLength),
    z.regex(IDENTIFIER, 'must be a CRM API name (letters, digits, underscores)'),
    z.refine(isIdentifier, 'must not be a SOQL keyword'),
  );

const ScalarSchema: z.ZodMiniType<Scalar> = z.union([Text(L.maxStringLength), z.number(), z.boolean(), z.null()]);

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
const FilterNode: z.ZodMiniType<Filter> = z.lazy(() =>
  z.pipe(
    z
      .strictObject({
        field: z.optional(FieldName),
        op: z.optional(z.enum(COMPARISON_OPS)),
        value: z.optional(z.union([ScalarSchema, z.array(ScalarSchema).check(z.minLength(1), z.maxLength(L.maxInListSize))])),
        and: z.optional(z.array(FilterNode).check(z.minLength(1), z.maxLength(L.maxConditions))),
        or: z.optional(z.array(FilterNode).check(z.minLength(1), z.maxLength(L.maxConditions))),
      })
      .check(
        z.superRefine((n, ctx) => {
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
        }),
      ),
    z.transform((n): Filter => {
      if (n.and) return { and: n.and };
      if (n.or) return { or: n.or };
      return { field: n.field as string, op: n.op as Condition['op'], value: n.value as Condition['value'] };
    }),
  ),
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

export const FilterSchema: z.ZodMiniType<Filter> = z.pipe(
  z.unknown().check(
    z.superRefine((v, ctx) => {
      const { depth, conditions } = filterShape(v);
      if (depth > L.maxFilterDepth) ctx.addIssue({ code: 'custom', message: `nests deeper than ${L.maxFilterDepth} levels` });
      else if (conditions > L.maxConditions) ctx.addIssue({ code: 'custom', message: `has more than ${L.maxConditions} conditions` });
    }),
  ),
  FilterNode,
);

export const OrderBySchema: z.ZodMiniType<OrderBy> = z.strictObject({ field: FieldName, direction: z.enum(['asc', 'desc']) });

export const QueryRequestSchema: z.ZodMiniType<QueryRequest> = z.strictObject({
  object: z.enum(CRM_OBJECT_TYPES),
  fields: z
    .array(FieldName)
    .check(
      z.minLength(1),
      z.maxLength(L.maxFields),
      z.refine((f) => new Set(f).size === f.length, 'must not repeat a field'),
    ),
  where: z.optional(FilterSchema),
  orderBy: z.optional(z.array(OrderBySchema).check(z.minLength(1), z.maxLength(L.maxOrderBy))),
  limit: z.optional(z.int().check(z.minimum(1), z.maximum(L.maxLimit))),
  purpose: z.string().check(...textChecks(L.maxPurposeLength), z.minLength(1)),
  conversationId: z.optional(
    z.string().check(z.maxLength(L.maxConversationIdLength), z.regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits and . _ : -')),
  ),
});

/** Validates an agent's query; bad input becomes one VALIDATION_FAILED BridgeError. */
export const parseQueryRequest = (input: unknown): QueryRequest => parseOrThrow(QueryRequestSchema, input, 'query');
