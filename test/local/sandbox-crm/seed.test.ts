import { SEED_COUNTS, seedRecords } from '../../../local/sandbox-crm/seed';
import { salesforceId } from '../../../local/sandbox-crm/store';

const luhn = (digits: string): boolean => {
  let sum = 0;
  [...digits].reverse().forEach((ch, i) => {
    let d = Number(ch);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
};
const ibanValid = (iban: string): boolean => {
  const s = iban.replace(/ /g, '');
  const moved = (s.slice(4) + s.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of moved) rem = (rem * 10 + Number(ch)) % 97;
  return rem === 1;
};

describe('sandbox seed data', () => {
  const texts = (seed: number) => seedRecords(seed).flatMap((r) => [r.fields.Description, r.fields.Body]).filter((t): t is string => typeof t === 'string');

  it('is deterministic per seed and differs across seeds', () => {
    // Prepare / Act
    const a = seedRecords(3);
    const b = seedRecords(3);
    const c = seedRecords(4);

    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('holds the documented number of records per object', () => {
    // Prepare / Act
    const counts: Record<string, number> = {};
    for (const r of seedRecords(1)) counts[r.object] = (counts[r.object] ?? 0) + 1;

    // Assess
    expect(counts).toEqual(SEED_COUNTS);
  });

  it('puts validator-valid PII and injection attempts into free text', () => {
    // Prepare
    const all = texts(1).join('\n');

    // Act
    const cards = [...all.matchAll(/card ((?:\d{4} ){3}\d{4})\b/g)].map((m) => m[1].replace(/ /g, ''));
    const ibans = [...all.matchAll(/\bDE\d{2}(?: \d{4}){4} \d{2}\b/g)].map((m) => m[0]);
    const ssns = [...all.matchAll(/\b\d{3}-\d{2}-\d{4}\b/g)];

    // Assess
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.every(luhn)).toBe(true);
    expect(ibans.length).toBeGreaterThan(0);
    expect(ibans.every(ibanValid)).toBe(true);
    expect(ssns.length).toBeGreaterThan(0);
    expect(all).toMatch(/[a-z.]+@[a-z]+\.example/);
    expect(all).toMatch(/ignore all previous instructions/i);
    expect(all).toMatch(/\u200b|\u202e/);
  });

  it('spreads records over every territory', () => {
    // Prepare / Act
    const territories = new Set(seedRecords(1).filter((r) => r.object === 'Contact').map((r) => r.fields.Territory__c));

    // Assess
    expect([...territories].sort()).toEqual(['APAC', 'EMEA', 'LATAM', 'NA']);
  });

  it('issues 18-character Salesforce ids whose suffix encodes the case of the 15-character id', () => {
    // Prepare / Act
    const id = salesforceId('Contact', 42);

    // Assess
    expect(id).toMatch(/^0035g0{8}42[A-Z0-5]{3}$/);
    expect(id.slice(15)).toBe('AAA');
    expect(salesforceId('Task', 1).slice(15)).toBe('EAA');
  });
});
