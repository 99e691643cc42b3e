import { toCrmRecord } from '../../../lambda/adapters/crm/records';
import { MAX_RECORD_ID_LENGTH } from '../../../lambda/core/audit/event';
import { caught } from '../../support/failure';

const recordWithId = (id: unknown) => toCrmRecord('salesforce', 'Contact', id, { Email: 'a@example.com' }, ['Email']);

describe('toCrmRecord', () => {
  it('keeps only the requested fields, matched case-insensitively', () => {
    // Act
    const record = toCrmRecord('salesforce', 'Contact', '0035g000001', { email: 'a@example.com', Phone: '1' }, ['Email']);

    // Assess
    expect(record).toEqual({ object: 'Contact', id: '0035g000001', fields: { email: 'a@example.com' } });
  });

  it('refuses a record whose id the audit log cannot hold, as a malformed CRM answer', () => {
    // Prepare
    const longest = 'a'.repeat(MAX_RECORD_ID_LENGTH);

    // Act / Assess
    expect(recordWithId(longest).id).toBe(longest);
    for (const id of [longest + 'a', 'has space', 'x@example.com', '-leading', '', 42]) {
      expect(caught(() => recordWithId(id))).toMatchObject({ code: 'CRM_UNAVAILABLE', message: 'salesforce returned a malformed record' });
    }
  });
});
