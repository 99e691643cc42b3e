/**
 * `bridge scan --jsonl`: a streaming prompt-injection filter. Reads one JSON object
 * `{"text": ...}` per line on stdin and writes one line per input line on stdout:
 * `{"flagged", "score", "reasons"}`, or `{"error": {"code", "message"}, "line"}` for a bad line.
 */
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { BridgeError, isBridgeError } from '../lambda/core/errors';
import { scoreInjection } from '../lambda/core/untrusted';

const HELP = `Usage: bridge scan --jsonl < in.jsonl > out.jsonl

Scores free text for prompt injection, one JSON object per line.
  in:  {"text": "..."}
  out: {"flagged": true|false, "score": 0..1, "reasons": ["INSTRUCTION_OVERRIDE", ...]}
A line that is not a JSON object with a string "text" gets
  {"error": {"code": "VALIDATION_FAILED", "message": "..."}, "line": N}
and scanning continues. Exit code 0 when every line scanned, 1 when any line was bad,
2 on usage errors.

Options:
  --jsonl   read JSON lines from stdin (required)
  --help    show this help
`;

export function scanLine(line: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new BridgeError('VALIDATION_FAILED', 'Line is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { text?: unknown }).text !== 'string') {
    throw new BridgeError('VALIDATION_FAILED', 'Expected a JSON object with a string "text" field.');
  }
  const { flagged, score, reasons } = scoreInjection((parsed as { text: string }).text);
  return { flagged, score, reasons };
}

export async function main(
  args: string[],
  io: { stdin: Readable; stdout: Writable; stderr: Writable } = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(HELP);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--jsonl');
  if (!args.includes('--jsonl') || unknown.length > 0) {
    io.stderr.write(`bridge scan: ${unknown.length > 0 ? `unknown argument ${unknown[0]}` : '--jsonl is required'}\n\n${HELP}`);
    return 2;
  }
  let bad = 0;
  let n = 0;
  for await (const line of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
    n++;
    let out: Record<string, unknown>;
    try {
      out = scanLine(line);
    } catch (e) {
      if (!isBridgeError(e)) throw e;
      bad++;
      out = { ...e.toBody(), line: n };
    }
    // Respect back-pressure so a large input streams in bounded memory.
    if (!io.stdout.write(`${JSON.stringify(out)}\n`)) await new Promise((r) => io.stdout.once('drain', r));
  }
  return bad > 0 ? 1 : 0;
}
