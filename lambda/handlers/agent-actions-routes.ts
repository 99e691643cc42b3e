import type { ActionsService } from '../core/approvals/actions-service';
import { apiHandler, routesOf } from './api-router';

/** The routes the agent actions function serves (constants API_ROUTES, fn agentActions), as the local runtime mounts them. */
export const AGENT_ACTIONS_ROUTES = routesOf('agentActions');

/** Parse → service → response, with every typed error mapped in one place (api-router). */
export function agentActionsHandler(service: () => Promise<ActionsService>) {
  return apiHandler('agentActions', service, (svc, call) => ({
    'POST /v1/authorize': () => svc.authorize(call.ctx, call.body),
    'POST /v1/actions/execute': () => svc.executeAction(call.ctx, call.body),
  }));
}
