import { parseAuditEvent, type AuditEvent } from '../../lambda/core/audit/event';
import { LOCAL_PRINCIPAL_HEADER } from '../../local/http-front';
import type { LocalBridge } from '../../local/runtime';

export interface Reply {
  status: number;
  body: { error?: { code: string; message: string; details?: Record<string, unknown> }; [k: string]: unknown };
  requestId: string;
}

/** One HTTP call to the local runtime as `principal` (the local stand-in for a SigV4 caller). */
export async function call(
  bridge: LocalBridge,
  path: string,
  init: { body?: string | object; principal?: string; method?: string; contentType?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
  if (init.principal !== undefined) headers[LOCAL_PRINCIPAL_HEADER] = init.principal;
  const res = await fetch(bridge.url + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: typeof init.body === 'object' ? JSON.stringify(init.body) : init.body,
  });
  return { status: res.status, body: (await res.json()) as Reply['body'], requestId: res.headers.get('x-request-id') ?? '' };
}

/** Every audit event the local bucket holds for a request id, oldest first. */
export async function auditEvents(bridge: LocalBridge, requestId: string): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const o of bridge.auditStore.list('events/')) {
    const bytes = await bridge.auditStore.get(o.key, o.versionId);
    const parsed = parseAuditEvent(Buffer.from(bytes ?? new Uint8Array()).toString('utf8'));
    if (parsed.ok && parsed.event.requestId === requestId) out.push(parsed.event);
  }
  return out.sort((a, b) => a.time.localeCompare(b.time));
}

/** The one audit event of a synchronous call. */
export async function auditEvent(bridge: LocalBridge, requestId: string): Promise<AuditEvent> {
  const [event] = await auditEvents(bridge, requestId);
  if (!event) throw new Error(`no audit event for request ${requestId}`);
  return event;
}
