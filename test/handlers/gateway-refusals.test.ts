import { gzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { S3AuditStore } from '../../lambda/adapters/audit-store-s3';
import { parseAuditEvent, type AuditEvent } from '../../lambda/core/audit/event';
import { makeGatewayRefusalHandler } from '../../lambda/handlers/gateway-refusals';
import { type LocalS3, startLocalS3 } from '../adapters/audit-s3rver';

const AGENT_ROLE = 'arn:aws:sts::111122223333:assumed-role/support-agent/session-1';
const nameOf = (arn: string) => (arn === AGENT_ROLE ? 'support' : undefined);

/** What CloudWatch Logs hands a subscribed function: gzip, then base64, of the decoded batch. */
function delivery(messages: readonly string[], messageType: CloudWatchLogsDecodedData['messageType'] = 'DATA_MESSAGE'): CloudWatchLogsEvent {
  const batch: CloudWatchLogsDecodedData = {
    owner: '111122223333',
    logGroup: '/aws/apigateway/access',
    logStream: 'stream',
    subscriptionFilters: ['gateway-refusals'],
    messageType,
    logEvents: messages.map((message, i) => ({ id: `3746842387${i}`, timestamp: Date.parse('2026-11-21T10:00:00Z'), message })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(batch))).toString('base64') } };
}

const refused = (requestId: string, responseType: string, status: string, principalArn = '-') =>
  JSON.stringify({ requestId, requestTimeEpoch: '1795255200123', status, responseType, principalArn, responseLatency: '3' });

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3([]);
  await s3.client.send(new CreateBucketCommand({ Bucket: 'audit' }));
});
afterAll(async () => {
  await s3.stop();
});

async function storedEvents(store: S3AuditStore): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const o of store.list('events/')) {
    const parsed = parseAuditEvent(new TextDecoder().decode((await store.get(o.key, null))!));
    if (parsed.ok) events.push(parsed.event);
  }
  return events;
}

describe('gateway refusal handler', () => {
  it('writes one audit event per refused call to the audit bucket, once even when the batch is delivered twice', async () => {
    // Prepare
    const store = new S3AuditStore({ client: s3.client, bucket: 'audit' });
    const handler = makeGatewayRefusalHandler({ audit: store, nameOf });
    const event = delivery([
      refused('req-denied', 'ACCESS_DENIED', '403', AGENT_ROLE),
      refused('req-body', 'BAD_REQUEST_BODY', '400', AGENT_ROLE),
      JSON.stringify({ requestId: 'req-answered', status: '200', responseType: '-' }),
    ]);

    // Act
    const first = await handler(event);
    const again = await handler(event);
    const events = await storedEvents(store);

    // Assess
    expect(first).toEqual({ refusals: 2, unreadable: 0 });
    expect(again).toEqual({ refusals: 2, unreadable: 0 });
    expect(events.map((e) => [e.requestId, e.action, e.outcome, e.errorCode, e.agent.name]).sort()).toEqual([
      ['req-body', 'GatewayRefusal', 'denied', 'GATEWAY_BAD_REQUEST_BODY', 'support'],
      ['req-denied', 'GatewayRefusal', 'denied', 'GATEWAY_ACCESS_DENIED', 'support'],
    ]);
  });

  it('counts and logs lines in another format, and audits the rest of the batch', async () => {
    // Prepare
    const writes: AuditEvent[] = [];
    const handler = makeGatewayRefusalHandler({ audit: { write: async (e) => void writes.push(e) }, nameOf });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const result = await handler(delivery(['203.0.113.9 - - "GET /" 403', refused('req-waf', 'WAF_FILTERED', '403')]));
    const logged = errors.mock.calls.flat();
    errors.mockRestore();

    // Assess
    expect(result).toEqual({ refusals: 1, unreadable: 1 });
    expect(writes.map((e) => e.errorCode)).toEqual(['GATEWAY_WAF_FILTERED']);
    expect(logged).toEqual([expect.stringContaining('"logEventIds":["37468423870"]')]);
  });

  it('answers the delivery check without writing', async () => {
    // Prepare
    const write = jest.fn();
    const handler = makeGatewayRefusalHandler({ audit: { write }, nameOf });

    // Act
    const result = await handler(delivery(['CWL CONTROL MESSAGE: Checking health of destination Lambda.'], 'CONTROL_MESSAGE'));

    // Assess
    expect(result).toEqual({ refusals: 0, unreadable: 0 });
    expect(write).not.toHaveBeenCalled();
  });

  it('fails the batch when an audit write fails, so Lambda retries it and then keeps it in the dead-letter queue', async () => {
    // Prepare
    const handler = makeGatewayRefusalHandler({ audit: { write: () => Promise.reject(new Error('S3 unavailable')) }, nameOf });

    // Act
    const act = handler(delivery([refused('req-x', 'ACCESS_DENIED', '403')]));

    // Assess
    await expect(act).rejects.toThrow('S3 unavailable');
  });
});
