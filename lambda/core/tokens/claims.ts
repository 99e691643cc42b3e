import { z } from 'zod';
import { CRM_OBJECT_TYPES } from '../types';
import { POLICY_ACTIONS } from '../policy/types';

/** Upper bound on any decision token's lifetime (DESIGN: exp ≤ 5 minutes). */
export const MAX_TOKEN_TTL_SECONDS = 300;
/** JWS `typ`: a decision token is not an access token and is not accepted as one. */
export const DECISION_TOKEN_TYP = 'decision+jwt';

const text = z.string().min(1).max(512);

/** Every claim of a decision token; verification parses the payload with it. */
export const decisionClaimsSchema = z.strictObject({
  iss: text,
  aud: text,
  sub: text,
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  jti: text,
  act: z.enum(POLICY_ACTIONS),
  res: z.strictObject({ type: z.enum(CRM_OBJECT_TYPES), id: text.optional() }),
  ahash: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256'),
  pv: text,
  did: text,
  apr: text.optional(),
});

export type DecisionClaims = z.infer<typeof decisionClaimsSchema>;
/** What the issuer decides; the token adds iat, nbf, exp and jti. */
export type DecisionTokenInput = Omit<DecisionClaims, 'iat' | 'nbf' | 'exp' | 'jti'>;

/** The action the connector is about to execute, compared claim by claim. */
export interface ExecutedAction {
  act: DecisionClaims['act'];
  res: DecisionClaims['res'];
  params: unknown;
}
