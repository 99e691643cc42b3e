export { sanitize, sanitizeDetailed } from './sanitize';
export type { SanitizeDetail } from './sanitize';
export { scoreInjection, analyseInjection, FLAG_THRESHOLD } from './score';
export type { InjectionScore, Analysis, Finding } from './score';
export { handleUntrusted, UNTRUSTED_ACTIONS } from './handle';
export type { UntrustedAction, UntrustedText } from './handle';
export { REASONS } from './rules';
export type { InjectionReason } from './rules';
