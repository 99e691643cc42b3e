import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { parseQueryRequest, QUERY_LIMITS, QueryRequestSchema } from '../../../lambda/core/query';

const base = { object: 'Contact', fields: ['Name', 'Email'], purpose: 'follow up on renewal' };

const validationMessage = (input: unknown): string => {
  try {
    parseQueryRequest(input);
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeError);
    expect((e as BridgeError).code).toBe('VALIDATION_FAILED');
    return (e as BridgeError).message;
  }
  throw new Error('expected the query to be rejected');
};

describe('QueryRequestSchema', () => {
  it('accepts a query with nested and/or filters, ordering and a limit', () => {
    // Prepare
    const input = {
      ...base,
      where: { and: [{ field: 'Territory__c', op: 'eq', value: 'EMEA' }, { or: [{ field: 'Email', op: 'startsWith', value: 'a' }, { field: 'Phone', op: 'eq', value: null }] }] },
      orderBy: [{ field: 'Name', direction: 'asc' }],
      limit: 25,
      conversationId: 'conv-1',
    };

    // Act
    const parsed = parseQueryRequest(input);

    // Assess
    expect(parsed).toEqual(input);
  });

  it('rejects unknown keys at the top and inside conditions', () => {
    // Prepare / Act / Assess
    expect(validationMessage({ ...base, sql: 'SELECT 1' })).toMatch(/sql|unrecognized/i);
    expect(validationMessage({ ...base, where: { field: 'Name', op: 'eq', value: 'x', raw: '1=1' } })).toMatch(/raw|unrecognized/i);
  });

  it('rejects field names that are not CRM API names or are SOQL keywords', () => {
    // Prepare
    const bad = ['Name, Email FROM User', "Name'", 'FROM', 'limit', '1Name', '', 'a'.repeat(QUERY_LIMITS.maxIdentifierLength + 1)];

    // Act / Assess
    for (const field of bad) expect(() => parseQueryRequest({ ...base, fields: [field] })).toThrow(BridgeError);
    for (const field of bad) expect(() => parseQueryRequest({ ...base, where: { field, op: 'eq', value: 1 } })).toThrow(BridgeError);
  });

  it('enforces the field count, limit, in-list size, string length and purpose limits', () => {
    // Prepare
    const many = Array.from({ length: QUERY_LIMITS.maxFields + 1 }, (_, i) => `F${i}`);

    // Act / Assess
    expect(validationMessage({ ...base, fields: many })).toMatch(/fields/);
    expect(validationMessage({ ...base, limit: QUERY_LIMITS.maxLimit + 1 })).toMatch(/limit/);
    expect(validationMessage({ ...base, limit: 0 })).toMatch(/limit/);
    expect(validationMessage({ ...base, where: { field: 'Name', op: 'in', value: Array.from({ length: QUERY_LIMITS.maxInListSize + 1 }, (_, i) => `v${i}`) } })).toMatch(/where/);
    expect(validationMessage({ ...base, where: { field: 'Name', op: 'eq', value: 'x'.repeat(QUERY_LIMITS.maxStringLength + 1) } })).toMatch(/where/);
    expect(validationMessage({ ...base, purpose: '' })).toMatch(/purpose/);
    expect(validationMessage({ ...base, fields: ['Name', 'Name'] })).toMatch(/repeat/);
  });

  it('rejects operators given values they cannot take', () => {
    // Prepare
    const cases: [unknown, RegExp][] = [
      [{ field: 'Name', op: 'in', value: 'x' }, /list/],
      [{ field: 'Name', op: 'in', value: ['x', null] }, /null/],
      [{ field: 'Name', op: 'eq', value: ['x'] }, /single/],
      [{ field: 'Name', op: 'startsWith', value: '' }, /non-empty/],
      [{ field: 'Amount', op: 'gt', value: true }, /number/],
      [{ field: 'Name', op: 'matches', value: 'x' }, /op/],
      [{ field: 'Name', op: 'eq' }, /field, op and value/],
      [{ field: 'Name', op: 'eq', value: 'x', and: [{ field: 'Name', op: 'eq', value: 'y' }] }, /exactly one/],
    ];

    // Act / Assess
    for (const [where, message] of cases) expect(validationMessage({ ...base, where })).toMatch(message);
  });

  it('rejects control characters and lone surrogates in values', () => {
    // Prepare / Act / Assess
    expect(validationMessage({ ...base, where: { field: 'Name', op: 'eq', value: 'a\u0000b' } })).toMatch(/control/);
    expect(validationMessage({ ...base, where: { field: 'Name', op: 'eq', value: 'a\ud800' } })).toMatch(/control/);
  });

  it('rejects filters nested too deeply or with too many conditions, even absurdly deep ones, without crashing', () => {
    // Prepare
    const nest = (depth: number): unknown => (depth === 0 ? { field: 'Name', op: 'eq', value: 'x' } : { and: [nest(depth - 1)] });
    let hostile: unknown = { field: 'Name', op: 'eq', value: 'x' };
    for (let i = 0; i < 100_000; i++) hostile = { or: [hostile] };
    const wide = { or: Array.from({ length: QUERY_LIMITS.maxConditions + 1 }, () => ({ field: 'Name', op: 'eq', value: 'x' })) };

    // Act / Assess
    expect(() => parseQueryRequest({ ...base, where: nest(QUERY_LIMITS.maxFilterDepth) })).not.toThrow();
    expect(validationMessage({ ...base, where: nest(QUERY_LIMITS.maxFilterDepth + 1) })).toMatch(/deeper/);
    expect(validationMessage({ ...base, where: hostile })).toMatch(/deeper/);
    expect(validationMessage({ ...base, where: wide })).toMatch(/conditions|where/);
  });

  it('never throws anything but a VALIDATION_FAILED BridgeError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 6 }), (where, fields) => {
        // Prepare
        const input = { ...base, where, fields };

        // Act
        const result = QueryRequestSchema.safeParse(input);
        let thrown: unknown;
        try {
          parseQueryRequest(input);
        } catch (e) {
          thrown = e;
        }

        // Assess
        if (result.success) expect(thrown).toBeUndefined();
        else expect((thrown as BridgeError).code).toBe('VALIDATION_FAILED');
      }),
      { numRuns: 300 },
    );
  });
});
