/**
 * A small typed client of the bridge's private API for agents that do not speak MCP (and the MCP server and the
 * CLI, which use it). Requests are validated with the API's own zod schemas before they leave, signed with SigV4
 * (`execute-api`) or, against the local runtime only, sent with the local principal header. Errors come back as
 * one typed `BridgeClientError`; POSTs are never retried, because a retried write or proposal could run twice.
 */
import { isIP } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  ApprovalDecisionSchema,
  ApprovalListQuerySchema,
  AuthorizeRequestSchema,
  ExecuteActionRequestSchema,
  ProposeRequestSchema,
  type ApprovalDecision,
  type AuthorizeRequest,
  type ExecuteActionRequest,
  type ProposeRequest,
} from '../lambda/core/approvals/schemas';
import type { ApiRoute } from '../lambda/core/constants';
import { isBridgeError, type ErrorCode } from '../lambda/core/errors';
import type { Obligations, Reason } from '../lambda/core/policy/types';
import { QueryRequestSchema, type QueryRequest } from '../lambda/core/query';
import type { RequestStatus } from '../lambda/core/requests';
import type { CrmObjectType } from '../lambda/core/types';
import type { UntrustedText } from '../lambda/core/untrusted';
import * as z from 'zod/mini';
import { parseOrThrow } from '../lambda/core/validation';
import { LOCAL_PRINCIPAL_HEADER } from '../local/http-front';

export type { ApprovalDecision, AuthorizeRequest, ExecuteActionRequest, ProposeRequest, QueryRequest };

type CredentialProvider = ReturnType<typeof fromNodeProviderChain>;
export type AwsCredentials = Awaited<ReturnType<CredentialProvider>>;

/** SigV4 with AWS credentials: what the deployed (private, `AWS_IAM`) API requires. */
export interface SigV4Auth {
  readonly mode: 'sigv4';
  /** @default inferred from an `*.execute-api.<region>.amazonaws.com` endpoint */
  readonly region?: string;
  /** @default `fromNodeProviderChain()` (environment, SSO, profile, web identity, container, instance metadata) */
  readonly credentials?: AwsCredentials | CredentialProvider;
  /**
   * The REST API id, sent as `x-apigw-api-id`: needed when the endpoint is the VPC endpoint's own DNS name
   * (`vpce-…execute-api.<region>.vpce.amazonaws.com`) rather than the API's private DNS name.
   * @default none
   */
  readonly apiId?: string;
}

/** The local runtime's stand-in for SigV4: the caller's role ARN in a plain header. */
export interface LocalAuth {
  readonly mode: 'local';
  /** A role ARN, e.g. LOCAL_PRINCIPALS.support of local/runtime.ts. */
  readonly principal: string;
  /**
   * Sends the unauthenticated principal header to a host that is not this machine. Anyone can forge that header,
   * so only a test runtime you control should ever honour it.
   * @default false
   */
  readonly acceptRemotePrincipalHeaderRisk?: boolean;
}

export interface BridgeClientOptions {
  /** The API's base URL including the stage, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/live`. */
  readonly endpoint: string;
  readonly auth: SigV4Auth | LocalAuth;
  /** Budget of one call, retries included. API Gateway gives up on an integration after 29 s. @default 30000 */
  readonly timeoutMs?: number;
  /** Retries of a GET after a network error, 429, 502, 503 or 504. POSTs are never retried. @default 2 */
  readonly getRetries?: number;
  /** The signing clock (tests pin it). @default () => new Date() */
  readonly clock?: () => Date;
}

/** Errors the client raises itself, before or instead of a bridge error body. */
export type ClientErrorCode =
  /** The options are unusable (bad endpoint, local mode towards a remote host, no region). */
  | 'CLIENT_CONFIG'
  /** No AWS credentials could be resolved. */
  | 'CLIENT_CREDENTIALS'
  /** The call ran out of time; for a POST the outcome is unknown. */
  | 'CLIENT_TIMEOUT'
  /** The caller's AbortSignal fired. */
  | 'CLIENT_ABORTED'
  /** The connection failed. */
  | 'CLIENT_NETWORK'
  /** API Gateway (IAM auth, resource policy, WAF, throttling) refused the call before the bridge saw it. */
  | 'GATEWAY_REJECTED'
  /** The response was not the JSON the contract promises. */
  | 'BAD_RESPONSE';

/**
 * One error type for every failure. `status` is the HTTP status, or 0 when no response came back (client-side
 * validation, configuration, credentials, network, timeout). Client-side validation uses the bridge's own
 * `VALIDATION_FAILED` code and `details.problems` shape, so callers handle both alike.
 */
