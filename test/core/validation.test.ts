import fc from 'fast-check';
// Only zod/mini here, as in the Lambda bundles: classic zod would register its own English locale.
import * as z from 'zod/mini';
import { parseOrThrow } from '../../lambda/core/validation';
import { caught } from '../support/failure';

const Schema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  tags: z.array(z.string().check(z.maxLength(3))).check(z.maxLength(50)),
  count: z.optional(z.int()),
});

describe('parseOrThrow', () => {
  it('returns the parsed value for every valid input', () => {
    fc.assert(
      fc.property(fc.record({ name: fc.string({ minLength: 1 }), tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 50 }) }), (value) => {
        // Act
        const parsed = parseOrThrow(Schema, value, 'thing');
        // Assess
        expect(parsed).toEqual(value);
      }),
    );
  });

  it('turns any invalid input into one VALIDATION_FAILED error, never another kind of failure', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        fc.pre(!Schema.safeParse(value).success);
        // Act
        const error = caught(() => parseOrThrow(Schema, value, 'thing'));
        // Assess
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.status).toBe(400);
        expect(error.message).toMatch(/^thing is invalid: /);
        const problems = error.details?.problems as { path: string; message: string }[];
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.length).toBeLessThanOrEqual(20);
      }),
    );
  });

  it('names the first problem by its dotted path, and the root as (root)', () => {
    // Act
    const nested = caught(() => parseOrThrow(Schema, { name: 'x', tags: ['ok', 'toolong'] }, 'thing'));
    const root = caught(() => parseOrThrow(Schema, 42, 'thing'));
    // Assess
    expect(nested.message).toMatch(/^thing is invalid: tags\.1: /);
    expect(root.message).toMatch(/^thing is invalid: \(root\): /);
  });

  it('lists at most 20 problems however many there are', () => {
    // Prepare
    const manyBad = { name: 'x', tags: Array.from({ length: 40 }, () => 'way too long') };
    // Act
    const error = caught(() => parseOrThrow(Schema, manyBad, 'thing'));
    // Assess
    expect(error.details?.problems).toHaveLength(20);
  });

  it('words problems in English with zod/mini alone, which registers no locale of its own', () => {
    // Act
    const error = caught(() => parseOrThrow(Schema, { name: '', tags: [], count: 1.5 }, 'thing'));
    // Assess
    expect(error.details?.problems).toEqual([
      { path: 'name', message: 'Too small: expected string to have >=1 characters' },
      { path: 'count', message: 'Invalid input: expected int, received number' },
    ]);
  });
});
