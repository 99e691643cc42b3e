import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { classifyField, findEntities, mask, outputGuard, reidentify, Redactor, UNKNOWN_FIELD_CLASS } from '../../../lambda/core/redaction';

const key = new Uint8Array(32).fill(7);
const lookupFrom = (entries: { placeholder: string; value: string }[]) => (p: string) => entries.find((e) => e.placeholder === p)?.value;

describe('classifyField', () => {
  it('classifies standard fields of both CRMs and treats unknown fields as sensitive', () => {
    // Act / Assess
    expect(classifyField('salesforce', 'Contact', 'Email')).toBe('EMAIL');
    expect(classifyField('salesforce', 'Contact', 'Birthdate')).toBe('DATE_OF_BIRTH');
    expect(classifyField('hubspot', 'Contact', 'mobilephone')).toBe('PHONE');
    expect(classifyField('hubspot', 'Note', 'hs_note_body')).toBe('FREE_TEXT');
    expect(classifyField('salesforce', 'Opportunity', 'Amount')).toBe('NON_SENSITIVE');
    expect(classifyField('salesforce', 'Contact', 'Tax_Id__c')).toBe(UNKNOWN_FIELD_CLASS);
    expect(UNKNOWN_FIELD_CLASS).not.toBe('NON_SENSITIVE');
    expect(classifyField('salesforce', 'Contact', 'toString')).toBe(UNKNOWN_FIELD_CLASS);
  });

  it('lets config classify custom fields', () => {
    // Act / Assess
    expect(classifyField('salesforce', 'Contact', 'Tax_Id__c', { Contact: { Tax_Id__c: 'GOVERNMENT_ID', Tier__c: 'NON_SENSITIVE' } })).toBe('GOVERNMENT_ID');
    expect(classifyField('salesforce', 'Contact', 'Tier__c', { Contact: { Tier__c: 'NON_SENSITIVE' } })).toBe('NON_SENSITIVE');
  });
});

describe('mask', () => {
  it('preserves format and keeps only a short tail', () => {
    // Act / Assess
    expect(mask('EMAIL', 'jane@example.com')).toBe('j***@example.com');
    expect(mask('PHONE', '555-123-4567')).toBe('***-***-4567');
    expect(mask('CREDIT_CARD', '4111 1111 1111 1111')).toBe('**** **** **** 1111');
    expect(mask('PERSON_NAME', 'Jane Doe')).toBe('J*** D***');
    expect(mask('DATE_OF_BIRTH', '1985-03-14')).toBe('****-**-**');
  });
});

