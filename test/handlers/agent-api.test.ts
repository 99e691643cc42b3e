/**
 * The proxy Lambda's entry point with its real adapters: AWS SDK clients mocked with
 * aws-sdk-client-mock, the shipped policies/ bundle, and the sandbox CRM over HTTP as the CRM.
 * The module builds its service once per container, as Lambda does, so the tests run in order:
 * failed builds first (each is retried), then calls against the one built service.
 */
import { join } from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseAuditEvent, type AuditEvent } from '../../lambda/core/audit/event';
import { DataKeySealer } from '../../lambda/adapters/sealer';
import { sealContext, SEAL_PURPOSE } from '../../lambda/core/agent-service';
import { APPROVAL_ENV, AUDIT_ENV, ENV, VAULT_ENV } from '../../lambda/core/constants';
import { handler } from '../../lambda/handlers/agent-api';
import { startSandboxCrm, type SandboxCrm } from '../../local/sandbox-crm';

const ACCOUNT = '123456789012';
const CRM_HOST = 'crm.example.test';
const SUPPORT_ROLE = `arn:aws:iam::${ACCOUNT}:role/support-agent`;
const SUPPORT_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/support-agent/agent-run-1`;
const SECRETS = { hmac: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac', crmRead: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-read' };
const AUDIT_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/audit';
const VAULT_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/data';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:approvals';
const SALES_ROLE = `arn:aws:iam::${ACCOUNT}:role/sales-agent`;
const SALES_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/sales-agent/agent-run-2`;

const RUNTIME_CONFIG = {
  crm: { kind: 'salesforce', instanceHost: CRM_HOST },
  agents: {
    'support-agent': { principals: [SUPPORT_ROLE], actions: ['Read'], team: 'support', territories: ['EMEA'], tier: 'gold' },
    'sales-agent': { principals: [SALES_ROLE], actions: ['Read', 'ProposeCreate', 'ProposeUpdate'], team: 'sales', territories: ['EMEA'], tier: 'standard' },
  },
};

const FULL_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  [ENV.CONFIG_JSON]: JSON.stringify(RUNTIME_CONFIG),
  [ENV.POLICY_DIR]: join(__dirname, '../../policies'),
  [ENV.HMAC_SECRET_ARN]: SECRETS.hmac,
  [ENV.CRM_READ_SECRET_ARN]: SECRETS.crmRead,
  [ENV.REQUESTS_TABLE]: 'requests',
  [ENV.KILL_SWITCH_PARAMETER]: '/bridge/kill-switch',
  [VAULT_ENV.TABLE]: 'vault',
  [VAULT_ENV.KMS_KEY_ID]: VAULT_KEY,
  [AUDIT_ENV.BUCKET]: 'audit-bucket',
  [AUDIT_ENV.KMS_KEY_ID]: AUDIT_KEY,
  [APPROVAL_ENV.STATE_MACHINE_ARN]: STATE_MACHINE,
  [APPROVAL_ENV.DATA_KEY_ID]: VAULT_KEY,
};

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const sfn = mockClient(SFNClient);

let sandbox: SandboxCrm;
let requestCounter = 0;
const savedEnv = { ...process.env };
const realFetch = globalThis.fetch;

function apiEvent(over: { method?: string; resource?: string; body?: unknown; callerArn?: string | null; pathParameters?: Record<string, string> } = {}): APIGatewayProxyEvent {
  requestCounter++;
  return {
    httpMethod: over.method ?? 'POST',
    resource: over.resource ?? '/v1/records/query',
    path: over.resource ?? '/v1/records/query',
    headers: { 'content-type': 'application/json' },
    body: over.body === undefined ? null : typeof over.body === 'string' ? over.body : JSON.stringify(over.body),
    isBase64Encoded: false,
    pathParameters: over.pathParameters ?? null,
    requestContext: { requestId: `req-${requestCounter}`, identity: { userArn: over.callerArn === undefined ? SUPPORT_SESSION : over.callerArn } },
  } as unknown as APIGatewayProxyEvent;
}

const parse = (r: APIGatewayProxyResult) => JSON.parse(r.body) as { error?: { code: string; message: string }; records?: { id: string; fields: Record<string, unknown> }[] };
const contactQuery = { object: 'Contact', fields: ['Id', 'FirstName', 'Email', 'Phone'], limit: 5, purpose: 'support' };

