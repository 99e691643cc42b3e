import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { AgentService, CallContext } from '../core/agent-service';
import { BridgeError } from '../core/errors';
import { errorResponse, json, parseJsonBody } from './http';

/** The agent routes, as API Gateway resources. The stack and the local runtime both read this list. */
export const AGENT_ROUTES = [
  { method: 'POST', path: '/v1/records/query' },
  { method: 'GET', path: '/v1/requests/{id}' },
] as const;

/** Parse → service → response, with every typed error mapped in one place. */
export function agentApiHandler(service: () => Promise<AgentService>) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const ctx: CallContext = { callerArn: event.requestContext.identity?.userArn ?? undefined, requestId: event.requestContext.requestId };
    try {
      const svc = await service();
      const route = `${event.httpMethod} ${event.resource}`;
      let result;
      switch (route) {
        case 'POST /v1/records/query':
          // The body is parsed inside the service's audited scope, so a malformed one is audited too.
          result = await svc.query(ctx, () => parseJsonBody(event));
          break;
        case 'GET /v1/requests/{id}':
          result = await svc.getRequest(ctx, event.pathParameters?.id);
          break;
        default:
          throw new BridgeError('NOT_FOUND', `no route ${route}`);
      }
      return json(result.status, result.body);
    } catch (e) {
      return errorResponse(e, ctx.requestId);
    }
  };
}
