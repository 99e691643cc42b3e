import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createPublicKey } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LocalSigner } from '../../lambda/adapters/local-signer';
import { CompositeNotifier } from '../../lambda/adapters/notifier-composite';
import { SnsNotifier } from '../../lambda/adapters/notifier-sns';
import type { AuditEvent } from '../../lambda/core/audit/event';
import { APPROVAL_ENV, AUDIT_ENV, ENV, VAULT_ENV } from '../../lambda/core/constants';
import type { RequestRecord } from '../../lambda/core/requests';
import { handler as executeHandler } from '../../lambda/handlers/approval-execute';
import { handler as outcomeHandler } from '../../lambda/handlers/approval-outcome';
import { handler as reviewHandler } from '../../lambda/handlers/approval-review';
import { notifierFromEnv } from '../../lambda/handlers/approval-wait';
import { ARNS, proposalRecord, testConfig } from '../core/approvals/flow-fakes';

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const sm = mockClient(SecretsManagerClient);

const DECISION_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/decisions';
const ENVIRONMENT: Record<string, string> = {
  [ENV.CONFIG_JSON]: JSON.stringify(testConfig()),
  [ENV.REQUESTS_TABLE]: 'requests',
  [AUDIT_ENV.BUCKET]: 'audit',
  [AUDIT_ENV.KMS_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/audit',
  [ENV.HMAC_SECRET_ARN]: 'hmac-secret',
  [ENV.KILL_SWITCH_PARAMETER]: '/bridge/kill-switch',
  [ENV.CRM_READ_SECRET_ARN]: 'crm-read',
  [ENV.CRM_WRITE_SECRET_ARN]: 'crm-write',
  [APPROVAL_ENV.JTI_TABLE]: 'jti',
  [APPROVAL_ENV.DECISION_KEY_ID]: DECISION_KEY,
  [APPROVAL_ENV.DATA_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/data',
  [APPROVAL_ENV.TOPIC_ARN]: 'arn:aws:sns:eu-west-1:123456789012:approvals',
  [VAULT_ENV.TABLE]: 'vault',
  [VAULT_ENV.KMS_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/data',
  // EMF lines would only clutter the test output.
  POWERTOOLS_METRICS_DISABLED: 'true',
};
const saved = Object.fromEntries(Object.keys(ENVIRONMENT).map((k) => [k, process.env[k]]));
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const record: RequestRecord = proposalRecord();

beforeEach(() => {
  for (const m of [ddb, s3, kms, sm]) m.reset();
  Object.assign(process.env, ENVIRONMENT);
  s3.on(PutObjectCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const auditEvents = (): AuditEvent[] => s3.commandCalls(PutObjectCommand).map((c) => JSON.parse(Buffer.from(c.args[0].input.Body as Uint8Array).toString()));

describe('approval-outcome handler', () => {
  it('moves the request to its outcome in DynamoDB and writes the audit event to S3 with KMS', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { record, version: 3 } });
    // Act
    const out = await outcomeHandler({ requestId: 'req-1', outcome: 'rejected' });
    // Assess
    expect(out).toEqual({ requestId: 'req-1', outcome: 'rejected' });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'requests' });
    const put = ddb.commandCalls(PutCommand)[0].args[0].input;
    expect(put).toMatchObject({ TableName: 'requests', ExpressionAttributeValues: { ':version': 3 }, Item: { version: 4, record: { status: 'rejected' } } });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'audit', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ENVIRONMENT[AUDIT_ENV.KMS_KEY_ID] });
    expect(auditEvents()).toEqual([expect.objectContaining({ action: 'RecordOutcome', outcome: 'rejected', agent: { name: 'sales-agent', principalArn: ARNS.sales } })]);
  });

  it('throws a Bridge-named error Step Functions can match, without a stack', async () => {
    ddb.on(GetCommand).resolves({});
    const e = await outcomeHandler({ requestId: 'req-404', outcome: 'failed' }).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'Bridge.NOT_FOUND', message: 'no request req-404' });
    expect((e as Error).stack).toBe('Bridge.NOT_FOUND: no request req-404');
  });
});

describe('approval-review handler', () => {
  it('reports an initialisation failure as Bridge.INTERNAL, logs the reason, and retries the build next time', async () => {
    // Prepare: the HMAC secret cannot be read yet
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('AccessDenied')).resolves({ SecretString: 'k'.repeat(32) });
    ddb.on(GetCommand).resolves({ Item: { record, version: 0 } });
    // Act
    const first = await reviewHandler({ requestId: 'req-1' }).catch((x: Error) => x);
    const second = await reviewHandler({ requestId: 'req-1' });
    // Assess
    expect(first).toMatchObject({ name: 'Bridge.INTERNAL', message: 'the prepareReview step could not start' });
    expect(console.error).toHaveBeenCalledWith('prepareReview init failed: AccessDenied');
    expect(second).toEqual({ requestId: 'req-1' });
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item?.record.review).toMatchObject({ proposed: { Subject: 'Call back' } });
  });
});

describe('approval-execute handler', () => {
  it('fetches the decision key’s public key from KMS once per container', async () => {
    // Prepare
    const signer = new LocalSigner(DECISION_KEY);
    const der = createPublicKey(await signer.publicKeyPem()).export({ type: 'spki', format: 'der' });
    kms.on(GetPublicKeyCommand).resolves({ KeyId: DECISION_KEY, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', PublicKey: der });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(32) });
    ddb.on(GetCommand).resolves({});
    // Act
    const results = [await executeHandler({ requestId: 'req-a', token: 'x.y.z' }).catch((x: Error) => x), await executeHandler({ requestId: 'req-b', token: 'x.y.z' }).catch((x: Error) => x)];
    // Assess
    expect(results.map((r) => (r as Error).name)).toEqual(['Bridge.NOT_FOUND', 'Bridge.NOT_FOUND']);
    expect(kms).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: DECISION_KEY });
  });
});

describe('approval-wait notifier', () => {
  it('notifies by SNS alone unless a Slack webhook secret is configured', () => {
    delete process.env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN];
    expect(notifierFromEnv()).toBeInstanceOf(SnsNotifier);
    process.env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN] = 'slack-secret';
    expect(notifierFromEnv()).toBeInstanceOf(CompositeNotifier);
    delete process.env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN];
  });
});