export class BridgeClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'BridgeClientError';
  }
}

export const isBridgeClientError = (e: unknown): e is BridgeClientError => e instanceof BridgeClientError;

/** A record as the bridge returns it: provenance plus redacted fields; CRM free text as an untrusted envelope. */
export interface BridgeRecord {
  readonly object: CrmObjectType;
  readonly id: string;
  readonly fields: Record<string, string | number | boolean | null | UntrustedText>;
}

export interface QueryResult {
  readonly records: BridgeRecord[];
  readonly meta: {
    readonly requestId: string;
    readonly decisionId: string;
    readonly policyVersion: string;
    readonly redactions: Record<string, number>;
    readonly flags: { readonly injection: number; readonly outputGuard: Record<string, number> };
  };
}

/** A read or proposal that waits for a person (HTTP 202). */
export interface PendingRequest {
  readonly requestId: string;
  readonly status: 'approval_required';
  readonly decisionId?: string;
  readonly reasons?: Reason[];
}

export interface ProposeResult {
  readonly requestId: string;
  readonly status: RequestStatus;
}

export interface RequestState {
  readonly requestId: string;
  readonly status: RequestStatus;
  readonly object: CrmObjectType;
  readonly createdAt: string;
  readonly decisionId: string;
  /** An approved read's redacted result (returned once), or an executed write's outcome. */
  readonly result?: unknown;
}

export interface AuthorizeResult {
  readonly decision: 'allow' | 'deny' | 'approval_required';
  readonly reasons: Reason[];
  readonly obligations: Obligations;
  /** A single-use decision token bound to exactly this action, when policy allows it without a person. */
  readonly token?: string;
}

export interface ExecuteResult {
  readonly requestId: string;
  readonly result: unknown;
}

/** Approver routes: their bodies are the approver API's, passed through as JSON objects. */
export type JsonObject = Record<string, unknown>;

export interface CallOptions {
  /** Cancels the call (in addition to the client's timeout). */
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_GET_RETRIES = 2;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com$/;
const ROLE_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[\w+=,.@/-]+$/;

/** Path parameters: the bridge checks the exact format; the client only keeps them to one path segment. */
const PathIdSchema = z.string().check(z.minLength(1), z.maxLength(1024));

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** RFC 3986 encoding, as SigV4 canonicalizes query strings (URLSearchParams would send spaces as `+`). */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const configError = (message: string) => new BridgeClientError(0, 'CLIENT_CONFIG', message);

function validated<T>(schema: z.ZodMiniType, input: unknown, what: string): T {
  try {
    return parseOrThrow(schema, input, what) as T;
  } catch (e) {
    if (!isBridgeError(e)) throw e;
    throw new BridgeClientError(0, e.code, e.message, e.details);
  }
}

interface Endpoint {
  readonly url: URL;
  /** The base path (the stage), without a trailing slash. */
  readonly basePath: string;
}

function parseEndpoint(endpoint: string): Endpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw configError(`endpoint "${endpoint}" is not a URL; expected e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/live`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(`endpoint must be http(s), got ${url.protocol}`);
  if (url.search || url.hash || url.username || url.password) throw configError('endpoint must not carry a query, fragment or credentials');
  return { url, basePath: url.pathname.replace(/\/+$/, '') };
}

export class BridgeClient {
  /** What the client talks to and how, for logs (no secrets). */
  readonly target: { readonly endpoint: string; readonly mode: 'sigv4' | 'local'; readonly region?: string; readonly principal?: string };
  private readonly endpoint: Endpoint;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly clock: () => Date;
  private signer?: Promise<SignatureV4>;

  constructor(private readonly options: BridgeClientOptions) {
    this.endpoint = parseEndpoint(options.endpoint);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.getRetries = options.getRetries ?? DEFAULT_GET_RETRIES;
    this.clock = options.clock ?? (() => new Date());
    if (!(this.timeoutMs > 0)) throw configError('timeoutMs must be positive');
    if (!Number.isInteger(this.getRetries) || this.getRetries < 0) throw configError('getRetries must be a non-negative integer');
    const loopback = isLoopback(this.endpoint.url.hostname);
    const { auth } = options;
    if (auth.mode === 'local') {
      if (!loopback && auth.acceptRemotePrincipalHeaderRisk !== true) {
        throw configError(
          `local mode sends the caller's identity as a plain ${LOCAL_PRINCIPAL_HEADER} header that anyone can forge; only the local ` +
            `runtime on this machine honours it, so it is refused for ${this.endpoint.url.host}. Use SigV4 for a deployed bridge ` +
            '(or set acceptRemotePrincipalHeaderRisk for a test runtime you control).',
        );
      }
      if (!ROLE_ARN.test(auth.principal)) throw configError(`local principal "${auth.principal}" is not an IAM role ARN`);
      this.target = { endpoint: options.endpoint, mode: 'local', principal: auth.principal };
    } else {
      if (!loopback && this.endpoint.url.protocol !== 'https:') {
        throw configError('a remote endpoint must use https: redacted CRM data and signed requests must not cross the network in clear');
      }
      const region = auth.region ?? EXECUTE_API_HOST.exec(this.endpoint.url.hostname)?.[1];
      if (!region) throw configError(`cannot infer the AWS region from ${this.endpoint.url.hostname}; pass a region`);
      this.target = { endpoint: options.endpoint, mode: 'sigv4', region };
    }
  }

