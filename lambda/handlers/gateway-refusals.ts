/**
 * Audits the calls API Gateway refused itself: a CloudWatch Logs subscription on the stage's access log delivers the
 * lines whose error response type is set; each becomes a `GatewayRefusal` audit event (denied, or error for the
 * gateway's 5xx answers). A failed audit write throws, so Lambda retries the batch and then keeps it in the
 * dead-letter queue; event ids derive from the request id, so a retried batch writes no refusal twice.
 */
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { withAuditMetrics } from '../adapters/metrics';
import type { AuditPort } from '../core/audited';
import { buildAuditEvent } from '../core/audit/event';
import { parseAccessLogLine, refusalEvent } from '../core/audit/gateway-refusals';
import { mapLimit } from '../core/audit/map-limit';
import { ENV } from '../core/constants';
import { PrincipalDirectory } from '../core/identity';
import { parseRuntimeConfig } from '../core/runtime-config';
import { auditStoreFromEnv } from './env';

/** Audit writes in flight per batch: S3 takes them in parallel; more would only queue in the SDK. */
const WRITE_CONCURRENCY = 8;

export interface GatewayRefusalResult {
  readonly refusals: number;
  /** Lines that are not in the stage's access log format: logged, never audited. */
  readonly unreadable: number;
}

export function makeGatewayRefusalHandler(deps: { readonly audit: AuditPort; readonly nameOf: (principalArn: string) => string | undefined }) {
  return async (event: CloudWatchLogsEvent): Promise<GatewayRefusalResult> => {
    const batch = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
    // CloudWatch Logs sends a CONTROL_MESSAGE when it checks that the destination is reachable.
    if (batch.messageType !== 'DATA_MESSAGE') return { refusals: 0, unreadable: 0 };
    const unreadable: string[] = [];
    const events = batch.logEvents.flatMap((logEvent) => {
      const line = parseAccessLogLine(logEvent.message);
      if (!line) {
        unreadable.push(logEvent.id);
        return [];
      }
      const input = refusalEvent(line, deps.nameOf, { logEventId: logEvent.id, timestamp: logEvent.timestamp });
      return input ? [buildAuditEvent(input)] : [];
    });
    if (unreadable.length > 0) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'access log lines not in the stage format', logGroup: batch.logGroup, logEventIds: unreadable }));
    }
    await mapLimit(events, WRITE_CONCURRENCY, (e) => deps.audit.write(e));
    return { refusals: events.length, unreadable: unreadable.length };
  };
}

let handle: ReturnType<typeof makeGatewayRefusalHandler> | undefined;

export const handler = (event: CloudWatchLogsEvent): Promise<GatewayRefusalResult> => {
  if (!handle) {
    const { agents, approvers } = parseRuntimeConfig(process.env[ENV.CONFIG_JSON]);
    // Two directories: a role may be configured as both an agent and an approver.
    const directories = [new PrincipalDirectory(agents), new PrincipalDirectory(approvers)];
    const nameOf = (arn: string) => directories.map((d) => d.resolve(arn)).find(Boolean);
    handle = makeGatewayRefusalHandler({ audit: withAuditMetrics(auditStoreFromEnv()), nameOf });
  }
  return handle(event);
};
