/**
 * The one routing and error-mapping path of the API functions: each function serves exactly its rows of
 * constants API_ROUTES (the table the stack and the local runtime read), parses nothing itself, and maps every
 * typed error to a response in one place (http.ts), never a stack.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { CallContext } from '../core/audited';
import { API_ROUTES, type ApiRoute, type FunctionRole } from '../core/constants';
import { BridgeError } from '../core/errors';
import { errorResponse, json, parseJsonBody } from './http';

/** What a service answers: a status and a JSON body. */
export interface ServiceResult {
  readonly status: number;
  readonly body: unknown;
}

/** One call as the services see it. The body is parsed lazily, inside the service's audited scope. */
export interface ApiCall {
  readonly ctx: CallContext;
  /** Parses the JSON body (typed 4xx on a bad one). */
  readonly body: () => unknown;
  /** The `{id}` path parameter, when the route has one. */
  readonly id: string | undefined;
  readonly query: Readonly<Record<string, string>>;
}

type RoutesOf<F extends FunctionRole> = Extract<ApiRoute, { fn: F }>;
/** `METHOD /path` of every route a function serves. */
export type RouteKey<F extends FunctionRole> = RoutesOf<F> extends infer R ? (R extends ApiRoute ? `${R['method']} ${R['path']}` : never) : never;

/** The routes a function serves, as the local runtime mounts them. */
export const routesOf = <F extends FunctionRole>(fn: F) =>
  API_ROUTES.filter((r) => r.fn === fn).map(({ method, path }) => ({ method, path })) as Pick<RoutesOf<F>, 'method' | 'path'>[];

/**
 * A Lambda proxy handler serving the routes of `fn`. `impl` must name every one of them (the type says so);
 * any other method/resource answers NOT_FOUND.
 */
export function apiHandler<F extends FunctionRole, S>(
  fn: F,
  service: () => Promise<S>,
  impl: (svc: S, call: ApiCall) => Record<RouteKey<F>, () => Promise<ServiceResult>>,
) {
  const served = new Set<string>(routesOf(fn).map((r) => `${r.method} ${r.path}`));
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const ctx: CallContext = { callerArn: event.requestContext.identity?.userArn ?? undefined, requestId: event.requestContext.requestId };
    try {
      const svc = await service();
      const route = `${event.httpMethod} ${event.resource}`;
      if (!served.has(route)) throw new BridgeError('NOT_FOUND', `no route ${route}`);
      const call: ApiCall = {
        ctx,
        body: () => parseJsonBody(event),
        id: event.pathParameters?.id,
        query: Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
      };
      const result = await impl(svc, call)[route as RouteKey<F>]();
      return json(result.status, result.body);
    } catch (e) {
      return errorResponse(e, ctx.requestId);
    }
  };
}
