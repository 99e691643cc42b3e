/**
 * Object-key layout of the audit bucket (UTC throughout):
 *   events/YYYY/MM/DD/HH/<compact-iso-time>_<eventId>.json   one object per event
 *   digests/YYYY/MM/DD/<periodStart>_<periodEnd>.json         one signed digest per period
 * Hour prefixes let the digest job and queries list a time window without scanning the bucket;
 * the compact time (no ':') keeps keys URL-safe and sorts lexicographically by time.
 */
import { BridgeError } from '../errors';

export const EVENTS_PREFIX = 'events/';
export const DIGESTS_PREFIX = 'digests/';
export const DEFAULT_DIGEST_PERIOD_MINUTES = 15;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const p2 = (n: number) => String(n).padStart(2, '0');
const datePath = (d: Date) => `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}`;

/** 2024-01-02T13:05:01.123Z → 20240102T130501.123Z */
export const compactIso = (d: Date): string => d.toISOString().replace(/[-:]/g, '');

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/;
export function parseCompactIso(s: string): Date | null {
  const m = COMPACT.exec(s);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(d.getTime()) || compactIso(d) !== s ? null : d;
}

export function eventObjectKey(e: { time: string; eventId: string }): string {
  const t = new Date(e.time);
  return `${hourPrefix(t)}${compactIso(t)}_${e.eventId}.json`;
}

export const hourPrefix = (d: Date): string => `${EVENTS_PREFIX}${datePath(d)}/${p2(d.getUTCHours())}/`;

/** Event hour prefixes whose hours intersect [from, to). */
export function hourPrefixes(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; t < to.getTime(); t += HOUR_MS) {
    out.push(hourPrefix(new Date(t)));
  }
  return out;
}

/** Digest day prefixes whose days intersect [from, to). */
export function digestDayPrefixes(from: Date, to: Date): string[] {
  const day = 24 * HOUR_MS;
  const out: string[] = [];
  for (let t = Math.floor(from.getTime() / day) * day; t < to.getTime(); t += day) {
    out.push(`${DIGESTS_PREFIX}${datePath(new Date(t))}/`);
  }
  return out;
}

/** A period length must divide a day so that periods align to midnight UTC. */
export function assertPeriodMinutes(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || 1440 % minutes !== 0) {
    throw new BridgeError('VALIDATION_FAILED', `digest period must be a whole number of minutes dividing 1440, got ${minutes}`);
  }
}

/**
 * The period that starts at `start` and ends at the next multiple of the period length. After
 * a change of period length the first period is shorter, so the chain stays contiguous.
 */
export function periodAfter(start: Date, periodMinutes: number): { start: Date; end: Date } {
  assertPeriodMinutes(periodMinutes);
  const len = periodMinutes * MINUTE_MS;
  return { start, end: new Date(Math.floor(start.getTime() / len) * len + len) };
}

/** The aligned period containing `t`. */
export function periodContaining(t: Date, periodMinutes: number): { start: Date; end: Date } {
  assertPeriodMinutes(periodMinutes);
  const len = periodMinutes * MINUTE_MS;
  return periodAfter(new Date(Math.floor(t.getTime() / len) * len), periodMinutes);
}

export function digestObjectKey(periodStart: Date, periodMinutes: number = DEFAULT_DIGEST_PERIOD_MINUTES): string {
  const { end } = periodAfter(periodStart, periodMinutes);
  return digestKeyFor({ start: periodStart, end });
}

export const digestKeyFor = (period: { start: Date; end: Date }): string =>
  `${DIGESTS_PREFIX}${datePath(period.start)}/${compactIso(period.start)}_${compactIso(period.end)}.json`;

/** The period a digest key names, or null when the key is not of the layout. */
export function parseDigestKey(key: string): { start: Date; end: Date } | null {
  const m = /^digests\/\d{4}\/\d{2}\/\d{2}\/([0-9T.Z]+)_([0-9T.Z]+)\.json$/.exec(key);
  const start = m ? parseCompactIso(m[1]) : null;
  const end = m ? parseCompactIso(m[2]) : null;
  return start && end && digestKeyFor({ start, end }) === key ? { start, end } : null;
}
