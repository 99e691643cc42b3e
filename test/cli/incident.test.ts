/**
 * `bridge incident`: against a deployed stack (CloudFormation, SSM and Secrets Manager behind
 * aws-sdk-client-mock) and against the local runtime over HTTP (sandbox CRM, dynalite, s3rver).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/incident';
import { OAuthCredentialRotator } from '../../lambda/adapters/crm/oauth-rotation';
import type { CrmCredentials } from '../../lambda/adapters/crm/types';
import { LOCAL_PRINCIPAL_HEADER } from '../../local/http-front';
import { LOCAL_PRINCIPALS, startLocalBridge, type LocalBridge } from '../../local/runtime';
import { failure } from '../support/failure';

const STACK = 'CrmAgentBridge';
const PARAMETER = `/${STACK}/kill-switch`;
const READ_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CrmCredentialsReadUser-AbCdEf';
const WRITE_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CrmCredentialsWriteUser-GhIjKl';
const BUCKET = 'crmagentbridge-auditvault-1a2b3c';
const SIGNING_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8897-a6b5c4d3e2f1';
const NOW = new Date('2025-03-04T10:00:00.000Z');

const cfn = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);

/** Runs the CLI with stdout and stderr captured. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await main(args, () => NOW), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('bridge incident against a deployed stack', () => {
  beforeEach(() => {
    cfn.reset();
    ssm.reset();
    sm.reset();
    cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({
      Stacks: [
        {
          StackName: STACK,
          CreationTime: NOW,
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'KillSwitchParameter', OutputValue: PARAMETER },
            { OutputKey: 'CrmReadSecretArn', OutputValue: READ_ARN },
            { OutputKey: 'CrmWriteSecretArn', OutputValue: WRITE_ARN },
            { OutputKey: 'AuditBucket', OutputValue: BUCKET },
            { OutputKey: 'AuditSigningKeyArn', OutputValue: SIGNING_KEY },
          ],
        },
      ],
    });
    ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: 'normal', Version: 3 } });
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    sm.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => ({
      ARN: input.SecretId,
      RotationEnabled: true,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      LastRotatedDate: new Date('2025-02-01T00:00:00.000Z'),
      NextRotationDate: new Date('2025-03-03T00:00:00.000Z'),
      VersionIdsToStages: { 'v-current': ['AWSCURRENT'], 'v-old': ['AWSPREVIOUS'] },
    }));
    sm.on(RotateSecretCommand).callsFake((input: { SecretId: string }) => ({ ARN: input.SecretId, VersionId: `v-new-${input.SecretId === READ_ARN ? 'read' : 'write'}` }));
  });

  it.each([
    ['freeze', 'frozen'],
    ['read-only', 'read-only'],
    ['resume', 'normal'],
  ])('%s overwrites the kill-switch parameter named by the stack output with %s', async (command, mode) => {
    // Act
    const { code, out } = await run(command, '--stack', STACK, '--region', 'eu-west-1');

    // Assess
    expect(code).toBe(0);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAMETER, Value: mode, Overwrite: true }]);
    expect(out).toContain(`Kill switch ${PARAMETER}: normal -> ${mode}.`);
    if (mode === 'normal') expect(out).not.toContain('bridge audit query');
    else {
      expect(out).toContain(`npx bridge audit query --bucket ${BUCKET} --from 2025-03-03T10:00:00.000Z --outcome denied`);
      expect(out).toContain(`npx bridge audit verify --bucket ${BUCKET} --from 2025-03-03T10:00:00.000Z --key-id ${SIGNING_KEY}`);
    }
  });

  it('rotate-now starts a rotation of both CRM secrets, read first, and says how to follow it', async () => {
    // Act
    const { code, out } = await run('rotate-now', '--stack', STACK);

    // Assess
    expect(code).toBe(0);
    expect(sm.commandCalls(RotateSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: READ_ARN, RotateImmediately: true },
      { SecretId: WRITE_ARN, RotateImmediately: true },
    ]);
    expect(out).toContain(`Started rotating the read secret (${READ_ARN}), version v-new-read`);
    expect(out).toContain(`Started rotating the write secret (${WRITE_ARN}), version v-new-write`);
    expect(out).toContain(`npx bridge audit query --bucket ${BUCKET}`);
  });

  it('rotate-now --secret write rotates only the write secret; --json prints the result', async () => {
    // Act
    const { code, out } = await run('rotate-now', '--secret', 'write', '--stack', STACK, '--json');

    // Assess
    expect(code).toBe(0);
    expect(sm.commandCalls(RotateSecretCommand).map((c) => c.args[0].input.SecretId)).toEqual([WRITE_ARN]);
    expect(JSON.parse(out)).toEqual({ rotations: [{ secret: 'write', secretId: WRITE_ARN, versionId: 'v-new-write', completed: false }] });
  });

  it('rotate-now refuses while an earlier rotation is unfinished, and says how to clear it', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ RotationEnabled: true, VersionIdsToStages: { 'v-current': ['AWSCURRENT'], 'v-stuck': ['AWSPENDING'] } });

    // Act
    const { code, err } = await run('rotate-now', '--stack', STACK);

    // Assess
    expect(code).toBe(1);
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
    expect(err).toContain('version v-stuck is still AWSPENDING');
    expect(err).toContain(`aws secretsmanager update-secret-version-stage --secret-id ${READ_ARN} --version-stage AWSPENDING --remove-from-version-id v-stuck`);
  });

  it('rotate-now refuses a secret without rotation configured', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ RotationEnabled: false, VersionIdsToStages: { 'v-current': ['AWSCURRENT'] } });

    // Act
    const { code, err } = await run('rotate-now', '--stack', STACK);

    // Assess
    expect(code).toBe(1);
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
    expect(err).toContain('rotation is not configured on the read secret');
  });

  it('status reports the mode and each secret’s rotation state', async () => {
    // Act
    const { code, out } = await run('status', '--stack', STACK, '--json');

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      mode: 'normal',
      secrets: [
        { secret: 'read', secretId: READ_ARN, rotationEnabled: true, schedule: 'rate(30 days)', lastRotated: '2025-02-01T00:00:00.000Z', nextRotation: '2025-03-03T00:00:00.000Z' },
        { secret: 'write', secretId: WRITE_ARN, rotationEnabled: true, schedule: 'rate(30 days)', lastRotated: '2025-02-01T00:00:00.000Z', nextRotation: '2025-03-03T00:00:00.000Z' },
      ],
    });
  });

  it('names the failing call when the stack cannot be read, and changes nothing', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' }));

    // Act
    const { code, err } = await run('freeze', '--stack', STACK);

    // Assess
    expect(code).toBe(1);
    expect(err).toBe(`bridge incident: could not describe stack ${STACK}: ValidationError: Stack with id ${STACK} does not exist\n`);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('says which output is missing from a stack that is not a bridge', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', CreationTime: NOW, StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });

    // Act
    const { code, err } = await run('freeze', '--stack', 'Other');

    // Assess
    expect(code).toBe(1);
    expect(err).toContain('stack Other has no output KillSwitchParameter');
  });

  it.each([
    [['freeze'], 'give --stack NAME'],
    [['freeze', '--stack', STACK, '--local', 'http://127.0.0.1:1'], 'either --stack or --local'],
    [['freeze', '--local', 'not a url'], '--local must be a URL'],
    [['freeze', '--stack', STACK, '--secret', 'read'], '--secret goes with rotate-now only'],
    [['rotate-now', '--stack', STACK, '--secret', 'hmac'], '--secret must be read, write or all'],
    [['thaw', '--stack', STACK], "unknown subcommand 'thaw'"],
    [['freeze', '--stack', STACK, '--force'], "Unknown option '--force'"],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    // Act
    const { code, err } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage:');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});

describe.each(['salesforce', 'hubspot'] as const)('bridge incident against the local runtime (%s)', (crm) => {
  let bridge: LocalBridge;
  const fields = crm === 'salesforce' ? ['Id', 'LastName'] : ['lastname'];
  const query = async () => {
    const res = await fetch(`${bridge.url}/v1/records/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [LOCAL_PRINCIPAL_HEADER]: LOCAL_PRINCIPALS.support },
      body: JSON.stringify({ object: 'Contact', fields, limit: 2, purpose: 'support' }),
    });
    return { status: res.status, body: (await res.json()) as { records?: unknown[]; error?: { code: string } } };
  };
  const readCredentials = (): Promise<CrmCredentials> => bridge.crmSecrets.credentials('read')();

  beforeAll(async () => {
    bridge = await startLocalBridge({ crm, crmDeadlineMs: 1_500 });
  });
  afterAll(() => bridge.close());

  it('freeze refuses queries with 503 BRIDGE_FROZEN, read-only still reads, resume serves again', async () => {
    // Act
    const frozen = await run('freeze', '--local', bridge.url);
    const whileFrozen = await query();
    const readOnly = await run('read-only', '--local', bridge.url);
    const whileReadOnly = await query();
    const resumed = await run('resume', '--local', bridge.url);
    const afterResume = await query();

    // Assess
    expect([frozen.code, readOnly.code, resumed.code]).toEqual([0, 0, 0]);
    expect(frozen.out).toContain(`Kill switch ${bridge.url} (local): normal -> frozen.`);
    expect(frozen.out).toContain(`npx bridge audit query --bucket bridge-audit --endpoint ${bridge.s3Endpoint}`);
    expect(whileFrozen.status).toBe(503);
    expect(whileFrozen.body.error?.code).toBe('BRIDGE_FROZEN');
    expect(readOnly.out).toContain('frozen -> read-only');
    expect(whileReadOnly.status).toBe(200);
    expect(resumed.out).toContain('read-only -> normal');
    expect(afterResume.status).toBe(200);
    expect(await bridge.killSwitch.mode()).toBe('normal');
  });

  it('rotate-now replaces the sandbox credentials, revokes the old ones, and queries keep working', async () => {
    // Prepare
    const before = await readCredentials();
    const rotator = new OAuthCredentialRotator({ kind: crm, baseUrl: bridge.sandbox.url });

    // Act
    const { code, out } = await run('rotate-now', '--local', bridge.url);
    const after = await readCredentials();
    // Drop every access token, so the next query must exchange the new credential.
    bridge.sandbox.clients.expireTokens();
    const reply = await query();
    const oldRefused = await failure(rotator.verify(before));

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/Rotated the read secret \(local\/crm-read\): version [0-9a-f-]{36} is current/);
    expect(out).toContain('Rotated the write secret (local/crm-write)');
    expect(after).not.toEqual(before);
    await rotator.verify(after);
    expect(oldRefused.code).toBe('CRM_REJECTED');
    expect(reply.status).toBe(200);
    expect(reply.body.records?.length).toBeGreaterThan(0);
  });

  it('status shows the mode and the rotated versions', async () => {
    // Act
    const { code, out } = await run('status', '--local', bridge.url, '--json');

    // Assess
    const status = JSON.parse(out) as { mode: string; secrets: { secret: string; lastRotated?: string; pendingVersion?: string }[] };
    expect(code).toBe(0);
    expect(status.mode).toBe('normal');
    expect(status.secrets.map((s) => s.secret)).toEqual(['read', 'write']);
    for (const s of status.secrets) {
      expect(s.lastRotated).toBeDefined();
      expect(s.pendingVersion).toBeUndefined();
    }
  });
});

describe('bridge incident rotate-now when the CRM fails (local, salesforce)', () => {
  let bridge: LocalBridge;
  beforeAll(async () => {
    bridge = await startLocalBridge({ crm: 'salesforce', crmDeadlineMs: 1_500 });
  });
  afterAll(() => bridge.close());

  it('fails with exit 1, keeps the current credential and leaves no pending version, so a retry succeeds', async () => {
    // Prepare
    const before = await bridge.crmSecrets.credentials('read')();
    bridge.sandbox.faults.set('500', 100);

    // Act
    const failed = await run('rotate-now', '--secret', 'read', '--local', bridge.url);
    const kept = await bridge.crmSecrets.credentials('read')();
    const stages = bridge.crmSecrets.status().read.flatMap((v) => v.stages);
    bridge.sandbox.faults.set('none');
    const retried = await run('rotate-now', '--secret', 'read', '--local', bridge.url);

    // Assess
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('502 CRM_UNAVAILABLE: rotating the read secret failed, its current credential is unchanged');
    expect(kept).toEqual(before);
    expect(stages).toEqual(['AWSCURRENT']);
    expect(retried.code).toBe(0);
    expect(await bridge.crmSecrets.credentials('read')()).not.toEqual(before);
  });
});
