import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { buildHubSpotSearch, type FieldAllowlist, HUBSPOT_SEARCH_LIMITS, type StructuredQuery, toDnf } from '../../../lambda/core/query';
import type { Filter } from '../../../lambda/core/types';
import { matchesHubSpot, matchesSoql } from '../../../local/sandbox-crm/store';
import { caught } from '../../support/failure';

const ALL: FieldAllowlist = () => true;
const q = (over: Partial<StructuredQuery>): StructuredQuery => ({ object: 'Contact', fields: ['email'], limit: 10, ...over });
const eq = (field: string, value: string): Filter => ({ field, op: 'eq', value });

describe('buildHubSpotSearch', () => {
  it('turns nested and/or into OR-ed filter groups of AND-ed filters', () => {
    // Prepare
    const where: Filter = { and: [eq('territory', 'EMEA'), { or: [eq('lifecyclestage', 'lead'), { field: 'phone', op: 'eq', value: null }] }] };

    // Act
    const body = buildHubSpotSearch(q({ where, orderBy: [{ field: 'createdate', direction: 'desc' }], limit: 50 }), ALL);

    // Assess
    expect(body).toEqual({
      filterGroups: [
        { filters: [{ propertyName: 'territory', operator: 'EQ', value: 'EMEA' }, { propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }] },
        { filters: [{ propertyName: 'territory', operator: 'EQ', value: 'EMEA' }, { propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' }] },
      ],
      properties: ['email'],
      sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' }],
      limit: 50,
    });
  });

  it('maps every operator, with values as strings', () => {
    // Prepare
    const where: Filter = {
      and: [
        { field: 'amount', op: 'gt', value: 10 },
        { field: 'amount', op: 'lte', value: 99.5 },
        { field: 'hs_is_closed', op: 'ne', value: true },
        { field: 'dealstage', op: 'in', value: ['won', 'lost'] },
        { field: 'dealname', op: 'startsWith', value: 'Acme' },
        { field: 'closedate', op: 'ne', value: null },
      ],
    };

    // Act
    const [group] = buildHubSpotSearch(q({ object: 'Opportunity', fields: ['dealname'], where }), ALL).filterGroups;

    // Assess
    expect(group.filters).toEqual([
      { propertyName: 'amount', operator: 'GT', value: '10' },
      { propertyName: 'amount', operator: 'LTE', value: '99.5' },
      { propertyName: 'hs_is_closed', operator: 'NEQ', value: 'true' },
      { propertyName: 'dealstage', operator: 'IN', values: ['won', 'lost'] },
      { propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: 'Acme*' },
      { propertyName: 'closedate', operator: 'HAS_PROPERTY' },
    ]);
  });

  it('refuses a filter whose normal form exceeds HubSpot’s caps, saying why', () => {
    // Prepare: (a|b) & (c|d) & (e|f) expands to 8 groups.
    const pair = (x: string): Filter => ({ or: [eq(x, '1'), eq(x, '2')] });
    const where: Filter = { and: [pair('a'), pair('b'), pair('c')] };

    // Act
    const error = caught(() => buildHubSpotSearch(q({ where }), ALL));

    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(`at most ${HUBSPOT_SEARCH_LIMITS.maxFilterGroups} OR-groups`);
  });

  it('refuses a wildcard in startsWith, more than one sort, unsupported objects, bad names and disallowed fields', () => {
    // Prepare
    const deny: FieldAllowlist = (_o, f) => f !== 'email';

    // Act / Assess
    expect(caught(() => buildHubSpotSearch(q({ where: { field: 'email', op: 'startsWith', value: '*' } }), ALL)).message).toMatch(/without "\*"/);
    expect(caught(() => buildHubSpotSearch(q({ orderBy: [{ field: 'a', direction: 'asc' }, { field: 'b', direction: 'asc' }] }), ALL)).message).toMatch(/one property/);
    expect(caught(() => buildHubSpotSearch(q({ object: 'User' }), ALL)).message).toMatch(/not available on HubSpot/);
    expect(caught(() => buildHubSpotSearch(q({ fields: ['email"}]'] }), ALL)).code).toBe('VALIDATION_FAILED');
    expect(caught(() => buildHubSpotSearch(q({ fields: ['email'] }), deny)).message).toMatch(/not allowed/);
  });

  // The normal form must select exactly the records the original filter selects.
  const value = fc.constantFrom('x', 'y', 'z');
  const condition = fc.oneof(
    fc.record({ field: fc.constantFrom('a', 'b', 'c'), op: fc.constantFrom('eq', 'ne'), value: fc.oneof(value, fc.constant(null)) }),
    fc.record({ field: fc.constantFrom('a', 'b', 'c'), op: fc.constantFrom('lt', 'gte'), value }),
    fc.record({ field: fc.constantFrom('a', 'b', 'c'), op: fc.constant('in'), value: fc.array(value, { minLength: 1, maxLength: 2 }) }),
  ) as fc.Arbitrary<Filter>;
  const filter = fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small' },
      condition,
      fc.record({ and: fc.array(tie('f'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('f'), { minLength: 1, maxLength: 3 }) }),
    ),
  })).f;
  const record = fc.record({ a: fc.oneof(value, fc.constant(null)), b: fc.oneof(value, fc.constant(null)), c: fc.oneof(value, fc.constant(null)) });

  it('property: the filter groups match exactly the records the nested filter matches, or the filter is refused', () => {
    fc.assert(
      fc.property(filter, fc.array(record, { minLength: 1, maxLength: 8 }), (where, records) => {
        // Act
        let groups: ReturnType<typeof buildHubSpotSearch>['filterGroups'];
        try {
          groups = buildHubSpotSearch(q({ where }), ALL).filterGroups;
        } catch (e) {
          // Assess (refused only for complexity)
          expect((e as BridgeError).code).toBe('VALIDATION_FAILED');
          expect((e as BridgeError).message).toMatch(/too complex/);
          return;
        }

        // Assess
        for (const r of records) {
          const direct = matchesSoql(where, (f) => r[f as 'a']);
          const viaGroups = groups.some((g) => g.filters.every((f) => matchesHubSpot({ ...f, values: f.values ? [...f.values] : undefined }, r)));
          expect(viaGroups).toBe(direct);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stops normal-form expansion at the cap instead of blowing up', () => {
    // Prepare: 2^20 groups if expanded naively.
    const where: Filter = { and: Array.from({ length: 20 }, (_, i) => ({ or: [eq(`p${i}`, '1'), eq(`p${i}`, '2')] })) };

    // Act
    const started = process.hrtime.bigint();
    const error = caught(() => toDnf(where));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

    // Assess
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(elapsedMs).toBeLessThan(50);
  });
});
