import { BridgeError, isBridgeError } from '../../core/errors';
import type { FieldAllowlist } from '../../core/query/identifiers';
import { backoffDelay, CircuitBreaker, type Clock, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, systemClock } from './resilience';
import type { CredentialsLoader, CrmCredentials } from './types';

export interface ConnectorOptions {
  /** API base URL (e.g. the PrivateLink endpoint); defaults to the secret's `instanceUrl`. */
  readonly baseUrl?: string;
  /** Loads the integration user's credentials (see secretsManagerCredentials). */
  readonly credentials: CredentialsLoader;
  readonly fetch?: typeof fetch;
  /** Overall budget of one connector call: token, attempts and backoff included (default 10 s). */
  readonly deadlineMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Share one breaker per CRM across connectors (read and write users hit the same CRM). */
  readonly breaker?: CircuitBreaker;
  /**
   * Extra allowlist of object fields. Field names are always syntax- and keyword-checked;
   * the policy layer passes its catalog here so that nothing outside it can be selected,
   * filtered or sorted on.
   */
  readonly allow?: FieldAllowlist;
  readonly clock?: Clock;
}

export interface CrmRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with `/`. */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly json?: unknown;
  /** Whether a 5xx or network failure may be retried (never for creates: the first may have landed). */
  readonly idempotent: boolean;
}

export interface CrmResponse {
  readonly status: number;
  readonly body: unknown;
}

type Outcome = { status: number; body: unknown; retryAfterMs?: number } | { status: 0; network: true };

/** Salesforce issues no expiry with client-credentials tokens; a 401 also triggers one refresh. */
const DEFAULT_TOKEN_TTL_MS = 15 * 60_000;
const TOKEN_EXPIRY_MARGIN_MS = 60_000;
const DEFAULT_DEADLINE_MS = 10_000;

const sameCredentials = (a: CrmCredentials, b: CrmCredentials): boolean =>
  a.clientId === b.clientId && a.clientSecret === b.clientSecret && a.refreshToken === b.refreshToken && a.tokenUrl === b.tokenUrl;

/** The CRM's own error code, when it is a plain identifier (never its message, which may quote data). */
function crmCode(body: unknown): string | undefined {
  const candidate = Array.isArray(body)
    ? (body[0] as { errorCode?: unknown } | undefined)?.errorCode
    : ((body as { category?: unknown; error?: unknown; errorCode?: unknown } | null)?.category ??
      (body as { error?: unknown } | null)?.error ??
      (body as { errorCode?: unknown } | null)?.errorCode);
  return typeof candidate === 'string' && /^[A-Za-z_]{1,64}$/.test(candidate) ? candidate : undefined;
}

/**
 * HTTP to one CRM: OAuth token cache, retries with backoff and jitter on 429/5xx (Retry-After
 * honoured) inside one deadline, the circuit breaker, and the mapping of failures to
 * BridgeErrors whose messages never carry the CRM's response body.
 */
export class CrmHttp {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly deadlineMs: number;
  readonly breaker: CircuitBreaker;

  constructor(
    private readonly crm: string,
    private readonly options: ConnectorOptions,
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.breaker = options.breaker ?? new CircuitBreaker();
  }

  /** A 2xx or 404 response; anything else becomes a BridgeError. */
  async send(req: CrmRequest): Promise<CrmResponse> {
    this.breaker.acquire();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.deadlineMs);
    try {
      const response = await this.attempts(req, controller.signal, this.clock.now() + this.deadlineMs);
      this.breaker.success();
      return response;
    } catch (e) {
      const error = controller.signal.aborted
        ? new BridgeError('CRM_TIMEOUT', `${this.crm} did not answer within ${this.deadlineMs} ms`)
        : e;
      if (isBridgeError(error) && ['CRM_TIMEOUT', 'CRM_UNAVAILABLE', 'CRM_RATE_LIMITED'].includes(error.code)) this.breaker.failure();
      else if (isBridgeError(error) && error.code === 'CRM_REJECTED') this.breaker.success();
      else this.breaker.release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async attempts(req: CrmRequest, signal: AbortSignal, deadline: number): Promise<CrmResponse> {
    let refreshed = false;
    let last: Outcome = { status: 0, network: true };
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      last = await this.once(req, signal);
      if (last.status === 401 && !refreshed) {
        // An expired or revoked session: fetch a new token once, without spending an attempt.
        this.token = undefined;
        refreshed = true;
        attempt--;
        continue;
      }
      if ((last.status >= 200 && last.status < 300) || last.status === 404) return last as CrmResponse;
      if (last.status !== 0 && last.status !== 429 && last.status < 500) throw this.rejected(last.status, (last as CrmResponse).body);
      if ((last.status !== 429 && !req.idempotent) || attempt === this.retry.maxAttempts) break;
      const delay = backoffDelay(this.retry, attempt, this.clock.random(), 'retryAfterMs' in last ? last.retryAfterMs : undefined);
      if (this.clock.now() + delay >= deadline) break;
      await this.clock.sleep(delay, signal);
    }
    throw this.failed(last);
  }

