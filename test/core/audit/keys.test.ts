import fc from 'fast-check';
import {
  digestKeyFor,
  digestObjectKey,
  eventObjectKey,
  hourPrefixes,
  parseDigestKey,
  periodAfter,
  periodContaining,
} from '../../../lambda/core/audit/keys';
import { BridgeError } from '../../../lambda/core/errors';

const anyTime = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });
const periods = fc.constantFrom(1, 5, 15, 30, 60, 120, 1440);

describe('audit key layout', () => {
  it('puts an event under its UTC hour with a sortable compact time', () => {
    // Prepare
    const e = { time: '2025-12-31T23:59:58.123Z', eventId: '5f3c0e3e-0d7b-4d8e-9f0a-1b2c3d4e5f60' };

    // Act
    const key = eventObjectKey(e);

    // Assess
    expect(key).toBe('events/2025/12/31/23/20251231T235958.123Z_5f3c0e3e-0d7b-4d8e-9f0a-1b2c3d4e5f60.json');
  });

  it('names a digest by its period and parses back to it', () => {
    fc.assert(
      fc.property(anyTime, periods, (t, minutes) => {
        // Prepare
        const period = periodContaining(t, minutes);

        // Act
        const key = digestObjectKey(period.start, minutes);

        // Assess
        expect(key).toBe(digestKeyFor(period));
        expect(parseDigestKey(key)).toEqual(period);
      }),
    );
  });

  it('chains periods without gaps, each containing its start and ending on a boundary', () => {
    fc.assert(
      fc.property(anyTime, periods, (t, minutes) => {
        // Prepare
        const p = periodContaining(t, minutes);

        // Act
        const next = periodAfter(p.end, minutes);

        // Assess
        expect(p.start.getTime()).toBeLessThanOrEqual(t.getTime());
        expect(p.end.getTime()).toBeGreaterThan(t.getTime());
        expect(next.start).toEqual(p.end);
        expect(next.end.getTime() - next.start.getTime()).toBe(minutes * 60_000);
      }),
    );
  });

  it('lists every hour prefix an event of the window can sit under', () => {
    fc.assert(
      fc.property(anyTime, fc.integer({ min: 1, max: 72 * 3_600_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (from, len, f) => {
        // Prepare
        const to = new Date(from.getTime() + len);
        const inside = new Date(from.getTime() + Math.floor(f * (len - 1)));

        // Act
        const prefixes = hourPrefixes(from, to);

        // Assess
        expect(prefixes).toContain(eventObjectKey({ time: inside.toISOString(), eventId: 'x' }).replace(/[^/]+$/, ''));
      }),
    );
  });

  it('rejects a period that does not divide a day', () => {
    // Act
    const act = () => periodAfter(new Date(0), 7);

    // Assess
    expect(act).toThrow(BridgeError);
    expect(act).toThrow('dividing 1440');
  });

  it('does not parse keys outside the digest layout', () => {
    // Act
    const parsed = ['digests/2025/01/01/x_y.json', 'digests/2025/01/02/20250101T000000.000Z_20250101T001500.000Z.json', 'events/a.json'].map(parseDigestKey);

    // Assess
    expect(parsed).toEqual([null, null, null]);
  });
});
