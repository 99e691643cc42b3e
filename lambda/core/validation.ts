import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { BridgeError } from './errors';

/*
 * The Lambda code graph validates with `zod/mini` (tree-shakeable: a fraction of classic zod's bundle
 * weight). Unlike classic zod it registers no locale, so every message would read "Invalid input".
 * English is set here, and every schema module imports this one. A locale chosen elsewhere wins.
 * (Schema modules import `zod/mini` themselves: re-exporting its namespace would defeat tree shaking.)
 */
if (!z.config().localeError) z.config(en());

/**
 * Validates input against a schema (classic `zod` or `zod/mini`: both share zod's core); failures become one
 * VALIDATION_FAILED error listing every problem by path.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = problems[0];
  throw new BridgeError('VALIDATION_FAILED', `${what} is invalid: ${first.path}: ${first.message}`, { problems });
}
