/**
 * The agent actions Lambda with its real adapters: AWS SDK clients mocked with aws-sdk-client-mock (KMS signs with a
 * local P-256 key, as the decision key would), the shipped policies, and the sandbox CRM over HTTP as the CRM, written
 * to by the WRITE integration user. The module builds its service once per container, so deployment defects run first.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { REFUND_FIELDS } from '../../lambda/core/approvals/crm-writes';
import { parseAuditEvent, type AuditEvent } from '../../lambda/core/audit/event';
import { APPROVAL_ENV, AUDIT_ENV, ENV, VAULT_ENV } from '../../lambda/core/constants';
import { handler } from '../../lambda/handlers/agent-actions';
import { startSandboxCrm, type SandboxCrm } from '../../local/sandbox-crm';

const ACCOUNT = '123456789012';
const CRM_HOST = 'crm.example.test';
const SUPPORT_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/support-agent/run-1`;
const DECISION_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/decision';
const SECRETS = { crmWrite: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-write' };

const FULL_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  [ENV.CONFIG_JSON]: JSON.stringify({
    crm: { kind: 'salesforce', instanceHost: CRM_HOST },
    agents: { 'support-agent': { principals: [`arn:aws:iam::${ACCOUNT}:role/support-agent`], actions: ['Read', 'IssueRefund'], team: 'support', territories: ['EMEA'], tier: 'gold' } },
  }),
  [ENV.POLICY_DIR]: join(__dirname, '../../policies'),
  [ENV.CRM_WRITE_SECRET_ARN]: SECRETS.crmWrite,
  [ENV.KILL_SWITCH_PARAMETER]: '/bridge/kill-switch',
  [VAULT_ENV.TABLE]: 'vault',
  [VAULT_ENV.KMS_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/data',
  [AUDIT_ENV.BUCKET]: 'audit-bucket',
  [AUDIT_ENV.KMS_KEY_ID]: 'arn:aws:kms:eu-west-1:123456789012:key/audit',
  [APPROVAL_ENV.DECISION_KEY_ID]: DECISION_KEY,
  [APPROVAL_ENV.JTI_TABLE]: 'jti',
};

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const decisionKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let sandbox: SandboxCrm;
let caseId: string;
let counter = 0;
const savedEnv = { ...process.env };
const realFetch = globalThis.fetch;

function apiEvent(resource: string, body: unknown, callerArn = SUPPORT_SESSION): APIGatewayProxyEvent {
  counter++;
  return {
    httpMethod: 'POST',
    resource,
    path: resource,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: null,
    requestContext: { requestId: `req-${counter}`, identity: { userArn: callerArn } },
  } as unknown as APIGatewayProxyEvent;
}
const parse = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown> & { token?: string; error?: { code: string } };
const refund = (amount: number) => ({ action: 'IssueRefund', params: { object: 'Case', recordId: caseId, amount, currency: 'EUR', reason: 'late delivery' } });

function auditedEvents(): AuditEvent[] {
  return s3.commandCalls(PutObjectCommand).map((c) => {
    const parsed = parseAuditEvent(Buffer.from(c.args[0].input.Body as Uint8Array).toString('utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });
}

/** KMS as the decision key behaves, a jti table whose conditional put refuses a second use, S3, SSM and the CRM secret. */
function mockAwsHealthy(): void {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'normal' } });
  secrets.on(GetSecretValueCommand, { SecretId: SECRETS.crmWrite }).resolves({ SecretString: JSON.stringify(sandbox.clients.credentials('salesforce', 'write')) });
  kms.on(GetPublicKeyCommand, { KeyId: DECISION_KEY }).resolves({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', PublicKey: decisionKey.publicKey.export({ type: 'spki', format: 'der' }) });
  kms.on(SignCommand, { KeyId: DECISION_KEY, MessageType: 'RAW' }).callsFake((input: { Message: Uint8Array }) => ({ Signature: sign('sha256', input.Message, { key: decisionKey.privateKey, dsaEncoding: 'der' }) }));
  const used = new Set<string>();
  doc.on(PutCommand, { TableName: 'jti' }).callsFake((input: PutCommandInput) => {
    const key = String(input.Item?.pk);
    if (used.has(key)) throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    used.add(key);
    return {};
  });
  s3.on(PutObjectCommand).resolves({});
}

beforeAll(async () => {
  sandbox = await startSandboxCrm({ seed: 1 });
  caseId = String(sandbox.store.salesforce.get('Case')?.[0]?.Id);
  jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => realFetch(String(input).replace(`https://${CRM_HOST}`, sandbox.url), init));
});
afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await sandbox.close();
});
beforeEach(() => {
  for (const m of [ssm, secrets, doc, s3, kms]) m.reset();
  process.env = { ...savedEnv, ...FULL_ENV };
});

