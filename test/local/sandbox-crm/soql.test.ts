import { parseSoql, SoqlSyntaxError } from '../../../local/sandbox-crm/soql';

describe('sandbox SOQL parser', () => {
  it('parses the full subset: fields, object, nested where, NOT, order with nulls, limit', () => {
    // Prepare
    const soql = "SELECT Id, Name FROM Contact WHERE (Territory__c IN ('EMEA', 'NA') AND NOT (Email LIKE 'a\\_%' OR Amount >= -1.5)) ORDER BY Name DESC NULLS FIRST, Id LIMIT 7";

    // Act
    const q = parseSoql(soql);

    // Assess
    expect(q).toEqual({
      fields: ['Id', 'Name'],
      object: 'Contact',
      where: {
        and: [
          { field: 'Territory__c', op: 'in', value: ['EMEA', 'NA'] },
          { not: { or: [{ field: 'Email', op: 'like', pattern: [{ text: 'a_' }, { wildcard: '%' }] }, { field: 'Amount', op: 'gte', value: -1.5 }] } },
        ],
      },
      orderBy: [
        { field: 'Name', direction: 'desc', nulls: 'first' },
        { field: 'Id', direction: 'asc', nulls: 'first' },
      ],
      limit: 7,
    });
  });

  it('refuses what Salesforce would refuse or the builder never emits', () => {
    // Prepare
    const bad = [
      "SELECT Id FROM Contact WHERE Name = 'a' AND Email = 'b' OR Phone = null",
      "SELECT Id FROM Contact WHERE Name = 'unterminated",
      "SELECT Id FROM Contact WHERE Name = 'bad \\q escape'",
      'SELECT Id FROM Contact; DELETE Contact',
      'SELECT Id FROM Contact -- comment',
      'SELECT FROM Contact',
      'SELECT Id, FROM FROM Contact',
      'SELECT Id FROM Contact LIMIT 1 LIMIT 2',
      "SELECT Id FROM Contact WHERE (Name = 'a'",
      'SELECT Id FROM Contact WHERE Name = Email',
      'SELECT (SELECT Id FROM Contacts) FROM Account',
    ];

    // Act / Assess
    for (const soql of bad) expect(() => parseSoql(soql)).toThrow(SoqlSyntaxError);
  });

  it('bounds nesting so a hostile statement cannot exhaust the stack', () => {
    // Prepare
    const soql = `SELECT Id FROM Contact WHERE ${'('.repeat(5000)}Name = 'a'${')'.repeat(5000)}`;

    // Act / Assess
    expect(() => parseSoql(soql)).toThrow(/nests too deeply/);
  });
});
