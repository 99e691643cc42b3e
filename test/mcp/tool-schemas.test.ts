import fc from 'fast-check';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import * as z from 'zod/mini';
import { ExecuteActionRequestSchema, ProposeRequestSchema } from '../../lambda/core/approvals/schemas';
import { COMPARISON_OPS, CRM_OBJECT_TYPES } from '../../lambda/core/constants';
import { QueryRequestSchema } from '../../lambda/core/query';
import { toolInputSchema, type JsonSchema } from '../../mcp/tool-schemas';

const validator = new AjvJsonSchemaValidator();
const accepts = (schema: JsonSchema) => {
  const v = validator.getValidator(schema as never);
  return (input: unknown) => v(input).valid;
};

// Near-valid values: mostly what the API takes, with some wrong ones to exercise both sides.
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: bad, weight: 1 });
const name = mostly(fc.constantFrom('Id', 'Email', 'LastName', 'Territory__c', 'x1'), fc.constantFrom('Select', '1x', '', 'a'.repeat(81)));
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const condition = mostly<Record<string, unknown>>(
  fc.oneof(
    fc.record({ field: name, op: fc.constantFrom('eq', 'ne', 'lt', 'gte'), value: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()) }),
    fc.record({ field: name, op: fc.constant('in'), value: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { minLength: 1, maxLength: 3 }) }),
    fc.record({ field: name, op: fc.constant('startsWith'), value: fc.string({ minLength: 1, maxLength: 8 }) }),
  ),
  fc.record({ field: name, op: fc.constantFrom(...COMPARISON_OPS, 'like'), value: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })) }),
);
const { filter } = fc.letrec<{ filter: unknown }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ and: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
  ),
}));
const query = fc.record(
  {
    object: mostly(fc.constantFrom(...CRM_OBJECT_TYPES), fc.constant('Invoice')),
    fields: mostly(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), fc.array(name, { maxLength: 4 })),
    where: filter,
    orderBy: fc.array(fc.record({ field: name, direction: mostly(fc.constantFrom('asc', 'desc'), fc.constant('up')) }), { minLength: 1, maxLength: 2 }),
    limit: mostly(fc.integer({ min: 1, max: 200 }), fc.integer({ min: -1, max: 250 })),
    purpose: mostly(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 })),
    conversationId: mostly(fc.constant('conv-1'), fc.constant('a b')),
  },
  { requiredKeys: ['object', 'fields', 'purpose'] },
);
const fieldValues = fc.dictionary(name, scalar, { maxKeys: 3 });
const action = fc.record({
  action: fc.constantFrom('ProposeCreate', 'ProposeUpdate', 'IssueRefund'),
  params: fc.oneof(
    fc.record({ object: fc.constantFrom('Task', 'Case'), fields: fieldValues }),
    fc.record({ object: fc.constantFrom('Task', 'Opportunity'), recordId: fc.constantFrom('006A', 'x y'), fields: fieldValues }),
    fc.record({ object: fc.constantFrom('Case', 'Task'), recordId: fc.constant('500A'), amount: fc.double({ min: -1, max: 2000, noNaN: true }), currency: fc.constantFrom('EUR', 'eur'), reason: fc.string({ maxLength: 5 }) }),
  ),
  token: fc.string({ maxLength: 5 }),
});

const proposal = fc.oneof(
  fc.record({ op: fc.constantFrom('create', 'update'), object: fc.constantFrom('Task', 'Opportunity'), recordId: fc.constantFrom('006A', 'x y'), fields: fieldValues, reason: fc.string({ maxLength: 5 }) }, { requiredKeys: ['op', 'object', 'fields', 'reason'] }),
  fc.record({
    op: fc.constantFrom('refund', 'update'),
    object: fc.constantFrom('Case', 'Account', 'Contact'),
    recordId: fc.constantFrom('500A', 'x y'),
    amount: fc.double({ min: -1, max: 2000, noNaN: true }),
    currency: fc.constantFrom('EUR', 'eur'),
    reason: fc.string({ maxLength: 5 }),
    conversationId: mostly(fc.constant('conv-1'), fc.constant('a b')),
  }),
);

describe('toolInputSchema', () => {
  it('never refuses a query the API accepts', () => {
    // Prepare
    const tool = accepts(toolInputSchema(QueryRequestSchema));
    let valid = 0;

    // Act + Assess
    fc.assert(
      fc.property(query, (q) => {
        if (!z.safeParse(QueryRequestSchema, q).success) return;
        valid++;
        expect(tool(q)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(valid).toBeGreaterThan(100);
  });

  it('never refuses an action the API accepts, though the union is published as one object', () => {
    // Prepare
    const schema = toolInputSchema(ExecuteActionRequestSchema);
    const tool = accepts(schema);
    let valid = 0;

    // Act + Assess
    expect(schema).toMatchObject({ type: 'object', required: ['action', 'params', 'token'], additionalProperties: false });
    expect(schema).not.toHaveProperty('oneOf');
    fc.assert(
      fc.property(action, (a) => {
        if (!z.safeParse(ExecuteActionRequestSchema, a).success) return;
        valid++;
        expect(tool(a)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(valid).toBeGreaterThan(20);
  });

  it('never refuses a proposal the API accepts, though the op union is published as one object', () => {
    // Prepare
    const schema = toolInputSchema(ProposeRequestSchema);
    const tool = accepts(schema);
    let valid = 0;

    // Act + Assess
    expect(schema).toMatchObject({ type: 'object', required: ['object', 'op', 'reason'], additionalProperties: false });
    expect((schema.properties as Record<string, JsonSchema>).op).toEqual({ type: 'string', enum: ['create', 'update', 'refund'] });
    fc.assert(
      fc.property(proposal, (p) => {
        if (!z.safeParse(ProposeRequestSchema, p).success) return;
        valid++;
        expect(tool(p)).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(valid).toBeGreaterThan(20);
  });

  it("publishes the filter behind its nesting gate, recursive through the tool schema's own definitions", () => {
    // Act
    const schema = toolInputSchema(QueryRequestSchema);
    const tool = accepts(schema);
    const definitions = schema.definitions as Record<string, JsonSchema>;
    const where = definitions.where.properties as Record<string, JsonSchema>;

    // Assess
    expect((schema.properties as Record<string, JsonSchema>).where).toEqual({ allOf: [{ $ref: '#/definitions/where' }] });
    expect(where.and).toMatchObject({ type: 'array', items: { $ref: '#/definitions/where' } });
    expect(tool({ object: 'Contact', fields: ['Id'], purpose: 'p', where: { and: [{ or: [{ field: 'Id', op: 'eq', value: 1 }] }] } })).toBe(true);
    expect(tool({ object: 'Contact', fields: ['Id'], purpose: 'p', where: { and: [{ or: [{ field: 'Id', op: 'eq', value: 1, extra: true }] }] } })).toBe(false);
  });

  it('refuses a schema that does not describe an object, which no MCP host accepts', () => {
    // Act + Assess
    expect(() => toolInputSchema(z.string())).toThrow('must describe an object');
    expect(() => toolInputSchema(z.union([z.string(), z.number()]))).toThrow('must describe an object');
  });
});
