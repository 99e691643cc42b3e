/**
 * A sandbox CRM on 127.0.0.1 speaking the subset of the Salesforce REST API (OAuth token,
 * SOQL query, sobjects) and HubSpot CRM v3 (OAuth token, search, objects) the connectors
 * use, on one server. OAuth clients are read or write integration users whose secrets can
 * be rotated (add a second secret, revoke the first). Credential rotation as the CRMs offer
 * it is served too: Salesforce staged consumer credentials (an admin user stages a second
 * key/secret for the same app, then deletes the old one) and HubSpot refresh tokens (each
 * refresh-token exchange issues a new one; `DELETE /oauth/v1/refresh-tokens/{token}` revokes).
 * Faults (429 with Retry-After, 500, slow responses) are switchable from the returned handle
 * or `POST /__sandbox/faults`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HUBSPOT_OBJECTS, HUBSPOT_SEARCH_LIMITS } from '../../lambda/core/query/hubspot';
import { CRM_OBJECT_TYPES, type CrmKind, type CrmObjectType, type Scalar } from '../../lambda/core/types';
import type { CrmCredentials } from '../../lambda/adapters/crm/types';
import { parseSoql, SoqlSyntaxError, type SoqlFilter } from './soql';
import { compareValues, HS_ALWAYS, matchesHubSpot, matchesSoql, SandboxStore, type HsFilter, type HsRow, type SfRow } from './store';

export const SALESFORCE_API = '/services/data/v60.0';
export const SANDBOX_LIMITS = { maxBodyBytes: 1_000_000, maxSlowMs: 60_000, maxSoqlLength: 100_000 } as const;

export type FaultMode = 'none' | '429' | '500' | 'slow';
export interface FaultOptions {
  /** Retry-After sent with 429 (seconds, default 1). */
  readonly retryAfterSeconds?: number;
  /** Delay of `slow` responses (default 2000 ms). */
  readonly delayMs?: number;
}
export interface FaultState extends Required<FaultOptions> {
  readonly mode: FaultMode;
  /** Requests still to be affected; null means until switched off. */
  readonly remaining: number | null;
}

/** `admin` may manage apps' OAuth credentials (Salesforce only) and nothing else. */
export type Access = 'read' | 'write' | 'admin';
export interface SandboxClient {
  readonly clientId: string;
  /** The app (connected app / integration user) this consumer key belongs to; staged consumers share it. */
  readonly app: string;
  readonly crm: CrmKind;
  readonly access: Access;
}

export interface SandboxCrm {
  readonly url: string;
  close(): Promise<void>;
  readonly faults: { set(mode: FaultMode, count?: number, options?: FaultOptions): void; get(): FaultState };
  readonly clients: {
    /** Registers an integration user; returns its id and first secret. */
    add(crm: CrmKind, access: Access, clientId?: string): { clientId: string; clientSecret: string };
    /** Adds another valid secret (rotation step 1: both old and new work). */
    addSecret(clientId: string, secret: string): void;
    /** Revokes a secret (rotation's last step); tokens already issued stay valid until they expire. */
    revokeSecret(clientId: string, secret: string): void;
    /** Invalidates every issued access token, as a session timeout would. */
    expireTokens(): void;
    /** Ready-to-store credentials of the default read or write user (or the Salesforce admin), with its newest consumer and secret. */
    credentials(crm: CrmKind, access: Access): CrmCredentials;
    /** The same, plus a refresh token, as the one-time authorization-code install of an app yields. */
    authorize(crm: CrmKind, access: Access): CrmCredentials;
    /** Whether a refresh token is still accepted. */
    refreshTokenValid(token: string): boolean;
  };
  /** Requests served, control endpoints excluded. */
  readonly stats: () => { requests: number };
  /** The records behind both APIs, for tests that check what a write did. */
  readonly store: SandboxStore;
}

export interface SandboxOptions {
  readonly port?: number;
  readonly seed?: number;
  readonly tokenTtlSeconds?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}
const sfError = (status: number, errorCode: string, message: string) => new HttpError(status, [{ message, errorCode }]);
const hsError = (status: number, category: string, message: string) =>
  new HttpError(status, { status: 'error', message, correlationId: randomBytes(8).toString('hex'), category });

interface Token {
  readonly clientId: string;
  readonly crm: CrmKind;
  readonly access: Access;
  readonly expiresAt: number;
}
interface ClientRecord extends SandboxClient {
  secrets: string[];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > SANDBOX_LIMITS.maxBodyBytes) throw new HttpError(413, { message: 'body too large' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(body: string, onError: () => HttpError): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body || '{}');
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the API's own error shape
  }
  throw onError();
}

