import { randomUUID } from 'node:crypto';
import { BridgeError } from '../errors';
import type { Signer } from '../signer';
import { DECISION_TOKEN_TYP, decisionClaimsSchema, MAX_TOKEN_TTL_SECONDS, type DecisionClaims, type DecisionTokenInput } from './claims';

const b64u = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/**
 * Signs a decision token: JWS compact, ES256, `kid` = the signer's key id. The signer
 * returns raw r||s, which is exactly the JWS ES256 signature encoding.
 */
export async function signDecisionToken(
  signer: Signer,
  input: DecisionTokenInput,
  opts: { ttlSeconds: number; now?: Date },
): Promise<string> {
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 1 || opts.ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new BridgeError('VALIDATION_FAILED', `Decision token ttlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}, got ${opts.ttlSeconds}`);
  }
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: DecisionClaims = { ...input, iat, nbf: iat, exp: iat + opts.ttlSeconds, jti: randomUUID() };
  const checked = decisionClaimsSchema.safeParse(claims);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new BridgeError('VALIDATION_FAILED', `Decision token claims are invalid: ${issue.path.join('.')}: ${issue.message}`);
  }
  const signingInput = `${b64u(JSON.stringify({ alg: 'ES256', typ: DECISION_TOKEN_TYP, kid: signer.keyId }))}.${b64u(JSON.stringify(claims))}`;
  const signature = await signer.sign(Buffer.from(signingInput));
  if (signature.length !== 64) throw new BridgeError('INTERNAL', `Signer ${signer.keyId} returned ${signature.length} bytes, not a 64-byte P-256 r||s signature`);
  return `${signingInput}.${b64u(signature)}`;
}
