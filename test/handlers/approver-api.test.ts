/**
 * The approver API Lambda with its real adapters: AWS SDK clients mocked with aws-sdk-client-mock (the requests table
 * as a small stateful stand-in that honours the store's version condition), the shipped policies, and the sandbox CRM
 * over HTTP read by the READ integration user for the diff. Task results go to Step Functions.
 */
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type GetCommandInput, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DataKeySealer } from '../../lambda/adapters/sealer';
import { sealContext, SEAL_PURPOSE } from '../../lambda/core/agent-service';
import { parseAuditEvent, type AuditEvent } from '../../lambda/core/audit/event';
import { APPROVAL_ENV, AUDIT_ENV, ENV, REQUESTS_STATUS_INDEX } from '../../lambda/core/constants';
import type { RequestRecord } from '../../lambda/core/requests';
import { handler } from '../../lambda/handlers/approver-api';
import { startSandboxCrm, type SandboxCrm } from '../../local/sandbox-crm';

const ACCOUNT = '123456789012';
const CRM_HOST = 'crm.example.test';
const ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/approver-alice/alice@example.com`;
const SALES = `arn:aws:sts::${ACCOUNT}:assumed-role/sales-agent/run-1`;
const DATA_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/data';
const SECRETS = { hmac: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac', crmRead: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-read' };
const TASK_TOKEN = 'AQB8AAAAKgAAAAMAAAAAAAAAAe-task-token';

const FULL_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  [ENV.CONFIG_JSON]: JSON.stringify({
    crm: { kind: 'salesforce', instanceHost: CRM_HOST },
    agents: { 'sales-agent': { principals: [`arn:aws:iam::${ACCOUNT}:role/sales-agent`], actions: ['ProposeUpdate'], team: 'sales', territories: ['EMEA'], tier: 'standard' } },
    approvers: { alice: { principals: [`arn:aws:iam::${ACCOUNT}:role/approver-alice`] } },
  }),
  [ENV.POLICY_DIR]: join(__dirname, '../../policies'),
  [ENV.HMAC_SECRET_ARN]: SECRETS.hmac,
  [ENV.CRM_READ_SECRET_ARN]: SECRETS.crmRead,
  [ENV.REQUESTS_TABLE]: 'requests',
  [ENV.KILL_SWITCH_PARAMETER]: '/bridge/kill-switch',
  [AUDIT_ENV.BUCKET]: 'audit-bucket',
  [AUDIT_ENV.KMS_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/audit',
  [APPROVAL_ENV.DATA_KEY_ID]: DATA_KEY,
};

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const sfn = mockClient(SFNClient);

let sandbox: SandboxCrm;
let opportunity: { Id: string; NextStep?: unknown };
let counter = 0;
const savedEnv = { ...process.env };
const realFetch = globalThis.fetch;
const dataKey = new Uint8Array(32).fill(6);
const wrappedKey = new Uint8Array(48).fill(9);

/** The requests table: items by key, with the store's version condition honoured. */
const table = new Map<string, { record: RequestRecord; version: number }>();
/** The order in which requests were written and task results sent. */
const sequence: string[] = [];

function apiEvent(over: { method?: string; resource: string; id?: string; body?: unknown; query?: Record<string, string>; callerArn?: string }): APIGatewayProxyEvent {
  counter++;
  return {
    httpMethod: over.method ?? 'GET',
    resource: over.resource,
    path: over.resource,
    headers: { 'content-type': 'application/json' },
    body: over.body === undefined ? null : JSON.stringify(over.body),
    isBase64Encoded: false,
    pathParameters: over.id ? { id: over.id } : null,
    queryStringParameters: over.query ?? null,
    requestContext: { requestId: `api-${counter}`, identity: { userArn: over.callerArn ?? ALICE } },
  } as unknown as APIGatewayProxyEvent;
}
const parse = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown> & { error?: { code: string } };

function auditedEvents(): AuditEvent[] {
  return s3.commandCalls(PutObjectCommand).map((c) => {
    const parsed = parseAuditEvent(Buffer.from(c.args[0].input.Body as Uint8Array).toString('utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
}

async function pendingRecord(requestId: string): Promise<RequestRecord> {
  const sealer = new DataKeySealer({ generate: async () => ({ plaintext: dataKey, wrapped: wrappedKey }), unwrap: async () => dataKey });
  return {
    requestId,
    agent: 'sales-agent',
    principalArn: SALES,
    kind: 'write',
    action: 'ProposeUpdate',
    status: 'approval_required',
    object: 'Opportunity',
    recordId: opportunity.Id,
    createdAt: '2025-05-05T09:00:00.000Z',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    decisionId: 'did-0',
    policyVersion: 'pv-0',
    payload: { object: 'Opportunity', recordId: opportunity.Id, fields: { NextStep: 'Send the quote' } },
    taskToken: await sealer.seal(TASK_TOKEN, sealContext(requestId, SEAL_PURPOSE.TASK_TOKEN)),
    approvalDeadline: new Date(Date.now() + 600_000).toISOString(),
  };
}

function mockAwsHealthy(): void {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'normal' } });
  secrets.on(GetSecretValueCommand, { SecretId: SECRETS.hmac }).resolves({ SecretString: 'h'.repeat(48) });
  secrets.on(GetSecretValueCommand, { SecretId: SECRETS.crmRead }).resolves({ SecretString: JSON.stringify(sandbox.clients.credentials('salesforce', 'read')) });
  kms.on(DecryptCommand).callsFake((input: { KeyId?: string; EncryptionContext?: Record<string, string> }) => {
    if (input.KeyId !== DATA_KEY || input.EncryptionContext?.purpose !== SEAL_PURPOSE.TASK_TOKEN) throw new Error('InvalidCiphertextException');
    return { Plaintext: dataKey };
  });
  doc.on(GetCommand, { TableName: 'requests' }).callsFake((input: GetCommandInput) => {
    const item = table.get(String(input.Key?.pk));
    return item ? { Item: { record: item.record, version: item.version } } : {};
  });
  doc.on(PutCommand, { TableName: 'requests' }).callsFake((input: PutCommandInput) => {
    const item = input.Item as { pk: string; record: RequestRecord; version: number };
    const current = table.get(item.pk);
    if (input.ExpressionAttributeValues?.[':version'] !== undefined && current?.version !== input.ExpressionAttributeValues[':version']) {
      throw new ConditionalCheckFailedException({ message: 'version changed', $metadata: {} });
    }
    table.set(item.pk, { record: item.record, version: item.version });
    sequence.push(`put ${item.record.status}`);
    return {};
  });
  doc.on(QueryCommand, { TableName: 'requests', IndexName: REQUESTS_STATUS_INDEX.NAME }).callsFake(() => ({
    Items: [...table.values()].filter((i) => i.record.status === 'approval_required').map((i) => ({ record: i.record })),
  }));
  s3.on(PutObjectCommand).resolves({});
  sfn.on(SendTaskSuccessCommand).callsFake(() => (sequence.push('task success'), {}));
  sfn.on(SendTaskFailureCommand).resolves({});
}

async function seed(requestId: string): Promise<void> {
  table.set(requestId, { record: await pendingRecord(requestId), version: 1 });
}

beforeAll(async () => {
  sandbox = await startSandboxCrm({ seed: 1 });
  const row = sandbox.store.salesforce.get('Opportunity')?.[0];
  if (!row) throw new Error('the sandbox seeds Opportunities');
  row.NextStep = 'Wait for budget';
  opportunity = row;
  jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => realFetch(String(input).replace(`https://${CRM_HOST}`, sandbox.url), init));
});
afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await sandbox.close();
});
beforeEach(() => {
  for (const m of [ssm, secrets, doc, s3, kms, sfn]) m.reset();
  table.clear();
  sequence.length = 0;
  process.env = { ...savedEnv, ...FULL_ENV };
});

