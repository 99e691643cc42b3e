export { actionHash } from './action-hash';
export {
  DECISION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  decisionClaimsSchema,
  type DecisionClaims,
  type DecisionTokenInput,
  type ExecutedAction,
} from './claims';
export type { JtiStore } from './jti-store';
export { signDecisionToken } from './sign';
export { DecisionTokenVerifier, type DecisionTokenVerifierOptions } from './verify';
