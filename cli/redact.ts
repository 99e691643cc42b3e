/**
 * `bridge redact --jsonl`: stdin lines `{"text", "known_names"?}` → stdout lines
 * `{"text": <redacted>, "entities": [{"type","start","end"}]}` with offsets into the input.
 * One line out per line in, streaming; a bad line gets `{"error": ...}`, never a crash.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ENTITY_TYPES, Redactor, type EntityType } from '../lambda/core/redaction';
import type { RedactionAction } from '../lambda/core/types';

const HELP = `Usage: bridge redact --jsonl [--tokenize]

Reads JSON lines {"text": string, "known_names"?: string[]} on stdin and writes one line per
input line: {"text": redacted, "entities": [{"type", "start", "end"}]} (offsets into the input).
Each entity is replaced by [TYPE], or by a stable {TYPE_n} placeholder with --tokenize.
A malformed line yields {"error": {"code", "message"}} and processing continues.
`;

export function redactLine(redactor: Redactor, line: string): string {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'line is not valid JSON' } });
  }
  const obj = input as { text?: unknown; known_names?: unknown };
  if (typeof input !== 'object' || input === null || typeof obj.text !== 'string') {
    return JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'expected an object with a string "text"' } });
  }
  const known = obj.known_names;
  if (known !== undefined && (!Array.isArray(known) || !known.every((k) => typeof k === 'string'))) {
    return JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: '"known_names" must be an array of strings' } });
  }
  const { text, entities } = redactor.redactText(obj.text, (known as string[] | undefined) ?? []);
  return JSON.stringify({ text, entities: entities.map((e) => ({ type: e.type, start: e.start, end: e.end })) });
}

/** The redactor of one CLI run: every entity type `[TYPE]` (or a `{TYPE_n}` placeholder with `tokenize`). */
export function newCliRedactor(tokenize: boolean): Redactor {
  const action: RedactionAction = tokenize ? 'tokenize' : 'drop';
  const textPolicy = Object.fromEntries(ENTITY_TYPES.map((t) => [t, action])) as Record<EntityType, RedactionAction>;
  return new Redactor({ hmacKey: randomBytes(32), scope: `cli-${randomBytes(8).toString('hex')}`, textPolicy });
}

export async function redactStream(input: Readable, output: Writable, tokenize: boolean): Promise<number> {
  const redactor = newCliRedactor(tokenize);
  let lines = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const out = redactLine(redactor, line) + '\n';
    if (!output.write(out)) await new Promise((r) => output.once('drain', r));
    lines++;
  }
  return lines;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--jsonl' && a !== '--tokenize');
  if (!args.includes('--jsonl') || unknown.length > 0) {
    process.stderr.write(`bridge redact: ${unknown.length > 0 ? `unknown option ${unknown[0]}` : '--jsonl is required'}\n\n${HELP}`);
    return 2;
  }
  await redactStream(process.stdin, process.stdout, args.includes('--tokenize'));
  return 0;
}
