import fc from 'fast-check';
import { buildReview } from '../../../lambda/core/approvals/review';
import { classifyField, DEFAULT_FIELD_POLICY, findEntities } from '../../../lambda/core/redaction';
import type { RequestRecord } from '../../../lambda/core/requests';
import { proposalRecord, testConfig } from './flow-fakes';

const config = testConfig();
const HMAC = new Uint8Array(32).fill(9);
const CONTACT_FIELDS = ['FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'MailingCity', 'Birthdate', 'Title', 'Department', 'Description', 'Custom_Unknown__c'];

const record = (fields: Record<string, string>): RequestRecord => proposalRecord({ object: 'Contact', payload: { object: 'Contact', fields } });

const placeholderArb = fc.tuple(fc.constantFrom('EMAIL', 'PHONE', 'PERSON'), fc.integer({ min: 1, max: 9 })).map(([t, n]) => `{${t}_${n}}`);
const piiArb = fc.oneof(
  fc.constantFrom('ada.lovelace@example.com', '+44 20 7946 0123', '4111 1111 1111 1111', '078-05-1120', 'Grace Hopper'),
  fc.emailAddress(),
);
const valueArb = fc.array(fc.oneof(placeholderArb, piiArb, fc.constantFrom(' call ', ' about the renewal ', ', then ', 'CTO')), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(' '));

describe('buildReview', () => {
  it('never shows an approver a literal value of a sensitive field, keeps every placeholder, and leaves no detectable PII', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CONTACT_FIELDS), valueArb, { minKeys: 1 }), (fields) => {
        const review = buildReview(config, record(fields), HMAC);
        for (const [name, value] of Object.entries(fields)) {
          const shown = review.proposed[name] as string;
          const cls = classifyField('salesforce', 'Contact', name);
          if (cls === 'FREE_TEXT') {
            for (const p of value.match(/\{[A-Z]+_\d\}/g) ?? []) expect(shown).toContain(p);
          } else if (DEFAULT_FIELD_POLICY[cls] !== 'allow' && !/^(\{[A-Z]+_\d\})+$/.test(value)) {
            expect(shown).toBe(`[${cls}]`);
          }
          expect(findEntities(shown)).toEqual([]);
        }
        expect(review.summary).not.toMatch(/@|\d{4}/);
      }),
      { numRuns: 150 },
    );
  });
});
