import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { classifyField, findEntities, mask, neutralizePlaceholders, outputGuard, placeholdersIn, reidentify, Redactor, UNKNOWN_FIELD_CLASS } from '../../../lambda/core/redaction';

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

  it('round-trips tokenize → reidentify exactly, placeholder-shaped input aside', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('ann@x.io', 'call +44 20 7946 0958', 'Mr. Smith', 'hello', '{EMAIL_9}', 'ü', '\n'), { maxLength: 12 }), (parts) => {
        // Prepare
        const text = parts.join(' ');
        const r = new Redactor({ hmacKey: key, scope: 'rt', textPolicy: { PERSON: 'tokenize', PHONE: 'tokenize', EMAIL: 'tokenize' } });
        // Act
        const { text: red, vaultEntries } = r.redactText(text);
        // Assess
        expect(reidentify(red, lookupFrom(vaultEntries))).toBe(neutralizePlaceholders(text));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('never resolves a placeholder spoofed in CRM text to a vault value of the scope', () => {
    // Prepare: the scope's vault holds {EMAIL_1} and {PERSON_1}; the record's own text carries literal copies.
    const r = new Redactor({ hmacKey: key, scope: 'spoof' });
    const record = {
      object: 'Case' as const,
      id: '500xx',
      fields: {
        SuppliedEmail: 'victim@corp.io',
        SuppliedName: 'Dana Whitfield',
        Subject: 'Forward everything to {EMAIL_1}',
        Description: 'Refund {PERSON_1} via {EMAIL_1}; cc {{EMAIL_1}} and {EMAIL_1',
      },
    };
    // Act
    const { record: out, vaultEntries } = r.redactRecord('salesforce', record);
    const lookup = lookupFrom(vaultEntries);
    const subject = reidentify(String(out.fields.Subject), lookup);
    const description = reidentify(String(out.fields.Description), lookup);
    // Assess
    expect(out.fields.SuppliedEmail).toBe('{EMAIL_1}');
    expect(lookup('{EMAIL_1}')).toBe('victim@corp.io');
    expect(placeholdersIn(String(out.fields.Subject))).toEqual([]);
    expect(placeholdersIn(String(out.fields.Description))).toEqual([]);
    expect(`${subject} ${description}`).not.toContain('victim@corp.io');
    expect(`${subject} ${description}`).not.toContain('Dana');
    expect(subject).toBe('Forward everything to \u2774EMAIL_1\u2775');
  });

  it('lets only its own placeholders resolve, whatever placeholder-like text the input holds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('{EMAIL_1}', '{PERSON_1}', '{PHONE_2}', '{', '}', 'EMAIL_1', '_1}', 'ann@x.io', 'bob@y.io', 'Mr. Smith', ' ', 'x'), { maxLength: 14 }),
        (parts) => {
          // Prepare
          const r = new Redactor({ hmacKey: key, scope: 'prop' });
          // Act
          const { text: red, entities, vaultEntries } = r.redactText(parts.join(''));
          let resolved = 0;
          reidentify(red, (p) => {
            const v = lookupFrom(vaultEntries)(p);
            if (v !== undefined) resolved++;
            return v;
          });
          // Assess: each resolution is one of the entities this call tokenized, never input text.
          expect(resolved).toBe(entities.filter((e) => e.type === 'EMAIL' || e.type === 'PERSON' || e.type === 'PHONE').length);
        },
      ),
      { numRuns: 300, seed: 5 },
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

  it('finds nothing in any placeholder the redactor can write', () => {
    const labels = ['EMAIL', 'PHONE', 'PERSON', 'POSTAL_ADDRESS', 'IP_ADDRESS', 'DATE_OF_BIRTH', 'GOVERNMENT_ID', 'FINANCIAL', 'ID', 'TEXT', 'NON_SENSITIVE', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'AWS_ACCESS_KEY'];
    fc.assert(
      fc.property(fc.constantFrom(...labels), fc.integer({ min: 1, max: 10_000_000_000 }), (label, n) => {
        // Act / Assess
        expect(findEntities(`{${label}_${n}}`)).toEqual([]);
      }),
      { numRuns: 300, seed: 41 },
    );
  });

  it('counts a repeated string once per occurrence', () => {
    // Act
    const { value, hits } = outputGuard({ a: 'ssn 123-45-6789', b: ['ssn 123-45-6789', 'ok'], c: 'ssn 123-45-6789' });
    // Assess
    expect(value).toEqual({ a: 'ssn [US_SSN]', b: ['ssn [US_SSN]', 'ok'], c: 'ssn [US_SSN]' });
    expect(hits).toEqual({ US_SSN: 3 });
  });

  it('keeps a "__proto__" key as an own property, never as the prototype', () => {
    // Prepare: JSON from a CRM can hold the key as data.
    const json = JSON.parse('{"__proto__": {"note": "mail a@b.io"}, "x": 1}') as Record<string, unknown>;
    // Act
    const { value, hits } = outputGuard(json);
    // Assess
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ note: 'mail [EMAIL]' });
    expect(hits).toEqual({ EMAIL: 1 });
  });

  it('guards redacted records exactly as a scan of every string would', () => {
    // Prepare: a guard without shortcuts, the reference for what the skipped strings would have shown.
    const reference = (json: unknown): unknown => {
      if (typeof json === 'string') {
        let out = '';
        let at = 0;
        for (const e of findEntities(json)) {
          out += json.slice(at, e.start) + `[${e.type}]`;
          at = e.end;
        }
        return out + json.slice(at);
      }
      if (Array.isArray(json)) return json.map(reference);
      if (json !== null && typeof json === 'object') return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, reference(v)]));
      return json;
    };
    const note = fc.array(fc.constantFrom('Call', 'Ann Lee', 'ann@x.io', '+44 20 7946 0958', 'about', 'the', 'invoice', '{EMAIL_1}', '4111 1111 1111 1111', 'Mr.', 'Smith', '.', ' '), {
      maxLength: 10,
    });
    fc.assert(
      fc.property(fc.array(note, { minLength: 1, maxLength: 4 }), fc.constantFrom('Open', 'Login problem', 'Ann Lee'), fc.boolean(), (notes, subject, allowEmail) => {
        // A text policy that lets emails through leaves PII in the redactor's output: the guard must still see it.
        const r = new Redactor({ hmacKey: key, scope: 'guard', textPolicy: allowEmail ? { EMAIL: 'allow' } : {} });
        const records = notes.map((parts, i) => r.redactRecord('salesforce', { object: 'Case' as const, id: `500${i}`, fields: { Subject: subject, SuppliedName: 'Ann Lee', Description: parts.join(' ') } }).record.fields);
        // Act
        const { value } = outputGuard(records);
        // Assess
        expect(value).toEqual(reference(records));
      }),
      { numRuns: 200, seed: 43 },
    );
  });
});
