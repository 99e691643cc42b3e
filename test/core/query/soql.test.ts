import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { buildSoql, type FieldAllowlist, type StructuredQuery } from '../../../lambda/core/query';
import type { Filter, Scalar } from '../../../lambda/core/types';
import { parseSoql, type SoqlFilter } from '../../../local/sandbox-crm/soql';
import { caught } from '../../support/failure';

const ALL: FieldAllowlist = () => true;
const q = (over: Partial<StructuredQuery>): StructuredQuery => ({ object: 'Contact', fields: ['Name'], limit: 10, ...over });

/** What the parser must read back from the builder's SOQL for a given structured filter. */
function expected(f: Filter): SoqlFilter {
  if ('and' in f) return f.and.length === 1 ? expected(f.and[0]) : { and: f.and.map(expected) as Filter[] };
  if ('or' in f) return f.or.length === 1 ? expected(f.or[0]) : { or: f.or.map(expected) as Filter[] };
  if (f.op === 'startsWith') return { field: f.field, op: 'like', pattern: [{ text: f.value as string }, { wildcard: '%' }] };
  return f;
}

describe('buildSoql', () => {
  it('builds SELECT … FROM … WHERE … ORDER BY … LIMIT with Id always selected', () => {
    // Prepare
    const query = q({
      fields: ['Name', 'Email'],
      where: { and: [{ field: 'Territory__c', op: 'eq', value: 'EMEA' }, { or: [{ field: 'Amount__c', op: 'gte', value: 1000 }, { field: 'IsActive__c', op: 'eq', value: true }] }] },
      orderBy: [{ field: 'Name', direction: 'desc' }],
      limit: 25,
    });

    // Act
    const soql = buildSoql(query, ALL);

    // Assess
    expect(soql).toBe("SELECT Id, Name, Email FROM Contact WHERE (Territory__c = 'EMEA' AND (Amount__c >= 1000 OR IsActive__c = true)) ORDER BY Name DESC LIMIT 25");
  });

  it('writes typed literals: null, booleans, numbers, dates, date-times and IN lists', () => {
    // Prepare
    const where: Filter = {
      and: [
        { field: 'Phone', op: 'eq', value: null },
        { field: 'CloseDate', op: 'lt', value: '2024-06-30' },
        { field: 'CreatedDate', op: 'gt', value: '2024-01-01T00:00:00Z' },
        { field: 'Amount', op: 'lte', value: -12.5 },
        { field: 'Stage', op: 'in', value: ['Won', 'Lost'] },
      ],
    };

    // Act
    const soql = buildSoql(q({ where }), ALL);

    // Assess
    expect(soql).toContain("(Phone = null AND CloseDate < 2024-06-30 AND CreatedDate > 2024-01-01T00:00:00Z AND Amount <= -12.5 AND Stage IN ('Won', 'Lost'))");
  });

  it('neutralises SOQL injection in values: quotes, backslashes and LIKE wildcards stay inside one literal', () => {
    // Prepare
    const attacks = ["x' OR Name != '", "\\' OR Id != null OR Name = '", "a'); DELETE FROM Contact; --", '50%_off'];

    // Act
    const results = attacks.map((value) => parseSoql(buildSoql(q({ where: { field: 'Name', op: 'eq', value } }), ALL)));
    const like = parseSoql(buildSoql(q({ where: { field: 'Name', op: 'startsWith', value: '50%_off' } }), ALL));

    // Assess
    results.forEach((r, i) => expect(r.where).toEqual({ field: 'Name', op: 'eq', value: attacks[i] }));
    expect(like.where).toEqual({ field: 'Name', op: 'like', pattern: [{ text: '50%_off' }, { wildcard: '%' }] });
  });

  it('rejects SOQL injection in field names, objects and sort keys', () => {
    // Prepare
    const fields = ['Name FROM User --', 'Name,Email', 'Id) OR (Name', 'LIMIT', 'Name\u0000', "Name'"];

    // Act / Assess
    for (const field of fields) {
      expect(caught(() => buildSoql(q({ fields: [field] }), ALL)).code).toBe('VALIDATION_FAILED');
      expect(caught(() => buildSoql(q({ where: { field, op: 'eq', value: 1 } }), ALL)).code).toBe('VALIDATION_FAILED');
      expect(caught(() => buildSoql(q({ orderBy: [{ field, direction: 'asc' }] }), ALL)).code).toBe('VALIDATION_FAILED');
    }
    expect(caught(() => buildSoql(q({ object: 'Contact WHERE Id != null' as never }), ALL)).code).toBe('VALIDATION_FAILED');
  });

  it('applies the allowlist to selected, filtered and sorted fields', () => {
    // Prepare
    const allow: FieldAllowlist = (object, field) => object === 'Contact' && field !== 'Email';

    // Act / Assess
    expect(caught(() => buildSoql(q({ fields: ['Email'] }), allow)).message).toMatch(/"Email" is not allowed on Contact/);
    expect(caught(() => buildSoql(q({ where: { field: 'Email', op: 'eq', value: 'a' } }), allow)).code).toBe('VALIDATION_FAILED');
    expect(caught(() => buildSoql(q({ orderBy: [{ field: 'Email', direction: 'asc' }] }), allow)).code).toBe('VALIDATION_FAILED');
    expect(buildSoql(q({ fields: ['Name'] }), allow)).toBe('SELECT Id, Name FROM Contact LIMIT 10');
  });

  it('rejects values SOQL cannot express: control characters, exponent numbers, null with ordering', () => {
    // Prepare / Act / Assess
    expect(caught(() => buildSoql(q({ where: { field: 'Name', op: 'eq', value: 'a\u0007' } }), ALL)).message).toMatch(/control/);
    expect(caught(() => buildSoql(q({ where: { field: 'Amount', op: 'gt', value: 1e21 } }), ALL)).message).toMatch(/SOQL literal/);
    expect(caught(() => buildSoql(q({ where: { field: 'Amount', op: 'gt', value: null } }), ALL)).message).toMatch(/null/);
    expect(caught(() => buildSoql(q({ limit: 201 }), ALL)).message).toMatch(/limit/);
  });

  // The key safety property: whatever the input, either the builder refuses it with a typed
  // error, or the produced SOQL parses back to exactly the structure that was asked for.
  const hostileText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom("'", "\\'", '\\', "' OR '1'='1", '%', '_', '\n', ') OR (Id != null', ' LIMIT 1', '2024-01-01', 'null', 'true'),
    fc.stringMatching(/^[A-Za-z0-9 '\\%_()=,<>!-]{0,12}$/),
  );
  const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}$/);
  const field = fc.oneof({ weight: 4, arbitrary: identifier }, { weight: 1, arbitrary: hostileText });
  const scalar: fc.Arbitrary<Scalar> = fc.oneof(
    hostileText,
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const condition = fc.oneof(
    fc.record({ field, op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte'), value: scalar }),
    fc.record({ field, op: fc.constant('in'), value: fc.array(scalar, { minLength: 1, maxLength: 4 }) }),
    fc.record({ field, op: fc.constant('startsWith'), value: hostileText }),
  ) as fc.Arbitrary<Filter>;
  const filter = fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      condition,
      fc.record({ and: fc.array(tie('f'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('f'), { minLength: 1, maxLength: 3 }) }),
    ),
  })).f;

  it('property: no field name or value changes the statement’s structure', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 4 }), fc.option(filter, { nil: undefined }), fc.integer({ min: 1, max: 200 }), (fields, where, limit) => {
        // Prepare
        const query = q({ fields, where, limit });

        // Act
        let soql: string;
        try {
          soql = buildSoql(query, ALL);
        } catch (e) {
          // Assess (refused)
          expect(e).toBeInstanceOf(BridgeError);
          expect((e as BridgeError).code).toBe('VALIDATION_FAILED');
          return;
        }
        const parsed = parseSoql(soql);

        // Assess (built)
        expect(parsed.object).toBe('Contact');
        expect(parsed.fields).toEqual([...new Set(['Id', ...fields])]);
        expect(parsed.limit).toBe(limit);
        expect(parsed.where).toEqual(where ? expected(where) : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: valid identifiers and printable values are always accepted', () => {
    // eslint-disable-next-line no-control-regex
    const printable = fc.string({ maxLength: 30 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
    fc.assert(
      fc.property(identifier.filter((s) => !/^(and|or|not|in|like|limit|from|select|where|order|by|asc|desc|null|nulls|true|false|first|last|with|group|having|offset|for|update|view|using|scope|then|else|end|when|typeof|includes|excludes|tracking|viewstat|reference|format|tolabel|convertcurrency|autocreate|tablesample)$/i.test(s)), printable, (name, value) => {
        // Prepare
        const query = q({ fields: [name], where: { field: name, op: 'eq', value } });

        // Act
        const parsed = parseSoql(buildSoql(query, ALL));

        // Assess
        expect(parsed.where).toEqual({ field: name, op: 'eq', value });
      }),
      { numRuns: 500 },
    );
  });
});
