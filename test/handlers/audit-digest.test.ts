import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { digestConfigFromEnv, makeDigestHandler } from '../../lambda/handlers/audit-digest';
import { S3AuditStore } from '../../lambda/adapters/audit-store-s3';
import { LocalSigner } from '../../lambda/adapters/local-signer';
import { periodContaining } from '../../lambda/core/audit/keys';
import { BridgeError } from '../../lambda/core/errors';
import { type LocalS3, startLocalS3 } from '../adapters/audit-s3rver';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3([]);
  await s3.client.send(new CreateBucketCommand({ Bucket: 'audit' }));
});
afterAll(async () => {
  await s3.stop();
});

describe('audit digest handler', () => {
  it('reads period and lookback from the environment with 15 and 60 minute defaults', () => {
    // Act
    const defaults = digestConfigFromEnv({ BRIDGE_VERSION: '1.2.3' });
    const custom = digestConfigFromEnv({ BRIDGE_AUDIT_DIGEST_PERIOD_MINUTES: '5', BRIDGE_AUDIT_DIGEST_LOOKBACK_MINUTES: '30' });

    // Assess
    expect(defaults).toMatchObject({ periodMinutes: 15, lookbackMinutes: 60, bridgeVersion: '1.2.3' });
    expect(custom).toMatchObject({ periodMinutes: 5, lookbackMinutes: 30 });
  });

  it('rejects a malformed period with a clear message', () => {
    // Act
    const act = () => digestConfigFromEnv({ BRIDGE_AUDIT_DIGEST_PERIOD_MINUTES: '15m' });

    // Assess
    expect(act).toThrow(BridgeError);
    expect(act).toThrow("BRIDGE_AUDIT_DIGEST_PERIOD_MINUTES must be a positive whole number of minutes, got '15m'");
  });

  it('writes one digest per closed period and resumes from the chain head on the next run', async () => {
    // Prepare
    const store = new S3AuditStore({ client: s3.client, bucket: 'audit' });
    const config = { ...digestConfigFromEnv({}), maxPeriodsPerRun: 96 };
    const start = periodContaining(new Date('2025-06-01T10:07:00Z'), 15);
    let now = start.end;
    const handler = makeDigestHandler({ store, signer: new LocalSigner('k'), config, now: () => now });
    const logs = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Act
    const first = await handler();
    now = new Date(start.end.getTime() + 45 * 60_000);
    const second = await handler();
    logs.mockRestore();

    // Assess
    expect(first.written.map((w) => w.key)).toEqual(['digests/2025/06/01/20250601T100000.000Z_20250601T101500.000Z.json']);
    expect(second.written.map((w) => w.key)).toEqual([
      'digests/2025/06/01/20250601T101500.000Z_20250601T103000.000Z.json',
      'digests/2025/06/01/20250601T103000.000Z_20250601T104500.000Z.json',
      'digests/2025/06/01/20250601T104500.000Z_20250601T110000.000Z.json',
    ]);
    expect(second.caughtUp).toBe(true);
  });
});
