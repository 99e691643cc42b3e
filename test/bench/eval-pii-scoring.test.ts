import { score, spansFromReplacement, type Sample } from '../../bench/pii-scoring';

describe('PII evaluation scoring', () => {
  it('scores per type by span overlap and counts altered PII-free samples', () => {
    // Prepare
    const samples: Sample[] = [
      { text: 'Ann at a@b.io', spans: [{ type: 'PERSON', start: 0, end: 3 }, { type: 'EMAIL_ADDRESS', start: 7, end: 13 }] },
      { text: 'nothing here', spans: [] },
    ];
    const detect = (t: string) => (t.startsWith('Ann') ? [{ type: 'EMAIL', start: 8, end: 10 }, { type: 'PERSON', start: 4, end: 6 }] : [{ type: 'PHONE', start: 0, end: 2 }]);
    // Act
    const { perType, piiFreeAltered } = score(samples, detect);
    // Assess
    expect(perType.EMAIL).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1 });
    expect(perType.PERSON).toMatchObject({ tp: 0, fp: 1, fn: 1, f1: 0 });
    expect(piiFreeAltered).toBe(1);
  });

  it('recovers peer spans from replaced text', () => {
    // Act
    const spans = spansFromReplacement('call 555-0100 or a@b.io now', 'call PHONE_NUMBER or EMAIL_ADDRESS now', /\b([A-Z][A-Z_]+[A-Z])\b/g, {
      PHONE_NUMBER: 'PHONE',
      EMAIL_ADDRESS: 'EMAIL',
    });
    // Assess
    expect(spans).toEqual([{ type: 'PHONE', start: 5, end: 13 }, { type: 'EMAIL', start: 17, end: 23 }]);
  });
});
