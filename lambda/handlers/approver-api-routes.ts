import type { ApproverService } from '../core/approvals/approver-service';
import { apiHandler, routesOf } from './api-router';

/** The routes the approver API function serves (constants API_ROUTES, fn approverApi), as the local runtime mounts them. */
export const APPROVER_ROUTES = routesOf('approverApi');

/** Parse → service → response, with every typed error mapped in one place (api-router). */
export function approverApiHandler(service: () => Promise<ApproverService>) {
  return apiHandler('approverApi', service, (svc, call) => ({
    'GET /v1/approvals': () => svc.list(call.ctx, call.query),
    'GET /v1/approvals/{id}': () => svc.get(call.ctx, call.id),
    'POST /v1/approvals/{id}/decision': () => svc.decide(call.ctx, call.id, call.body),
  }));
}
