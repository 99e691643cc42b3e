import { andFilters, buildSoql } from '../../../lambda/core/query';
import type { Filter } from '../../../lambda/core/types';

describe('andFilters', () => {
  const agent: Filter = { or: [{ field: 'Name', op: 'eq', value: 'a' }, { field: 'Name', op: 'eq', value: 'b' }] };
  const row: Filter = { field: 'Territory__c', op: 'in', value: ['EMEA'] };

  it('joins the policy row filter to the agent filter so the agent’s OR cannot escape it', () => {
    // Prepare
    const where = andFilters(agent, row);

    // Act
    const soql = buildSoql({ object: 'Contact', fields: ['Name'], where, limit: 5 }, () => true);

    // Assess
    expect(soql).toBe("SELECT Id, Name FROM Contact WHERE ((Name = 'a' OR Name = 'b') AND Territory__c IN ('EMEA')) LIMIT 5");
  });

  it('returns whichever side is present, or nothing', () => {
    // Prepare / Act / Assess
    expect(andFilters(undefined, row)).toBe(row);
    expect(andFilters(agent, undefined)).toBe(agent);
    expect(andFilters()).toBeUndefined();
  });
});