describe('agent-actions handler: a deployment defect', () => {
  it('answers a generic 500 and logs the missing environment variable', async () => {
    // Prepare
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    mockAwsHealthy();
    delete process.env[APPROVAL_ENV.JTI_TABLE];
    // Act
    const response = await handler(apiEvent('/v1/authorize', refund(50)));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(parse(response).error?.code).toBe('INTERNAL');
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`environment variable ${APPROVAL_ENV.JTI_TABLE} is not set`));
    logged.mockRestore();
  });
});

describe('agent-actions handler: with its adapters built', () => {
  it('authorizes a refund policy allows with a token signed by the decision key, then executes it once against the CRM', async () => {
    // Prepare
    mockAwsHealthy();
    const authorized = await handler(apiEvent('/v1/authorize', refund(42)));
    const token = parse(authorized).token;
    // Act
    const executed = await handler(apiEvent('/v1/actions/execute', { ...refund(42), token }));
    const replayed = await handler(apiEvent('/v1/actions/execute', { ...refund(42), token }));
    // Assess
    expect(authorized.statusCode).toBe(200);
    expect(parse(authorized)).toMatchObject({ decision: 'allow' });
    expect(kms).toHaveReceivedCommandWith(SignCommand, { KeyId: DECISION_KEY, SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(executed.statusCode).toBe(200);
    expect(parse(executed)).toMatchObject({ result: { op: 'update', object: 'Case', recordId: caseId } });
    const row = sandbox.store.salesforce.get('Case')?.find((r) => r.Id === caseId);
    expect(row).toMatchObject({ [REFUND_FIELDS.salesforce.amount]: 42, [REFUND_FIELDS.salesforce.currency]: 'EUR' });
    expect(doc).toHaveReceivedCommandWith(PutCommand, { TableName: 'jti', ConditionExpression: 'attribute_not_exists(#pk)' });
    expect(replayed.statusCode).toBe(409);
    expect(parse(replayed).error?.code).toBe('TOKEN_REPLAYED');
    expect(auditedEvents().map((e) => [e.action, e.outcome])).toEqual([
      ['Authorize', 'allowed'],
      ['Execute', 'executed'],
      ['Execute', 'denied'],
    ]);
  });

  it('answers a token whose signature does not match with 401 and writes nothing', async () => {
    // Prepare
    mockAwsHealthy();
    const token = String(parse(await handler(apiEvent('/v1/authorize', refund(10)))).token);
    const before = sandbox.stats().requests;
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    // Act
    const response = await handler(apiEvent('/v1/actions/execute', { ...refund(10), token: tampered }));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(parse(response).error?.code).toBe('TOKEN_INVALID');
    expect(sandbox.stats().requests).toBe(before);
  });

  it('answers a refund that needs a person with the envelope and no token', async () => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler(apiEvent('/v1/authorize', refund(500)));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(parse(response)).toMatchObject({ decision: 'approval_required' });
    expect(parse(response).token).toBeUndefined();
    expect(kms).not.toHaveReceivedCommand(SignCommand);
  });

  it.each([
    { method: 'POST', resource: '/v1/records/query' },
    { method: 'GET', resource: '/v1/approvals' },
    { method: 'POST', resource: '/v1/approvals/{id}/decision' },
  ])("answers another function's route $method $resource with 404", async ({ method, resource }) => {
    // Prepare
    mockAwsHealthy();
    // Act
    const response = await handler({ ...apiEvent(resource, {}), httpMethod: method });
    // Assess
    expect(response.statusCode).toBe(404);
    expect(parse(response).error?.code).toBe('NOT_FOUND');
  });
});