  /** `POST /v1/records/query`: redacted records (200), or a pending request when a person must approve (202). */
  async query(input: QueryRequest, opts?: CallOptions): Promise<QueryResult | PendingRequest> {
    const body = validated<QueryRequest>(QueryRequestSchema, input, 'query');
    return this.call<QueryResult | PendingRequest>('POST', '/v1/records/query', { body, ...opts });
  }

  /** `POST /v1/records/propose`: a create, update or refund of one record, for a person to approve (202). */
  async propose(input: ProposeRequest, opts?: CallOptions): Promise<ProposeResult> {
    const body = validated<ProposeRequest>(ProposeRequestSchema, input, 'proposal');
    return this.call<ProposeResult>('POST', '/v1/records/propose', { body, ...opts });
  }

  /** `GET /v1/requests/{id}`: one of the caller's own requests. */
  async getRequest(requestId: string, opts?: CallOptions): Promise<RequestState> {
    const id = validated<string>(PathIdSchema, requestId, 'request id');
    return this.call<RequestState>('GET', '/v1/requests/{id}', { id, ...opts });
  }

  /** `POST /v1/authorize`: policy's decision on an action, with a decision token when it may run now. */
  async authorize(input: AuthorizeRequest, opts?: CallOptions): Promise<AuthorizeResult> {
    const body = validated<AuthorizeRequest>(AuthorizeRequestSchema, input, 'authorization request');
    return this.call<AuthorizeResult>('POST', '/v1/authorize', { body, ...opts });
  }

  /** `POST /v1/actions/execute`: runs an action with the token issued for exactly it. */
  async executeAction(input: ExecuteActionRequest, opts?: CallOptions): Promise<ExecuteResult> {
    const body = validated<ExecuteActionRequest>(ExecuteActionRequestSchema, input, 'action');
    return this.call<ExecuteResult>('POST', '/v1/actions/execute', { body, ...opts });
  }

  /** `GET /v1/approvals` (approvers). */
  async listApprovals(input: z.input<typeof ApprovalListQuerySchema> = {}, opts?: CallOptions): Promise<JsonObject> {
    const q = validated<z.output<typeof ApprovalListQuerySchema>>(ApprovalListQuerySchema, input, 'approval list query');
    const query: Record<string, string> = { status: q.status };
    if (q.limit !== undefined) query.limit = String(q.limit);
    if (q.cursor !== undefined) query.cursor = q.cursor;
    return this.call<JsonObject>('GET', '/v1/approvals', { query, ...opts });
  }

  /** `GET /v1/approvals/{id}` (approvers): the redacted proposal and its diff. */
  async getApproval(requestId: string, opts?: CallOptions): Promise<JsonObject> {
    const id = validated<string>(PathIdSchema, requestId, 'request id');
    return this.call<JsonObject>('GET', '/v1/approvals/{id}', { id, ...opts });
  }

  /** `POST /v1/approvals/{id}/decision` (approvers). */
  async decide(requestId: string, decision: ApprovalDecision, opts?: CallOptions): Promise<JsonObject> {
    const id = validated<string>(PathIdSchema, requestId, 'request id');
    const body = validated<ApprovalDecision>(ApprovalDecisionSchema, decision, 'decision');
    return this.call<JsonObject>('POST', '/v1/approvals/{id}/decision', { id, body, ...opts });
  }