/** The audit events the handler put to S3, in order. */
function auditedEvents(): AuditEvent[] {
  return s3.commandCalls(PutObjectCommand).map((c) => {
    const parsed = parseAuditEvent(Buffer.from(c.args[0].input.Body as Uint8Array).toString('utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
}

function mockAwsHealthy(): void {
  ssm.on(GetParameterCommand, { Name: FULL_ENV[ENV.KILL_SWITCH_PARAMETER] }).resolves({ Parameter: { Value: 'normal' } });
  secrets.on(GetSecretValueCommand, { SecretId: SECRETS.hmac }).resolves({ SecretString: 'h'.repeat(48) });
  secrets.on(GetSecretValueCommand, { SecretId: SECRETS.crmRead }).resolves({ SecretString: JSON.stringify(sandbox.clients.credentials('salesforce', 'read')) });
  doc.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(32).fill(1), CiphertextBlob: new Uint8Array(64).fill(2), KeyId: VAULT_KEY });
  s3.on(PutObjectCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });
}

beforeAll(async () => {
  sandbox = await startSandboxCrm({ seed: 1 });
  // The handler calls https://<instanceHost>; route that host to the sandbox's plain-HTTP port.
  jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => realFetch(String(input).replace(`https://${CRM_HOST}`, sandbox.url), init));
});
afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await sandbox.close();
});
beforeEach(() => {
  for (const m of [ssm, secrets, doc, s3, kms, sfn]) m.reset();
  process.env = { ...savedEnv, ...FULL_ENV };
});

describe('agent-api handler: a deployment defect', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('answers a generic 500 and logs the name of a missing environment variable', async () => {
    // Prepare
    mockAwsHealthy();
    delete process.env[ENV.KILL_SWITCH_PARAMETER];
    // Act
    const response = await handler(apiEvent({ body: contactQuery }));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(parse(response).error?.code).toBe('INTERNAL');
    expect(response.body).not.toContain(ENV.KILL_SWITCH_PARAMETER);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`environment variable ${ENV.KILL_SWITCH_PARAMETER} is not set`));
  });

  it('logs every invalid path of a malformed runtime config', async () => {
    // Prepare
    mockAwsHealthy();
    process.env[ENV.CONFIG_JSON] = JSON.stringify({ ...RUNTIME_CONFIG, crm: { kind: 'dynamics', instanceHost: CRM_HOST } });
    // Act
    const response = await handler(apiEvent({ body: contactQuery }));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/runtime config is invalid: crm\.kind/));
  });

  it('logs a too-short HMAC secret without its value', async () => {
    // Prepare
    mockAwsHealthy();
    secrets.on(GetSecretValueCommand, { SecretId: SECRETS.hmac }).resolves({ SecretString: 'short-secret' });
    // Act
    const response = await handler(apiEvent({ body: contactQuery }));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`HMAC secret ${SECRETS.hmac} must hold at least 32 bytes`));
    expect(logged.mock.calls.flat().join(' ')).not.toContain('short-secret');
  });
});

