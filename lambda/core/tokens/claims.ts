import * as z from 'zod/mini';
import { CRM_OBJECT_TYPES } from '../types';
import { POLICY_ACTIONS } from '../policy/types';
import '../validation';  // zod's English messages

/** Upper bound on any decision token's lifetime (DESIGN: exp ≤ 5 minutes). */
export const MAX_TOKEN_TTL_SECONDS = 300;
/** JWS `typ`: a decision token is not an access token and is not accepted as one. */
export const DECISION_TOKEN_TYP = 'decision+jwt';

const text = z.string().check(z.minLength(1), z.maxLength(512));

/** Every claim of a decision token; verification parses the payload with it. */
export const decisionClaimsSchema = z.strictObject({
  iss: text,
  aud: text,
  sub: text,
  iat: z.int(),
  nbf: z.int(),
  exp: z.int(),
  jti: text,
  act: z.enum(POLICY_ACTIONS),
  res: z.strictObject({ type: z.enum(CRM_OBJECT_TYPES), id: z.optional(text) }),
  ahash: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256')),
  pv: text,
  did: text,
  apr: z.optional(text),
  /** Write actions: the field names policy allowed; the executor refuses to write any other. */
  flds: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(80))).check(z.maxLength(200))),
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