  /** One API call; the body's type is the route's contract (the bridge's own responses, not re-validated). */
  private async call<T>(
    method: ApiRoute['method'],
    route: ApiRoute['path'],
    req: { id?: string; body?: unknown; query?: Record<string, string>; signal?: AbortSignal },
  ): Promise<T> {
    let path: string;
    let queryString: string;
    try {
      path = this.endpoint.basePath + route.replace('{id}', () => rfc3986(req.id ?? ''));
      queryString = Object.entries(req.query ?? {})
        .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
        .join('&');
    } catch {
      // encodeURIComponent throws on lone surrogates, which no URL can carry.
      throw new BridgeClientError(0, 'VALIDATION_FAILED', 'a path or query value is not well-formed Unicode text');
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const attempts = method === 'GET' ? 1 + this.getRetries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.once(method, path, req.query ?? {}, queryString, body, signal)) as T;
      } catch (e) {
        const retryable = isBridgeClientError(e) && (e.code === 'CLIENT_NETWORK' || RETRYABLE_STATUS.has(e.status));
        if (!retryable || attempt >= attempts) throw this.interrupted(e, method, timeout, req.signal);
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()), signal).catch((err: unknown) => {
          throw this.interrupted(err, method, timeout, req.signal);
        });
      }
    }
  }

  /** Turns an abort into the matching typed error; a timed-out POST may have run, and the message says so. */
  private interrupted(e: unknown, method: string, timeout: AbortSignal, caller?: AbortSignal): unknown {
    if (caller?.aborted) return new BridgeClientError(0, 'CLIENT_ABORTED', 'the call was cancelled by the caller');
    if (timeout.aborted) {
      const outcome = method === 'POST' ? '; the bridge may still have processed it, so check before sending it again' : '';
      return new BridgeClientError(0, 'CLIENT_TIMEOUT', `no answer within ${this.timeoutMs} ms${outcome}`);
    }
    return e;
  }

  private async once(
    method: string,
    path: string,
    query: Record<string, string>,
    queryString: string,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const { url } = this.endpoint;
    let headers: Record<string, string> = { accept: 'application/json', host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { auth } = this.options;
    if (auth.mode === 'local') {
      headers[LOCAL_PRINCIPAL_HEADER] = auth.principal;
    } else {
      if (auth.apiId) headers['x-apigw-api-id'] = auth.apiId;
      const signer = await this.sigv4();
      const signed = await signer
        .sign({ method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, query, headers, body }, { signingDate: this.clock() })
        .catch((e: unknown) => {
          throw new BridgeClientError(0, 'CLIENT_CREDENTIALS', `could not sign the request: ${e instanceof Error ? e.message : String(e)}`);
        });
      headers = signed.headers;
    }
    // fetch sets Host from the URL itself (the same value that was signed).
    const { host: _host, ...sendHeaders } = headers;
    let res: Response;
    try {
      res = await fetch(`${url.origin}${path}${queryString ? `?${queryString}` : ''}`, { method, headers: sendHeaders, body, signal, redirect: 'manual' });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new BridgeClientError(0, 'CLIENT_NETWORK', `could not reach ${url.host}: ${causeOf(e)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      if (signal.aborted) throw e;
      throw new BridgeClientError(0, 'CLIENT_NETWORK', `the connection to ${url.host} broke while reading the answer: ${causeOf(e)}`);
    }
    const headerRequestId = res.headers.get('x-request-id') ?? res.headers.get('x-amzn-requestid') ?? undefined;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const obj = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
    if (res.status >= 200 && res.status < 300) {
      if (!obj) throw new BridgeClientError(res.status, 'BAD_RESPONSE', `expected a JSON object from ${method} ${path}`, undefined, headerRequestId);
      return obj;
    }
    const error = obj?.error as { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } | undefined;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
      const requestId = typeof error.requestId === 'string' ? error.requestId : headerRequestId;
      throw new BridgeClientError(res.status, error.code as ErrorCode, error.message, details, requestId);
    }
    if (res.status >= 300 && res.status < 400) {
      // Never follow: a redirect would carry the signed request or the identity header somewhere else.
      throw new BridgeClientError(res.status, 'BAD_RESPONSE', `refused to follow a redirect to ${res.headers.get('location') ?? '(none)'}`, undefined, headerRequestId);
    }
    // API Gateway's own refusals (IAM auth, resource policy, WAF, throttling) carry {message} or {Message}.
    const gatewayMessage = obj?.message ?? obj?.Message;
    const message = typeof gatewayMessage === 'string' ? gatewayMessage : text.slice(0, 200) || `HTTP ${res.status}`;
    throw new BridgeClientError(res.status, 'GATEWAY_REJECTED', message, undefined, headerRequestId);
  }

  private sigv4(): Promise<SignatureV4> {
    const auth = this.options.auth as SigV4Auth;
    this.signer ??= (async () => {
      // Loaded on first use: the provider chain pulls in SSO/STS clients that local mode never needs.
      const credentials = auth.credentials ?? (await import('@aws-sdk/credential-providers')).fromNodeProviderChain();
      return new SignatureV4({ service: 'execute-api', region: this.target.region as string, credentials, sha256: Sha256 });
    })();
    return this.signer;
  }
}

function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
