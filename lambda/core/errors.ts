/**
 * Typed errors of the bridge. Every error that reaches a caller carries a stable `code`
 * and an HTTP status; handlers map them to responses in one place and never leak stacks.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_AGENT'
  | 'FORBIDDEN'
  | 'POLICY_DENIED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'BRIDGE_FROZEN'
  | 'BRIDGE_READ_ONLY'
  | 'TOKEN_INVALID'
  | 'TOKEN_REPLAYED'
  | 'CRM_RATE_LIMITED'
  | 'CRM_UNAVAILABLE'
  | 'CRM_TIMEOUT'
  | 'CRM_REJECTED'
  | 'AUDIT_UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_AGENT: 403,
  FORBIDDEN: 403,
  POLICY_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** Something that existed once and was handed out already (an approved read's result is fetched once). */
  GONE: 410,
  BRIDGE_FROZEN: 503,
  BRIDGE_READ_ONLY: 403,
  TOKEN_INVALID: 401,
  TOKEN_REPLAYED: 409,
  CRM_RATE_LIMITED: 503,
  CRM_UNAVAILABLE: 502,
  CRM_TIMEOUT: 504,
  CRM_REJECTED: 502,
  AUDIT_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class BridgeError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'BridgeError';
    this.status = STATUS[code];
  }

  /** The public body: code, message, details. Never a stack. */
  toBody(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const isBridgeError = (e: unknown): e is BridgeError => e instanceof BridgeError;
