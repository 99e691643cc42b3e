import type { z } from 'zod';
import { BridgeError } from './errors';

/** Validates input against a schema; failures become one VALIDATION_FAILED error listing every problem by path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = problems[0];
  throw new BridgeError('VALIDATION_FAILED', `${what} is invalid: ${first.path}: ${first.message}`, { problems });
}
