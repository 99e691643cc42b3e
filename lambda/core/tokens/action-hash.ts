import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { BridgeError } from '../errors';

/**
 * base64url SHA-256 of the RFC 8785 canonical JSON of the action parameters: key order
 * does not matter, any change of object, record, field or amount does.
 */
export function actionHash(params: unknown): string {
  let canonical: string | undefined;
  try {
    canonical = canonicalize(params);
  } catch (e) {
    throw new BridgeError('VALIDATION_FAILED', `Action parameters cannot be canonicalised: ${(e as Error).message}`);
  }
  if (canonical === undefined) throw new BridgeError('VALIDATION_FAILED', 'Action parameters cannot be canonicalised: not JSON data');
  return createHash('sha256').update(canonical).digest('base64url');
}
