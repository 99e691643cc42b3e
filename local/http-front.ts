import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** Header that names the caller's IAM principal ARN — honoured only by this local front, never by API Gateway. */
export const LOCAL_PRINCIPAL_HEADER = 'x-bridge-principal';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface Route {
  readonly method: string;
  /** A path template with `{name}` segments, as in API Gateway resources. */
  readonly path: string;
  readonly handler: ProxyHandler;
}

/** Reads at most `limit` + 1 bytes so an oversized body reaches the handler's own size check without buffering it all. */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    if (size <= limit) chunks.push(buf.subarray(0, limit + 1 - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function match(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const name = /^\{(\w+)\}$/.exec(t[i])?.[1];
    if (name) params[name] = decodeURIComponent(p[i]);
    else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

/**
 * Turns local HTTP requests into API Gateway proxy events for the same handlers the Lambda
 * functions run. The caller identity comes from LOCAL_PRINCIPAL_HEADER, standing in for SigV4.
 */
export function startHttpFront(routes: readonly Route[], opts: { port?: number; maxBodyBytes: number }): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let params: Record<string, string> | undefined;
    const route = routes.find((r) => r.method === req.method && (params = match(r.path, url.pathname)));
    const send = (status: number, headers: Record<string, string | number | boolean>, body: string) => {
      res.writeHead(status, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
      res.end(body);
    };
    if (!route) {
      send(404, { 'content-type': 'application/json' }, JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } }));
      return;
    }
    const body = await readBody(req, opts.maxBodyBytes);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    const requestId = randomUUID();
    const event = {
      resource: route.path,
      path: url.pathname,
      httpMethod: req.method ?? 'GET',
      headers,
      multiValueHeaders: {},
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: null,
      pathParameters: params && Object.keys(params).length > 0 ? params : null,
      stageVariables: null,
      body: body === '' ? null : body,
      isBase64Encoded: false,
      requestContext: {
        requestId,
        httpMethod: req.method ?? 'GET',
        path: url.pathname,
        resourcePath: route.path,
        stage: 'local',
        identity: { userArn: headers[LOCAL_PRINCIPAL_HEADER] || null, caller: null, sourceIp: '127.0.0.1' },
      },
    } as unknown as APIGatewayProxyEvent;
    try {
      const result = await route.handler(event);
      send(result.statusCode, { ...(result.headers ?? {}), 'x-request-id': requestId }, result.body);
    } catch {
      send(500, { 'content-type': 'application/json' }, JSON.stringify({ error: { code: 'INTERNAL', message: 'handler failed', requestId } }));
    }
  });
  return new Promise((resolve) => {
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}
