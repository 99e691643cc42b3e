import type { APIGatewayProxyEvent } from 'aws-lambda';
import { API_ROUTES } from '../../lambda/core/constants';
import { BridgeError } from '../../lambda/core/errors';
import { AGENT_ACTIONS_ROUTES } from '../../lambda/handlers/agent-actions-routes';
import { AGENT_ROUTES } from '../../lambda/handlers/agent-api-routes';
import { apiHandler } from '../../lambda/handlers/api-router';
import { APPROVER_ROUTES } from '../../lambda/handlers/approver-api-routes';

const event = (httpMethod: string, resource: string, over: Partial<APIGatewayProxyEvent> = {}) =>
  ({ httpMethod, resource, headers: {}, body: null, requestContext: { requestId: 'r-1', identity: { userArn: 'arn:aws:iam::123456789012:role/x' } }, ...over }) as unknown as APIGatewayProxyEvent;

describe('API routing', () => {
  it('mounts every row of API_ROUTES on exactly one function, and nothing else', () => {
    // Prepare
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    // Act
    const mounted = [...AGENT_ROUTES, ...AGENT_ACTIONS_ROUTES, ...APPROVER_ROUTES].map(key);
    // Assess
    expect(mounted.sort()).toEqual(API_ROUTES.map(key).sort());
    expect(new Set(mounted).size).toBe(mounted.length);
  });

  it('passes the caller, id, query and a lazily parsed body to the service, and maps its typed error to a response', async () => {
    // Prepare
    const seen: unknown[] = [];
    const handler = apiHandler('approverApi', async () => 'svc', (_svc, call) => ({
      'GET /v1/approvals': async () => ({ status: 200, body: { query: call.query } }),
      'GET /v1/approvals/{id}': async () => {
        seen.push(call.ctx, call.id);
        throw new BridgeError('NOT_FOUND', `no request ${call.id}`);
      },
      'POST /v1/approvals/{id}/decision': async () => ({ status: 200, body: call.body() }),
    }));
    // Act
    const listed = await handler(event('GET', '/v1/approvals', { queryStringParameters: { status: 'approved' } }));
    const missing = await handler(event('GET', '/v1/approvals/{id}', { pathParameters: { id: 'req-9' } }));
    const malformed = await handler(event('POST', '/v1/approvals/{id}/decision', { body: '{', headers: { 'content-type': 'application/json' } }));
    // Assess
    expect(JSON.parse(listed.body)).toEqual({ query: { status: 'approved' } });
    expect(seen).toEqual([{ callerArn: 'arn:aws:iam::123456789012:role/x', requestId: 'r-1' }, 'req-9']);
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'no request req-9', requestId: 'r-1' } });
    expect(malformed.statusCode).toBe(400);
  });

  it('answers 500 without detail when a service fails unexpectedly', async () => {
    // Prepare
    const handler = apiHandler('agentActions', async () => 'svc', () => ({
      'POST /v1/authorize': async () => {
        throw new TypeError('secret internals');
      },
      'POST /v1/actions/execute': async () => ({ status: 200, body: {} }),
    }));
    // Act
    const response = await handler(event('POST', '/v1/authorize'));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internals');
  });
});
