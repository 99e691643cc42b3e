import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../core/constants';
import { BridgeError, isBridgeError } from '../core/errors';

// API Gateway's own limit is 10 MB; the web ACL enforces this one too.
export { MAX_BODY_BYTES };

const HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: HEADERS, body: JSON.stringify(body) };
}

/** The one place typed errors become responses: stable code and message, never a stack. */
export function errorResponse(err: unknown, requestId: string): APIGatewayProxyResult {
  const error = isBridgeError(err) ? err : new BridgeError('INTERNAL', 'The bridge could not complete the request.');
  const body = error.toBody();
  return json(error.status, { error: { ...body.error, requestId } });
}

/** Parses a JSON body within the size limit; anything else is a 4xx, never a 500. */
export function parseJsonBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers'>): unknown {
  const contentType = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new BridgeError('UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got '${contentType.slice(0, 100)}'`);
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new BridgeError('BODY_TOO_LARGE', `request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`, { limit: MAX_BODY_BYTES });
  }
  if (text.trim() === '') throw new BridgeError('VALIDATION_FAILED', 'request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new BridgeError('VALIDATION_FAILED', 'request body is not valid JSON');
  }
}
