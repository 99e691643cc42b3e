import { BridgeError } from '../../core/errors';
import type { CredentialRotator, SecretCodec } from '../../core/rotation/ports';
import type { CrmKind } from '../../core/types';
import { CrmHttp, type CrmRequest } from './http';
import type { Clock, RetryPolicy } from './resilience';
import { SALESFORCE_API_VERSION } from './salesforce';
import { parseCrmCredentials } from './secrets';
import type { CrmCredentials } from './types';

export interface OAuthRotatorOptions {
  readonly kind: CrmKind;
  /** API base URL pinned by config (e.g. the PrivateLink endpoint); defaults to each credential's `instanceUrl`. */
  readonly baseUrl?: string;
  /**
   * Salesforce only: the credentials administrator (a separate app whose Run-As user may manage
   * External Client App OAuth credentials). The integration users never hold that permission.
   */
  readonly admin?: () => Promise<CrmCredentials>;
  readonly fetch?: typeof fetch;
  /** Budget of one CRM call (default 10 s). */
  readonly deadlineMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: Clock;
}

const CREDENTIALS_API = `/services/data/${SALESFORCE_API_VERSION}/apps/oauth/credentials`;
const LABEL: Record<CrmKind, string> = { salesforce: 'Salesforce', hubspot: 'HubSpot' };
/** The cheapest read each API offers: it proves the credential reaches data, not only the token endpoint. */
const PROBE: Record<CrmKind, CrmRequest> = {
  salesforce: { method: 'GET', path: `/services/data/${SALESFORCE_API_VERSION}/limits`, idempotent: true },
  hubspot: { method: 'GET', path: '/crm/v3/objects/contacts', query: { limit: '1' }, idempotent: true },
};
const DEFAULT_DEADLINE_MS = 10_000;

/** CRM credentials as the JSON a Secrets Manager secret holds. */
export const crmCredentialsCodec: SecretCodec<CrmCredentials> = { parse: parseCrmCredentials, format: (c) => JSON.stringify(c) };

/**
 * The CRM side of rotation, per CRM as each offers it:
 * - Salesforce: staged consumer credentials. The admin stages a second consumer key and
 *   secret for the integration user's app (both sets work), and deletes the old consumer once
 *   the new one is current.
 * - HubSpot: refresh tokens. A refresh-token exchange yields a new refresh token while the old
 *   stays valid until it is revoked with `DELETE /oauth/v1/refresh-tokens/{token}`.
 */
export class OAuthCredentialRotator implements CredentialRotator<CrmCredentials> {
  private readonly label: string;
  private readonly fetch: typeof fetch;
  private readonly deadlineMs: number;
  private readonly admin: CrmHttp | undefined;

  constructor(private readonly options: OAuthRotatorOptions) {
    this.label = LABEL[options.kind];
    this.fetch = options.fetch ?? globalThis.fetch;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.admin = options.admin && this.http(options.admin);
  }

  async issue(current: CrmCredentials): Promise<CrmCredentials> {
    if (this.options.kind === 'salesforce') {
      const res = await this.requireAdmin().send({ method: 'POST', path: `${CREDENTIALS_API}/${encodeURIComponent(current.clientId)}/staged`, idempotent: false });
      const body = res.body as { consumerKey?: unknown; consumerSecret?: unknown } | undefined;
      if (res.status !== 201 || typeof body?.consumerKey !== 'string' || typeof body.consumerSecret !== 'string' || !body.consumerKey || !body.consumerSecret) {
        throw new BridgeError('CRM_UNAVAILABLE', `Salesforce returned a malformed staged credential (HTTP ${res.status})`);
      }
      return { ...current, clientId: body.consumerKey, clientSecret: body.consumerSecret };
    }
    if (!current.refreshToken) {
      throw new BridgeError('VALIDATION_FAILED', 'HubSpot credentials rotate through their refresh token, and the current secret holds none');
    }
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: current.clientId, client_secret: current.clientSecret, refresh_token: current.refreshToken });
    const { status, body } = await this.call(current.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
    const next = (body as { refresh_token?: unknown } | undefined)?.refresh_token;
    if (status !== 200) throw this.refused(status, body, 'refused the refresh-token exchange');
    if (typeof next !== 'string' || next.length === 0 || next === current.refreshToken) {
      throw new BridgeError('CRM_REJECTED', 'HubSpot answered the refresh-token exchange without a new refresh token: nothing to rotate');
    }
    return { ...current, refreshToken: next };
  }

  async verify(candidate: CrmCredentials): Promise<void> {
    // A fresh client: no token cached from another credential can make the probe pass.
    const res = await this.http(async () => candidate).send(PROBE[this.options.kind]);
    if (res.status !== 200) throw new BridgeError('CRM_REJECTED', `${this.label} refused the probe read with the pending credential (HTTP ${res.status})`, { status: res.status });
  }

  async revoke(previous: CrmCredentials, current: CrmCredentials): Promise<void> {
    if (this.options.kind === 'salesforce') {
      if (previous.clientId === current.clientId) return;
      // A 404 (already deleted) is returned, not thrown, by CrmHttp: deleting is idempotent.
      await this.requireAdmin().send({ method: 'DELETE', path: `${CREDENTIALS_API}/${encodeURIComponent(previous.clientId)}`, idempotent: true });
      return;
    }
    if (!previous.refreshToken || previous.refreshToken === current.refreshToken) return;
    const url = previous.tokenUrl.replace(/\/token\/?$/, `/refresh-tokens/${encodeURIComponent(previous.refreshToken)}`);
    const { status, body } = await this.call(url, { method: 'DELETE', headers: { accept: 'application/json' } });
    if (status !== 204 && status !== 200 && status !== 404) throw this.refused(status, body, 'refused to revoke the previous refresh token');
  }

  private http(credentials: () => Promise<CrmCredentials>): CrmHttp {
    const { baseUrl, fetch, retry, clock } = this.options;
    return new CrmHttp(this.label, { credentials, baseUrl, fetch, retry, clock, deadlineMs: this.deadlineMs });
  }

  private requireAdmin(): CrmHttp {
    if (!this.admin) throw new BridgeError('VALIDATION_FAILED', 'Salesforce rotation needs the credentials administrator secret, and none is configured');
    return this.admin;
  }

  /** One OAuth endpoint call, not retried: a second exchange would issue a second token. */
  private async call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.deadlineMs) });
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') throw new BridgeError('CRM_TIMEOUT', `${this.label} did not answer within ${this.deadlineMs} ms`);
      throw new BridgeError('CRM_UNAVAILABLE', `${this.label} could not be reached`);
    }
    const text = await res.text();
    try {
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: res.status, body: undefined };
    }
  }

  private refused(status: number, body: unknown, what: string): BridgeError {
    if (status === 429 || status >= 500) return new BridgeError('CRM_UNAVAILABLE', `${this.label} failed with HTTP ${status}`, { status });
    // Only an identifier-like OAuth error code is echoed, never a description that could quote data.
    const code = (body as { error?: unknown; category?: unknown } | undefined)?.error ?? (body as { category?: unknown } | undefined)?.category;
    const safe = typeof code === 'string' && /^[A-Za-z_]{1,64}$/.test(code) ? code : undefined;
    return new BridgeError('CRM_REJECTED', `${this.label} ${what} (HTTP ${status}${safe ? ` ${safe}` : ''})`, { status, ...(safe ? { crmCode: safe } : {}) });
  }
}