describe('approver-api handler', () => {
  it('lists pending requests from the by-status index', async () => {
    // Prepare
    mockAwsHealthy();
    await seed('req-1');
    // Act
    const response = await handler(apiEvent({ resource: '/v1/approvals', query: { status: 'approval_required' } }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(parse(response)).toMatchObject({ items: [{ requestId: 'req-1', agent: 'sales-agent', object: 'Opportunity' }] });
    expect(doc).toHaveReceivedCommandWith(QueryCommand, { IndexName: REQUESTS_STATUS_INDEX.NAME, ExpressionAttributeValues: { ':status': 'approval_required' } });
    expect(auditedEvents()[0]).toMatchObject({ action: 'ListApprovals', agent: { name: 'alice', principalArn: ALICE } });
  });

  it('shows a request with the current CRM value read by the READ integration user beside the proposed one', async () => {
    // Prepare
    mockAwsHealthy();
    await seed('req-1');
    // Act
    const response = await handler(apiEvent({ resource: '/v1/approvals/{id}', id: 'req-1' }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(parse(response).diff).toEqual({ recordFound: true, fields: [{ field: 'NextStep', current: 'Wait for budget', proposed: 'Send the quote' }] });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRETS.crmRead });
  });

  it('approves: the status moves first, then the decrypted task token gets SendTaskSuccess; a second decision gets 409', async () => {
    // Prepare
    mockAwsHealthy();
    await seed('req-1');
    // Act
    const first = await handler(apiEvent({ method: 'POST', resource: '/v1/approvals/{id}/decision', id: 'req-1', body: { decision: 'approve', comment: 'fine' } }));
    const second = await handler(apiEvent({ method: 'POST', resource: '/v1/approvals/{id}/decision', id: 'req-1', body: { decision: 'reject', comment: 'changed my mind' } }));
    // Assess
    expect(first.statusCode).toBe(200);
    expect(sequence).toEqual(['put approved', 'task success']);
    expect(table.get('req-1')?.record).toMatchObject({ status: 'approved', approval: { approver: 'alice', principalArn: ALICE } });
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, { KeyId: DATA_KEY, EncryptionContext: { requestId: 'req-1', purpose: 'task-token' } });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: TASK_TOKEN, output: JSON.stringify({ decision: 'approve', approver: 'alice' }) });
    expect(second.statusCode).toBe(409);
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(auditedEvents().map((e) => [e.action, e.outcome])).toEqual([
      ['ApprovalDecided', 'approved'],
      ['ApprovalDecided', 'failed'],
    ]);
  });

  it('answers 409 and ends the request failed when Step Functions says the task timed out', async () => {
    // Prepare
    mockAwsHealthy();
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await seed('req-1');
    // Act
    const response = await handler(apiEvent({ method: 'POST', resource: '/v1/approvals/{id}/decision', id: 'req-1', body: { decision: 'approve', comment: 'late' } }));
    // Assess
    expect(response.statusCode).toBe(409);
    expect(parse(response).error?.code).toBe('CONFLICT');
    expect(table.get('req-1')?.record).toMatchObject({ status: 'failed', error: { code: 'APPROVAL_NOT_DELIVERED' } });
  });

  it('refuses an agent with 403 and touches no request', async () => {
    // Prepare
    mockAwsHealthy();
    await seed('req-1');
    // Act
    const response = await handler(apiEvent({ method: 'POST', resource: '/v1/approvals/{id}/decision', id: 'req-1', body: { decision: 'approve', comment: 'me' }, callerArn: SALES }));
    // Assess
    expect(response.statusCode).toBe(403);
    expect(doc).not.toHaveReceivedCommand(GetCommand);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it.each([
    { method: 'POST', resource: '/v1/records/query' },
    { method: 'POST', resource: '/v1/actions/execute' },
    { method: 'GET', resource: '/v1/requests/{id}' },
  ])("answers an agent route $method $resource with 404", async ({ method, resource }) => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent({ method, resource }));
    // Assess
    expect(response.statusCode).toBe(404);
  });
});