describe('agent-api handler: with its adapters built', () => {
  it('serves an allowed read from the CRM redacted, after writing the audit event to S3 with the audit key', async () => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent({ body: contactQuery }));
    // Assess
    expect(response.statusCode).toBe(200);
    const body = parse(response);
    expect(body.records?.length).toBeGreaterThan(0);
    for (const r of body.records ?? []) {
      expect(r.fields.Email === null || /^\{EMAIL_\d+\}$/.test(String(r.fields.Email))).toBe(true);
      expect(String(r.fields.FirstName)).toMatch(/^\{PERSON_\d+\}$/);
    }
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/bridge/kill-switch' });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'audit-bucket', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: AUDIT_KEY, IfNoneMatch: '*' });
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, { KeyId: VAULT_KEY });
    expect(doc).toHaveReceivedCommand(BatchWriteCommand);
    const [event] = auditedEvents();
    expect(event).toMatchObject({ outcome: 'allowed', agent: { name: 'support-agent', principalArn: SUPPORT_SESSION }, object: 'Contact' });
    expect(event.recordIds).toEqual(body.records?.map((r) => r.id));
  });

  it('returns 503 AUDIT_UNAVAILABLE and no records when S3 refuses the audit event', async () => {
    // Prepare
    mockAwsHealthy();
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    // Act
    const response = await handler(apiEvent({ body: contactQuery }));
    // Assess
    expect(response.statusCode).toBe(503);
    expect(parse(response).error?.code).toBe('AUDIT_UNAVAILABLE');
    expect(response.body).not.toContain('records');
  });

  it('refuses an unknown caller with 403 and audits it', async () => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent({ body: contactQuery, callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/intruder/s` }));
    // Assess
    expect(response.statusCode).toBe(403);
    expect(parse(response).error?.code).toBe('UNKNOWN_AGENT');
    expect(auditedEvents()[0]).toMatchObject({ outcome: 'denied', errorCode: 'UNKNOWN_AGENT' });
  });

  it('answers malformed JSON with 400 and still audits it', async () => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent({ body: '{"object": "Contact",' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(parse(response).error?.code).toBe('VALIDATION_FAILED');
    expect(auditedEvents()[0]).toMatchObject({ outcome: 'failed', errorCode: 'VALIDATION_FAILED' });
  });

  it('answers an over-limit read with 202, stores the pending request in DynamoDB and starts its approval flow', async () => {
    // Prepare
    mockAwsHealthy();
    doc.on(BatchWriteCommand).rejects(new Error('the vault must not be touched'));
    doc.on(PutCommand).resolves({});
    // Act
    const response = await handler(apiEvent({ body: { ...contactQuery, limit: 50 } }));
    // Assess
    expect(response.statusCode).toBe(202);
    const { requestId } = JSON.parse(response.body) as { requestId: string };
    expect(JSON.parse(response.body)).toMatchObject({ status: 'approval_required' });
    expect(doc).toHaveReceivedCommandWith(PutCommand, { TableName: 'requests', ConditionExpression: 'attribute_not_exists(#pk)' });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE, name: requestId, input: JSON.stringify({ requestId }) });
  });

  it('serves POST /v1/records/propose: the proposal is stored and its approval flow started (202)', async () => {
    // Prepare
    mockAwsHealthy();
    doc.on(PutCommand).resolves({});
    const proposal = { object: 'Task', op: 'create', fields: { Subject: 'Call back' }, reason: 'asked for a call' };
    // Act
    const response = await handler(apiEvent({ resource: '/v1/records/propose', body: proposal, callerArn: SALES_SESSION }));
    // Assess
    expect(response.statusCode).toBe(202);
    const { requestId } = JSON.parse(response.body) as { requestId: string };
    const stored = doc.commandCalls(PutCommand)[0].args[0].input.Item as { record: Record<string, unknown> };
    expect(stored.record).toMatchObject({ requestId, agent: 'sales-agent', kind: 'write', action: 'ProposeCreate', status: 'approval_required' });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: requestId });
    expect(auditedEvents()[0]).toMatchObject({ action: 'ProposeCreate', outcome: 'approval_required' });
  });

  it("hands out an approved read's result once, opened with the data key under the request's encryption context", async () => {
    // Prepare
    mockAwsHealthy();
    const dataKey = new Uint8Array(32).fill(4);
    const wrapped = new Uint8Array(48).fill(8);
    const sealer = new DataKeySealer({ generate: async () => ({ plaintext: dataKey, wrapped }), unwrap: async () => dataKey });
    const result = { records: [{ object: 'Contact', id: '003X', fields: { Id: '003X', Email: '{EMAIL_1}' } }], meta: {} };
    const sealed = await sealer.seal(JSON.stringify(result), sealContext('req-read', SEAL_PURPOSE.READ_RESULT));
    const record = { requestId: 'req-read', agent: 'support-agent', kind: 'read', action: 'Read', status: 'completed', object: 'Contact', createdAt: '2025-01-01T00:00:00.000Z', expiresAt: Math.floor(Date.now() / 1000) + 600, decisionId: 'd-1', policyVersion: 'v', payload: {}, result: sealed };
    doc.on(GetCommand, { TableName: 'requests' }).resolves({ Item: { record, version: 3 } });
    doc.on(PutCommand).resolves({});
    kms.on(DecryptCommand, { KeyId: VAULT_KEY, EncryptionContext: { requestId: 'req-read', purpose: 'read-result' } }).resolves({ Plaintext: dataKey });
    // Act
    const response = await handler(apiEvent({ method: 'GET', resource: '/v1/requests/{id}', pathParameters: { id: 'req-read' } }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'completed', result });
    const put = doc.commandCalls(PutCommand)[0].args[0].input;
    expect(put).toMatchObject({ ConditionExpression: '#version = :version', ExpressionAttributeValues: { ':version': 3 } });
    expect((put.Item as { record: Record<string, unknown> }).record.result).toBeUndefined();
    expect((put.Item as { record: Record<string, unknown> }).record.resultFetchedAt).toEqual(expect.any(String));
  });

  it("shows an agent its own request's status from DynamoDB", async () => {
    // Prepare
    mockAwsHealthy();
    const record = { requestId: 'req-owned', agent: 'support-agent', kind: 'read', status: 'approval_required', object: 'Contact', createdAt: '2025-01-01T00:00:00.000Z', expiresAt: Math.floor(Date.now() / 1000) + 600, decisionId: 'd-1', policyVersion: 'v', payload: {} };
    doc.on(GetCommand, { TableName: 'requests' }).resolves({ Item: { record } });
    // Act
    const response = await handler(apiEvent({ method: 'GET', resource: '/v1/requests/{id}', pathParameters: { id: 'req-owned' } }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ requestId: 'req-owned', status: 'approval_required' });
  });

  it('answers an unknown route with 404', async () => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent({ method: 'DELETE', resource: '/v1/records' }));
    // Assess
    expect(response.statusCode).toBe(404);
    expect(parse(response).error?.code).toBe('NOT_FOUND');
  });
});