const sfObject = (name: string): CrmObjectType => {
  const object = CRM_OBJECT_TYPES.find((o) => o === name);
  if (!object) throw sfError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return object;
};
const hsType = (type: string): CrmObjectType => {
  const object = (Object.keys(HUBSPOT_OBJECTS) as CrmObjectType[]).find((o) => HUBSPOT_OBJECTS[o] === type);
  if (!object) throw hsError(404, 'OBJECT_NOT_FOUND', `Unable to infer object type from: ${type}`);
  return object;
};
const scalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);

export async function startSandboxCrm(options: SandboxOptions = {}): Promise<SandboxCrm> {
  const store = new SandboxStore(options.seed ?? 1);
  const ttlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  const clients = new Map<string, ClientRecord>();
  const tokens = new Map<string, Token>();
  const refreshTokens = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let fault: FaultState = { mode: 'none', remaining: null, retryAfterSeconds: 1, delayMs: 2000 };
  let requests = 0;
  let url = '';

  const secret = () => randomBytes(24).toString('base64url');
  const addClient = (crm: CrmKind, access: Access, clientId = `sandbox-${crm}-${access}-${randomBytes(4).toString('hex')}`, app = clientId) => {
    if (clients.has(clientId)) throw new Error(`client ${clientId} exists`);
    const clientSecret = secret();
    clients.set(clientId, { clientId, app, crm, access, secrets: [clientSecret] });
    return { clientId, clientSecret };
  };
  /** Default app per `crm:access`; its newest consumer is what `credentials()` hands out. */
  const defaults = new Map<string, string>();
  for (const crm of ['salesforce', 'hubspot'] as const) {
    for (const access of crm === 'salesforce' ? (['read', 'write', 'admin'] as const) : (['read', 'write'] as const)) {
      defaults.set(`${crm}:${access}`, addClient(crm, access, `sandbox-${crm}-${access}`).clientId);
    }
  }
  const client = (clientId: string): ClientRecord => {
    const c = clients.get(clientId);
    if (!c) throw new Error(`unknown client ${clientId}`);
    return c;
  };
  const setFault = (mode: FaultMode, count?: number, opts: FaultOptions = {}) => {
    if (!['none', '429', '500', 'slow'].includes(mode)) throw new Error(`unknown fault mode ${String(mode)}`);
    fault = {
      mode,
      remaining: count === undefined ? null : Math.max(0, Math.floor(count)),
      retryAfterSeconds: Math.max(0, Math.floor(opts.retryAfterSeconds ?? 1)),
      delayMs: Math.min(SANDBOX_LIMITS.maxSlowMs, Math.max(0, opts.delayMs ?? 2000)),
    };
  };

  // ---- OAuth (both families) ----
  function issueToken(form: URLSearchParams, crm: CrmKind): Record<string, unknown> {
    const oauthError = (error: string, description: string) => new HttpError(400, { error, error_description: description });
    const grant = form.get('grant_type');
    const c = clients.get(form.get('client_id') ?? '');
    if (grant !== 'client_credentials' && grant !== 'refresh_token') throw oauthError('unsupported_grant_type', 'grant type not supported');
    if (!c || c.crm !== crm || !c.secrets.includes(form.get('client_secret') ?? '')) throw oauthError('invalid_client', 'invalid client credentials');
    if (grant === 'refresh_token' && refreshTokens.get(form.get('refresh_token') ?? '') !== c.app) throw oauthError('invalid_grant', 'expired access/refresh token');
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, { clientId: c.clientId, crm, access: c.access, expiresAt: Date.now() + ttlMs });
    if (crm === 'salesforce') {
      return { access_token: accessToken, instance_url: url, id: `${url}/id/${c.clientId}`, token_type: 'Bearer', issued_at: String(Date.now()), scope: 'api' };
    }
    const refresh = mintRefreshToken(c.app);
    return { token_type: 'bearer', access_token: accessToken, refresh_token: refresh, expires_in: ttlMs / 1000 };
  }

  function mintRefreshToken(app: string): string {
    const refresh = randomBytes(24).toString('base64url');
    refreshTokens.set(refresh, app);
    return refresh;
  }

  function authorize(req: IncomingMessage, crm: CrmKind, write: boolean): Token {
    const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const t = bearer ? tokens.get(bearer) : undefined;
    if (!t || t.crm !== crm || t.expiresAt < Date.now()) {
      throw crm === 'salesforce'
        ? sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid')
        : hsError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
    }
    if (t.access === 'admin' && crm === 'salesforce') throw sfError(403, 'INSUFFICIENT_ACCESS', 'the credentials administrator has no access to records');
    if (write && t.access !== 'write') {
      throw crm === 'salesforce'
        ? sfError(403, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')
        : hsError(403, 'MISSING_SCOPES', 'This app lacks the scopes needed to write records.');
    }
    return t;
  }

  /**
   * Salesforce staged consumer credentials, as an External Client App offers them: an admin
   * stages a second consumer key and secret for the same app (both sets then work) and later
   * deletes the old one. Deleting the last consumer of an app is refused.
   */
  async function sfCredentials(req: IncomingMessage, rest: string[]): Promise<[number, unknown]> {
    const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const t = bearer ? tokens.get(bearer) : undefined;
    if (!t || t.crm !== 'salesforce' || t.expiresAt < Date.now()) throw sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (t.access !== 'admin') throw sfError(403, 'INSUFFICIENT_ACCESS', 'managing OAuth credentials needs the credentials administrator');
    const target = clients.get(rest[4] ?? '');
    if (!target || target.crm !== 'salesforce' || target.access === 'admin') throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (rest.length === 6 && rest[5] === 'staged' && req.method === 'POST') {
      const staged = addClient('salesforce', target.access, `sandbox-salesforce-${target.access}-${randomBytes(4).toString('hex')}`, target.app);
      return [201, { consumerKey: staged.clientId, consumerSecret: staged.clientSecret, status: 'active' }];
    }
    if (rest.length === 5 && req.method === 'DELETE') {
      if (![...clients.values()].some((c) => c.app === target.app && c.clientId !== target.clientId)) {
        throw sfError(400, 'LAST_CONSUMER', 'an app keeps at least one consumer');
      }
      clients.delete(target.clientId);
      return [204, undefined];
    }
    throw sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed`);
  }

  // ---- Salesforce ----
  const sfResolve = (object: string, field: string): string => {
    const f = store.sfField(object, field);
    if (!f) throw sfError(400, 'INVALID_FIELD', `No such column '${field}' on entity '${object}'.`);
    return f;
  };
  const sfRecord = (object: string, row: SfRow, fields: string[]) => ({
    attributes: { type: object, url: `${SALESFORCE_API}/sobjects/${object}/${row.Id}` },
    ...Object.fromEntries(fields.map((f) => [f, row[f] ?? null])),
  });
  const sfFieldsOf = (f: SoqlFilter, out: string[] = []): string[] => {
    if ('not' in f) sfFieldsOf(f.not, out);
    else if ('and' in f) f.and.forEach((p) => sfFieldsOf(p, out));
    else if ('or' in f) f.or.forEach((p) => sfFieldsOf(p, out));
    else out.push(f.field);
    return out;
  };

  function sfQuery(soql: string): unknown {
    if (soql.length > SANDBOX_LIMITS.maxSoqlLength) throw sfError(400, 'MALFORMED_QUERY', 'query too long');
    let q;
    try {
      q = parseSoql(soql);
    } catch (e) {
      if (e instanceof SoqlSyntaxError) throw sfError(400, 'MALFORMED_QUERY', e.message);
      throw e;
    }
    const object = CRM_OBJECT_TYPES.find((o) => o.toLowerCase() === q.object.toLowerCase());
    if (!object || !store.salesforce.has(object)) throw sfError(400, 'INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
    const fields = q.fields.map((f) => sfResolve(object, f));
    if (q.where) for (const f of sfFieldsOf(q.where)) sfResolve(object, f);
    const order = q.orderBy.map((o) => ({ ...o, field: sfResolve(object, o.field) }));
    const value = (row: SfRow) => (f: string) => row[sfResolve(object, f)];
    let rows = store.rows(object).filter((r) => !q.where || matchesSoql(q.where, value(r)));
    rows = [...rows].sort((a, b) => {
      for (const o of order) {
        const [va, vb] = [a[o.field], b[o.field]];
        const na = va === null || va === undefined;
        const nb = vb === null || vb === undefined;
        if (na || nb) {
          if (na && nb) continue;
          return (na ? -1 : 1) * (o.nulls === 'first' ? 1 : -1);
        }
        const c = compareValues(va, vb) * (o.direction === 'desc' ? -1 : 1);
        if (c !== 0) return c;
      }
      return 0;
    });
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    return { totalSize: rows.length, done: true, records: rows.map((r) => sfRecord(object, r, fields)) };
  }

  function sfFields(object: CrmObjectType, body: Record<string, unknown>): Record<string, Scalar> {
    const out: Record<string, Scalar> = {};
    for (const [k, v] of Object.entries(body)) {
      const field = sfResolve(object, k);
      if (['Id', 'CreatedDate', 'LastModifiedDate'].includes(field)) throw sfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field}.`);
      if (!scalar(v)) throw sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize value of field ${field}`);
      out[field] = v;
    }
    return out;
  }

  async function salesforce(req: IncomingMessage, path: string, search: URLSearchParams): Promise<[number, unknown]> {
    if (path === '/services/oauth2/token' && req.method === 'POST') return [200, issueToken(new URLSearchParams(await readBody(req)), 'salesforce')];
    if (!path.startsWith(`${SALESFORCE_API}/`)) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const rest = path.slice(SALESFORCE_API.length).split('/').map(decodeURIComponent);
    if (rest[1] === 'apps' && rest[2] === 'oauth' && rest[3] === 'credentials') return sfCredentials(req, rest);
    const write = req.method === 'POST' || req.method === 'PATCH';
    authorize(req, 'salesforce', write);
    if (rest[1] === 'query' && rest.length === 2 && req.method === 'GET') return [200, sfQuery(search.get('q') ?? '')];
    if (rest[1] === 'limits' && rest.length === 2 && req.method === 'GET') {
      return [200, { DailyApiRequests: { Max: 100_000, Remaining: 100_000 - requests } }];
    }
    if (rest[1] !== 'sobjects' || rest.length < 3 || rest.length > 4) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const object = sfObject(rest[2]);
    if (rest.length === 3 && req.method === 'POST') {
      const body = json(await readBody(req), () => sfError(400, 'JSON_PARSER_ERROR', 'The request body is not a JSON object'));
      const row = store.createSalesforce(object, sfFields(object, body));
      for (const k of Object.keys(row)) store.sfFields.get(object)?.add(k);
      return [201, { id: row.Id, success: true, errors: [] }];
    }
    const row = rest.length === 4 ? store.rows(object).find((r) => r.Id === rest[3] || r.Id.slice(0, 15) === rest[3]) : undefined;
    if (!row) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (req.method === 'GET') {
      const wanted = search.get('fields');
      const fields = wanted ? wanted.split(',').map((f) => sfResolve(object, f.trim())) : [...(store.sfFields.get(object) ?? [])];
      return [200, sfRecord(object, row, fields)];
    }
    if (req.method === 'PATCH') {
      const body = json(await readBody(req), () => sfError(400, 'JSON_PARSER_ERROR', 'The request body is not a JSON object'));
      Object.assign(row, sfFields(object, body), { LastModifiedDate: new Date().toISOString() });
      return [204, undefined];
    }
    throw sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed`);
  }

  // ---- HubSpot ----
  const hsView = (type: string, row: HsRow, wanted: string[]) => {
    const known = store.hsProperties.get(type) ?? new Set<string>();
    const names = [...new Set([...wanted.filter((p) => known.has(p)), ...HS_ALWAYS])];
    return { id: row.id, properties: Object.fromEntries(names.map((p) => [p, row.properties[p] ?? null])), createdAt: row.createdAt, updatedAt: row.updatedAt, archived: false };
  };
  const DEFAULT_PROPS: Record<string, string[]> = { contacts: ['firstname', 'lastname', 'email'], companies: ['name', 'domain'], deals: ['dealname', 'amount', 'dealstage', 'closedate'] };

  function hsProperties(type: string, body: Record<string, unknown>): Record<string, string | null> {
    const props = body.properties;
    if (typeof props !== 'object' || props === null || Array.isArray(props)) throw hsError(400, 'VALIDATION_ERROR', 'properties must be an object');
    const known = store.hsProperties.get(type) ?? new Set<string>();
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(props)) {
      if (!known.has(k) || HS_ALWAYS.includes(k)) throw hsError(400, 'VALIDATION_ERROR', `Property values were not valid: ${k} does not exist or is read-only`);
      if (!scalar(v)) throw hsError(400, 'VALIDATION_ERROR', `Property values were not valid: ${k}`);
      out[k] = v === null ? null : String(v);
    }
    return out;
  }

  function hsSearch(type: string, body: Record<string, unknown>): unknown {
    const invalid = (m: string) => hsError(400, 'VALIDATION_ERROR', m);
    const known = store.hsProperties.get(type) ?? new Set<string>();
    const groups = (body.filterGroups ?? []) as { filters?: HsFilter[] }[];
    if (!Array.isArray(groups) || groups.length > HUBSPOT_SEARCH_LIMITS.maxFilterGroups) throw invalid(`at most ${HUBSPOT_SEARCH_LIMITS.maxFilterGroups} filterGroups`);
    let total = 0;
    for (const g of groups) {
      if (!Array.isArray(g?.filters) || g.filters.length > HUBSPOT_SEARCH_LIMITS.maxFiltersPerGroup) throw invalid(`at most ${HUBSPOT_SEARCH_LIMITS.maxFiltersPerGroup} filters per group`);
      total += g.filters.length;
      for (const f of g.filters) if (!known.has(f?.propertyName)) throw invalid(`There was a problem with the request: unknown property ${String(f?.propertyName)}`);
    }
    if (total > HUBSPOT_SEARCH_LIMITS.maxFilters) throw invalid(`at most ${HUBSPOT_SEARCH_LIMITS.maxFilters} filters in total`);
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalid('limit must be between 1 and 200');
    const sorts = (body.sorts ?? []) as { propertyName: string; direction?: string }[];
    if (!Array.isArray(sorts) || sorts.length > HUBSPOT_SEARCH_LIMITS.maxSorts) throw invalid('at most one sort');
    const after = Number(body.after ?? 0);
    let rows: HsRow[];
    try {
      rows = store.objects(type).filter((r) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matchesHubSpot(f, r.properties))));
    } catch (e) {
      throw invalid((e as Error).message);
    }
    for (const s of sorts) {
      const dir = s.direction === 'DESCENDING' ? -1 : 1;
      rows = [...rows].sort((a, b) => {
        const [va, vb] = [a.properties[s.propertyName], b.properties[s.propertyName]];
        if (va === null || va === undefined || vb === null || vb === undefined) return (va === null || va === undefined ? 1 : 0) - (vb === null || vb === undefined ? 1 : 0);
        return compareValues(va, vb) * dir;
      });
    }
    const page = rows.slice(after, after + limit);
    const wanted = Array.isArray(body.properties) && body.properties.length > 0 ? (body.properties as string[]) : (DEFAULT_PROPS[type] ?? []);
    return {
      total: rows.length,
      results: page.map((r) => hsView(type, r, wanted)),
      ...(after + limit < rows.length ? { paging: { next: { after: String(after + limit) } } } : {}),
    };
  }

  async function hubspot(req: IncomingMessage, path: string, search: URLSearchParams): Promise<[number, unknown]> {
    if (path === '/oauth/v1/token' && req.method === 'POST') return [200, issueToken(new URLSearchParams(await readBody(req)), 'hubspot')];
    const revoke = /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/.exec(path);
    if (revoke && req.method === 'DELETE') {
      if (!refreshTokens.delete(decodeURIComponent(revoke[1]))) throw hsError(404, 'NOT_FOUND', 'refresh token not found');
      return [204, undefined];
    }
    const m = /^\/crm\/v3\/objects\/([a-z_]+)(?:\/([^/]+))?$/.exec(path);
    if (!m) throw hsError(404, 'OBJECT_NOT_FOUND', 'resource not found');
    const [, type, idOrSearch] = m;
    const object = hsType(type);
    const write = (req.method === 'POST' && idOrSearch !== 'search') || req.method === 'PATCH';
    authorize(req, 'hubspot', write);
    const body = async () => json(await readBody(req), () => hsError(400, 'VALIDATION_ERROR', 'Invalid input JSON'));
    if (idOrSearch === 'search' && req.method === 'POST') return [200, hsSearch(type, await body())];
    if (idOrSearch === undefined && req.method === 'GET') {
      const limit = Number(search.get('limit') ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw hsError(400, 'VALIDATION_ERROR', 'limit must be between 1 and 100');
      const rows = store.objects(type);
      return [200, { results: rows.slice(0, limit).map((r) => hsView(type, r, DEFAULT_PROPS[type] ?? [])), ...(rows.length > limit ? { paging: { next: { after: String(limit) } } } : {}) }];
    }
    if (idOrSearch === undefined && req.method === 'POST') {
      const row = store.createHubSpot(type, object, hsProperties(type, await body()));
      return [201, hsView(type, row, Object.keys(row.properties))];
    }
    const row = store.objects(type).find((r) => r.id === idOrSearch);
    if (!row) throw hsError(404, 'OBJECT_NOT_FOUND', 'resource not found');
    if (req.method === 'GET') return [200, hsView(type, row, (search.get('properties') ?? DEFAULT_PROPS[type]?.join(',') ?? '').split(',').filter(Boolean))];
    if (req.method === 'PATCH') {
      const props = hsProperties(type, await body());
      Object.assign(row.properties, props);
      store.touch(row);
      return [200, hsView(type, row, Object.keys(props))];
    }
    throw hsError(405, 'METHOD_NOT_ALLOWED', `method ${req.method} not allowed`);
  }

  // ---- control ----
  async function control(req: IncomingMessage, path: string): Promise<[number, unknown]> {
    if (path === '/__sandbox/faults') {
      if (req.method === 'POST') {
        const b = json(await readBody(req), () => new HttpError(400, { message: 'expected a JSON object' }));
        try {
          setFault(b.mode as FaultMode, b.count as number | undefined, { retryAfterSeconds: b.retryAfterSeconds as number | undefined, delayMs: b.delayMs as number | undefined });
        } catch (e) {
          throw new HttpError(400, { message: (e as Error).message });
        }
      }
      return [200, fault];
    }
    const m = /^\/__sandbox\/clients\/([^/]+)\/secrets(\/revoke)?$/.exec(path);
    if (m && req.method === 'POST') {
      const b = json(await readBody(req), () => new HttpError(400, { message: 'expected a JSON object' }));
      const id = decodeURIComponent(m[1]);
      if (typeof b.secret !== 'string' || b.secret.length < 16) throw new HttpError(400, { message: 'secret must be a string of at least 16 characters' });
      if (!clients.has(id)) throw new HttpError(404, { message: 'no such client' });
      if (m[2]) handle.clients.revokeSecret(id, b.secret);
      else handle.clients.addSecret(id, b.secret);
      return [204, undefined];
    }
    throw new HttpError(404, { message: 'no such control endpoint' });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = parsed.pathname;
    let status: number;
    let body: unknown;
    try {
      if (path.startsWith('/__sandbox/')) {
        [status, body] = await control(req, path);
      } else {
        requests++;
        const f = fault;
        if (f.mode !== 'none' && f.remaining !== 0) {
          if (f.remaining !== null) fault = { ...f, remaining: f.remaining - 1 };
          if (f.mode === '429') throw Object.assign(new HttpError(429, { message: 'rate limit exceeded', errorCode: 'REQUEST_LIMIT_EXCEEDED' }), { retryAfter: f.retryAfterSeconds });
          if (f.mode === '500') throw new HttpError(500, { message: 'internal server error' });
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, f.delayMs);
            timers.add(t);
          });
        }
        const hubspotPath = path.startsWith('/crm/') || path.startsWith('/oauth/');
        [status, body] = await (hubspotPath ? hubspot : salesforce)(req, path, parsed.searchParams);
      }
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      status = e.status;
      body = e.body;
      const retryAfter = (e as HttpError & { retryAfter?: number }).retryAfter;
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    }
    if (res.destroyed) return;
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'sandbox error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const handle: SandboxCrm = {
    url,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    faults: { set: setFault, get: () => fault },
    clients: {
      add: addClient,
      addSecret(clientId, s) {
        const c = client(clientId);
        if (!c.secrets.includes(s)) c.secrets.push(s);
      },
      revokeSecret(clientId, s) {
        const c = client(clientId);
        c.secrets = c.secrets.filter((x) => x !== s);
      },
      expireTokens() {
        tokens.clear();
      },
      credentials(crm, access) {
        const app = defaults.get(`${crm}:${access}`);
        if (!app) throw new Error(`the sandbox has no ${crm} ${access} user`);
        const c = [...clients.values()].filter((x) => x.app === app).pop();
        const newest = c?.secrets[c.secrets.length - 1];
        if (!c || !newest) throw new Error(`app ${app} has no valid secret`);
        const tokenUrl = crm === 'salesforce' ? `${url}/services/oauth2/token` : `${url}/oauth/v1/token`;
        return { clientId: c.clientId, clientSecret: newest, tokenUrl, instanceUrl: url };
      },
      authorize(crm, access) {
        const c = handle.clients.credentials(crm, access);
        return { ...c, refreshToken: mintRefreshToken(client(c.clientId).app) };
      },
      refreshTokenValid: (token) => refreshTokens.has(token),
    },
    stats: () => ({ requests }),
    store,
  };
  return handle;
}
