import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { BridgeError } from '../errors';
import { actionHash } from './action-hash';
import { DECISION_TOKEN_TYP, decisionClaimsSchema, MAX_TOKEN_TTL_SECONDS, type DecisionClaims, type ExecutedAction } from './claims';
import type { JtiStore } from './jti-store';

export interface DecisionTokenVerifierOptions {
  /** Public keys (SPKI PEM) by kid, fetched once and cached by the caller: no KMS call per verify. */
  keys: Record<string, string>;
  issuer: string;
  audience: string;
  jtiStore: JtiStore;
  /** Accepted clock skew between issuer and verifier. @default 5 */
  clockToleranceSeconds?: number;
  /** Tokens whose exp - iat exceeds this are rejected even when validly signed. @default 300 */
  maxTtlSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

const invalid = (reason: string): BridgeError => new BridgeError('TOKEN_INVALID', `Decision token rejected: ${reason}`, { reason });

/** Checks a decision token against the action about to run, then burns its jti. */
export class DecisionTokenVerifier {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly tolerance: number;
  private readonly maxTtl: number;

  constructor(private readonly opts: DecisionTokenVerifierOptions) {
    this.keys = new Map(
      Object.entries(opts.keys).map(([kid, pem]) => {
        const key = createPublicKey(pem);
        if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
          throw new BridgeError('VALIDATION_FAILED', `Decision token key ${kid} is not a P-256 public key`);
        }
        return [kid, key];
      }),
    );
    this.tolerance = opts.clockToleranceSeconds ?? 5;
    this.maxTtl = Math.min(opts.maxTtlSeconds ?? MAX_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS);
  }

  /**
   * Resolves the claims when the token is valid for exactly `executed`, marking it used.
   * Throws TOKEN_INVALID (with a precise reason) or TOKEN_REPLAYED.
   */
  async verify(token: string, executed: ExecutedAction): Promise<DecisionClaims> {
    const key = this.keyFor(token);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['ES256'],
        typ: DECISION_TOKEN_TYP,
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.tolerance,
        maxTokenAge: this.maxTtl + this.tolerance,
        requiredClaims: ['iat', 'nbf', 'exp', 'jti', 'sub'],
        currentDate: this.opts.now?.(),
      }));
    } catch (e) {
      throw invalid(joseReason(e));
    }
    const parsed = decisionClaimsSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(`claim ${issue.path.join('.') || '(payload)'}: ${issue.message}`);
    }
    const claims = parsed.data;
    if (claims.exp - claims.iat > this.maxTtl) throw invalid(`lifetime ${claims.exp - claims.iat}s exceeds ${this.maxTtl}s`);
    if (claims.act !== executed.act) throw invalid(`issued for action ${claims.act}, not ${executed.act}`);
    if (claims.res.type !== executed.res.type || claims.res.id !== executed.res.id) {
      throw invalid(`issued for ${claims.res.type}/${claims.res.id ?? '*'}, not ${executed.res.type}/${executed.res.id ?? '*'}`);
    }
    if (claims.ahash !== actionHash(executed.params)) throw invalid('action parameters differ from the approved ones (ahash mismatch)');
    // Burn the jti last, so a token rejected for another reason is not consumed.
    if (!(await this.opts.jtiStore.markUsed(claims.jti, claims.exp))) {
      throw new BridgeError('TOKEN_REPLAYED', `Decision token ${claims.jti} was already used`, { jti: claims.jti });
    }
    return claims;
  }

  /** Header checks before any cryptography: only ES256, our typ, a known kid. */
  private keyFor(token: string): KeyObject {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalid('not a JWS compact serialization');
    }
    if (header.alg !== 'ES256') throw invalid(`alg ${JSON.stringify(header.alg)} is not allowed; only ES256`);
    if (header.kid === undefined) throw invalid('header has no kid');
    const key = this.keys.get(header.kid);
    if (!key) throw invalid(`unknown kid ${JSON.stringify(header.kid)}`);
    return key;
  }
}

function joseReason(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'expired';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return 'not yet valid';
    if (e.claim === 'iat') return `iat: ${e.message}`;
    return `wrong ${e.claim}: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
