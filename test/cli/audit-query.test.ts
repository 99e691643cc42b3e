import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3AuditStore } from '../../lambda/adapters/audit-store-s3';
import { buildAuditEvent } from '../../lambda/core/audit/event';
import { main, queryEvents } from '../../cli/audit';
import { type LocalS3, startLocalS3 } from '../adapters/audit-s3rver';

let s3: LocalS3;
let store: S3AuditStore;
const base = new Date('2025-02-03T10:30:00.000Z');
const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000);

beforeAll(async () => {
  s3 = await startLocalS3([]);
  await s3.client.send(new CreateBucketCommand({ Bucket: 'audit' }));
  store = new S3AuditStore({ client: s3.client, bucket: 'audit' });
  const rows: [number, string, 'allowed' | 'denied', string][] = [
    [0, 'sales-agent', 'allowed', '003A'],
    [20, 'support-agent', 'denied', '003B'],
    [45, 'sales-agent', 'denied', '003C'],
    [90, 'sales-agent', 'allowed', '003A'],
  ];
  for (const [m, agent, outcome, id] of rows) {
    await store.write(
      buildAuditEvent({
        time: at(m),
        requestId: `req-${m}`,
        agent: { name: agent, principalArn: `arn:aws:iam::123456789012:role/${agent}` },
        action: 'Read',
        object: 'Contact',
        recordIds: [id],
        policy: { version: 'v1', decisionId: `d-${m}`, decision: outcome === 'allowed' ? 'allow' : 'deny', reasons: [] },
        outcome,
        latencyMs: 1,
      }),
    );
  }
});
afterAll(async () => {
  await s3.stop();
});

describe('bridge audit query', () => {
  it('returns the events of the window that match every filter, oldest first', async () => {
    // Act
    const denied = await queryEvents(store, { from: at(0), to: at(60), outcome: 'denied' });
    const record = await queryEvents(store, { from: at(-60), to: at(120), recordId: '003A', agent: 'sales-agent' });
    const window = await queryEvents(store, { from: at(20), to: at(45) });

    // Assess
    expect(denied.map((e) => e.requestId)).toEqual(['req-20', 'req-45']);
    expect(record.map((e) => e.requestId)).toEqual(['req-0', 'req-90']);
    expect(window.map((e) => e.requestId)).toEqual(['req-20']);
  });

  it('prints JSON lines from the CLI and rejects a malformed time', async () => {
    // Prepare
    const out: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    const errs: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((c) => (errs.push(String(c)), true));
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const common = ['--bucket', 'audit', '--endpoint', s3.endpoint, '--from', at(0).toISOString(), '--to', at(120).toISOString()];

    // Act
    const ok = await main(['query', ...common, '--agent', 'sales-agent', '--json']);
    const bad = await main(['query', ...common, '--to', 'yesterday']);
    stdout.mockRestore();
    stderr.mockRestore();

    // Assess
    expect(ok).toBe(0);
    expect(out.join('').trim().split('\n').map((l) => JSON.parse(l).requestId)).toEqual(['req-0', 'req-45', 'req-90']);
    expect(bad).toBe(2);
    expect(errs.join('')).toContain("--to must be an ISO 8601 time, got 'yesterday'");
  });
});