describe('Redactor', () => {
  it('rejects a short HMAC key and an empty scope with typed errors', () => {
    // Act / Assess
    expect(() => new Redactor({ hmacKey: new Uint8Array(8), scope: 's' })).toThrow(BridgeError);
    expect(() => new Redactor({ hmacKey: key, scope: ' ' })).toThrow(BridgeError);
  });

  it('applies the default action of each field class to a record', () => {
    // Prepare
    const r = new Redactor({ hmacKey: key, scope: 'req-1' });
    const record = {
      object: 'Contact' as const,
      id: '003xx',
      fields: {
        Id: '003xx', FirstName: 'Jordan', LastName: 'Kowalski', Email: 'jordan@acme.io', Birthdate: '1980-02-02',
        Title: 'CTO', Secret__c: 'x', Description: 'Jordan asked to call 415-555-2671',
      },
    };
    // Act
    const { record: out, counts, vaultEntries } = r.redactRecord('salesforce', record);
    // Assess
    expect(out.fields).toEqual({
      Id: '003xx', FirstName: '{PERSON_1}', LastName: '{PERSON_2}', Email: '{EMAIL_1}', Title: 'CTO',
      Description: '{PERSON_1} asked to call {PHONE_1}',
    });
    expect(counts).toEqual({ PERSON_NAME: 2, EMAIL: 1, DATE_OF_BIRTH: 1, GOVERNMENT_ID: 1, PERSON: 1, PHONE: 1 });
    expect(reidentify(String(out.fields.Description), lookupFrom(vaultEntries))).toBe(record.fields.Description);
  });

  it('hashes with the keyed HMAC, never a plain hash', () => {
    // Prepare
    const a = new Redactor({ hmacKey: key, scope: 's', policy: { EMAIL: 'hash' } });
    const b = new Redactor({ hmacKey: new Uint8Array(32).fill(8), scope: 's', policy: { EMAIL: 'hash' } });
    const rec = { object: 'Contact' as const, id: '1', fields: { Email: 'a@b.co' } };
    // Act
    const ha = a.redactRecord('salesforce', rec).record.fields.Email;
    const hb = b.redactRecord('salesforce', rec).record.fields.Email;
    // Assess
    expect(ha).toMatch(/^hmac:[0-9a-f]{64}$/);
    expect(ha).not.toBe(hb);
  });

  it('gives the same placeholder to the same value within a scope', () => {
    // Prepare
    const r = new Redactor({ hmacKey: key, scope: 'conv-9' });
    // Act
    const one = r.redactText('mail ann@x.io');
    const two = r.redactText('again ann@x.io and bob@x.io');
    // Assess
    expect(one.text).toBe('mail {EMAIL_1}');
    expect(two.text).toBe('again {EMAIL_1} and {EMAIL_2}');
  });

  it('never lets a seeded PII value survive redaction', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('4111 1111 1111 1111', 'jane.roe@example.org', '123-45-6789', 'GB82WEST12345698765432', '10.20.30.40', '+1 415 555 2671'),
        fc.array(fc.constantFrom('note', 'the', 'client', 'said', 'ok', '.', ',', 'then', 'value'), { maxLength: 8 }),
        fc.array(fc.constantFrom('update', 'pending', 'see', 'below', 'thanks'), { maxLength: 8 }),
        (pii, pre, post) => {
          // Prepare
          const text = `${pre.join(' ')} ${pii} ${post.join(' ')}`;
          // Act
          const out = new Redactor({ hmacKey: key, scope: 'p' }).redactText(text).text;
          // Assess
          expect(out).not.toContain(pii);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('round-trips tokenize → reidentify exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('ann@x.io', 'call +44 20 7946 0958', 'Mr. Smith', 'hello', '{EMAIL_9}', 'ü', '\n'), { maxLength: 12 }), (parts) => {
        // Prepare
        const text = parts.join(' ');
        const r = new Redactor({ hmacKey: key, scope: 'rt', textPolicy: { PERSON: 'tokenize', PHONE: 'tokenize', EMAIL: 'tokenize' } });
        // Act
        const { text: red, vaultEntries } = r.redactText(text);
        // Assess
        expect(reidentify(red, lookupFrom(vaultEntries))).toBe(text);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('outputGuard', () => {
  it('redacts and counts PII that policy did not allow, anywhere in the JSON', () => {
    // Prepare
    const json = { records: [{ note: 'ssn 123-45-6789, mail a@b.io', n: 3 }], ok: true, masked: 'j***@example.com' };
    // Act
    const { value, hits } = outputGuard(json);
    // Assess
    expect(value).toEqual({ records: [{ note: 'ssn [US_SSN], mail [EMAIL]', n: 3 }], ok: true, masked: 'j***@example.com' });
    expect(hits).toEqual({ US_SSN: 1, EMAIL: 1 });
  });

  it('lets allowed types and values through', () => {
    // Act
    const { value, hits } = outputGuard(['a@b.io', 'c@d.io 123-45-6789'], { types: ['EMAIL'], values: ['123-45-6789'] });
    // Assess
    expect(value).toEqual(['a@b.io', 'c@d.io 123-45-6789']);
    expect(hits).toEqual({});
  });

  it('leaves placeholders alone', () => {
    // Act / Assess
    expect(findEntities('{EMAIL_1} spoke to {PERSON_2}')).toEqual([]);
  });
});
