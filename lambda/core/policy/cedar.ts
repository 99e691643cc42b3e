/** The one place that touches Cedar's WASM API: loading, messages, authorization calls. */
import { setFlagsFromString } from 'node:v8';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { BridgeError } from '../errors';

/*
 * V8 aborts the whole process ("unreachable code" in Deoptimizer::DoComputeBuiltinContinuation;
 * reproduced on Node 20.20.2) when optimized code that inlined a JS-to-Wasm call is deoptimized
 * while that call runs. Cedar's bindings make that likely in a hot loop: the Wasm side calls back
 * into JS (JSON.stringify/parse), and a GC there can invalidate the caller's optimized code. Calls
 * into Wasm are therefore not inlined; the flag exists in every V8 Node ships, and costs nothing
 * measurable here (bench/policy.ts).
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export { cedar };

/** Cedar's own message, with its help text and a file:line location when known. */
export function formatCedarError(e: cedar.DetailedError, file?: string, text?: string, offset = 0): string {
  const start = e.sourceLocations?.[0]?.start;
  const where = file ? (text !== undefined && start !== undefined ? `${file}:${lineOf(text, offset + start)}: ` : `${file}: `) : '';
  return `${where}${e.message}${e.help ? ` (${e.help})` : ''}`;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function invalidBundle(messages: string[]): BridgeError {
  return new BridgeError('VALIDATION_FAILED', `Policy bundle is invalid:\n  ${messages.join('\n  ')}`, { errors: messages });
}