  private async once(req: CrmRequest, signal: AbortSignal): Promise<Outcome> {
    let credentials = await this.options.credentials();
    if (!this.token || this.token.expiresAt <= this.clock.now()) {
      let outcome: Outcome | undefined;
      try {
        outcome = await this.requestToken(credentials, signal);
      } catch (e) {
        // A refused credential may be one a rotation has just replaced: read the secret again, once.
        if (!isBridgeError(e) || e.code !== 'CRM_REJECTED') throw e;
        const current = await this.options.credentials({ fresh: true });
        if (sameCredentials(current, credentials)) throw e;
        credentials = current;
        outcome = await this.requestToken(credentials, signal);
      }
      if (outcome) return outcome;
    }
    const base = (this.options.baseUrl ?? credentials.instanceUrl).replace(/\/+$/, '');
    const url = new URL(base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token?.value}`, accept: 'application/json' };
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    return this.exchange(url.toString(), { method: req.method, headers, body: req.json === undefined ? undefined : JSON.stringify(req.json), signal });
  }

  /** Fetches and caches an access token; returns the failed outcome when the token endpoint failed retryably. */
  private async requestToken(c: CrmCredentials, signal: AbortSignal): Promise<Outcome | undefined> {
    const form = new URLSearchParams({ client_id: c.clientId, client_secret: c.clientSecret });
    if (c.refreshToken) {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', c.refreshToken);
    } else {
      form.set('grant_type', 'client_credentials');
    }
    const outcome = await this.exchange(c.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    if (!('body' in outcome) || outcome.status === 429 || outcome.status >= 500) return outcome;
    const body = outcome.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (outcome.status !== 200 || typeof body?.access_token !== 'string') {
      const code = crmCode(body);
      throw new BridgeError('CRM_REJECTED', `${this.crm} refused the integration user's credentials${code ? ` (${code})` : ''}`, {
        status: outcome.status,
        ...(code ? { crmCode: code } : {}),
      });
    }
    // The token response's instance_url is ignored: the network path is pinned by config, not by the CRM's answer.
    const ttl = typeof body.expires_in === 'number' ? body.expires_in * 1000 - TOKEN_EXPIRY_MARGIN_MS : DEFAULT_TOKEN_TTL_MS;
    this.token = { value: body.access_token, expiresAt: this.clock.now() + Math.max(0, ttl) };
    return undefined;
  }

  private async exchange(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Outcome> {
    let res: Response;
    try {
      res = await this.fetch(url, init);
    } catch (e) {
      if (init.signal.aborted) throw e;
      return { status: 0, network: true };
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (e.g. a proxy's HTML error page): kept as text, never surfaced to callers.
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.clock.now());
    return { status: res.status, body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  private rejected(status: number, body: unknown): BridgeError {
    const code = crmCode(body);
    return new BridgeError('CRM_REJECTED', `${this.crm} rejected the request (HTTP ${status}${code ? ` ${code}` : ''})`, {
      status,
      ...(code ? { crmCode: code } : {}),
    });
  }

  private failed(last: Outcome): BridgeError {
    if (last.status === 429) {
      const seconds = 'retryAfterMs' in last && last.retryAfterMs !== undefined ? Math.ceil(last.retryAfterMs / 1000) : undefined;
      return new BridgeError('CRM_RATE_LIMITED', `${this.crm} is rate-limiting the bridge${seconds !== undefined ? `; retry after ${seconds} s` : ''}`, {
        ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}),
      });
    }
    if (last.status === 0) return new BridgeError('CRM_UNAVAILABLE', `${this.crm} could not be reached`);
    return new BridgeError('CRM_UNAVAILABLE', `${this.crm} failed with HTTP ${last.status}`, { status: last.status });
  }
}
