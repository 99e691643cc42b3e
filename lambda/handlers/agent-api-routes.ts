import type { AgentService } from '../core/agent-service';
import { apiHandler, routesOf } from './api-router';

/** The routes the agent API function serves (constants API_ROUTES, fn agentApi), as the local runtime mounts them. */
export const AGENT_ROUTES = routesOf('agentApi');

/** Parse → service → response, with every typed error mapped in one place (api-router). */
export function agentApiHandler(service: () => Promise<AgentService>) {
  return apiHandler('agentApi', service, (svc, call) => ({
    // Bodies are parsed inside the service's audited scope, so a malformed one is audited too.
    'POST /v1/records/query': () => svc.query(call.ctx, call.body),
    'POST /v1/records/propose': () => svc.propose(call.ctx, call.body),
    'GET /v1/requests/{id}': () => svc.getRequest(call.ctx, call.id),
  }));
}
