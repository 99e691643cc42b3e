/**
 * `bridge incident freeze | read-only | resume | rotate-now | status`: the kill switch and an
 * immediate credential rotation, against a deployed stack (its CloudFormation outputs, then SSM
 * and Secrets Manager) or the local runtime (its /local routes). See the README, Incident runbook.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { BridgeMode } from '../lambda/core/kill-switch';
import { STAGE } from '../lambda/core/rotation';

const USAGE = `Usage:
  bridge incident freeze      (--stack NAME [--region R] | --local URL) [--json]
  bridge incident read-only   (--stack NAME [--region R] | --local URL) [--json]
  bridge incident resume      (--stack NAME [--region R] | --local URL) [--json]
  bridge incident rotate-now  [--secret read|write|all] (--stack NAME [--region R] | --local URL) [--json]
  bridge incident status      (--stack NAME [--region R] | --local URL) [--json]

freeze refuses every call (503 BRIDGE_FROZEN); read-only refuses writes (403 BRIDGE_READ_ONLY);
resume returns to normal. The deployed proxy applies a change within about 5 seconds.
rotate-now rotates the CRM integration users' OAuth credentials now (default: both) through
the stack's rotation function; the previous credential is revoked at the CRM once the new one
is current. status shows the kill-switch mode and each secret's rotation state.
--stack reads the stack's outputs (KillSwitchParameter, CrmReadSecretArn, CrmWriteSecretArn,
AuditBucket, AuditSigningKeyArn) with your AWS credentials; --region defaults to $AWS_REGION.
--local targets the local runtime (npm start), e.g. --local http://127.0.0.1:8787.
Exit 0 on success, 1 when the change failed, 2 on usage errors.`;

const MODE_OF = { freeze: 'frozen', 'read-only': 'read-only', resume: 'normal' } as const satisfies Record<string, BridgeMode>;
const SECRET_OUTPUTS = { read: 'CrmReadSecretArn', write: 'CrmWriteSecretArn' } as const;
type CrmUser = keyof typeof SECRET_OUTPUTS;
/** How far back the suggested audit review looks. */
const REVIEW_WINDOW_MS = 24 * 3_600_000;

class UsageError extends Error {}
/** A change that could not be made; the message says what and how to proceed. */
class IncidentError extends Error {}

export interface ModeChange {
  readonly where: string;
  readonly previous: string | undefined;
  readonly mode: BridgeMode;
}
export interface RotationStarted {
  readonly secret: CrmUser;
  readonly secretId: string;
  readonly versionId: string;
  /** Deployed: Secrets Manager runs the steps now, after the command returns. Local: already done. */
  readonly completed: boolean;
}
export interface SecretStatus {
  readonly secret: CrmUser;
  readonly secretId: string;
  readonly rotationEnabled: boolean;
  readonly schedule?: string;
  readonly lastRotated?: string;
  readonly nextRotation?: string;
  /** A version staged AWSPENDING and not current: a rotation in progress, or one that failed. */
  readonly pendingVersion?: string;
}
export interface BridgeStatus {
  readonly mode: string | undefined;
  readonly secrets: readonly SecretStatus[];
}
/** Where the audit events of the bridge are, for the follow-up commands. */
export interface AuditLocation {
  readonly bucket: string;
  /** An S3-compatible server (the local runtime's). */
  readonly endpoint?: string;
  /** The KMS key that signs digests, for `audit verify --key-id`. */
  readonly keyId?: string;
}

/** What the commands act on: a deployed stack or the local runtime. */
export interface IncidentTarget {
  setMode(mode: BridgeMode): Promise<ModeChange>;
  rotateNow(secrets: readonly CrmUser[]): Promise<RotationStarted[]>;
  status(): Promise<BridgeStatus>;
  audit(): Promise<AuditLocation | undefined>;
}

/** The deployed bridge: the stack's outputs name the parameter and secrets; SSM and Secrets Manager change them. */
export class DeployedTarget implements IncidentTarget {
  private readonly cfn: CloudFormationClient;
  private readonly ssm: SSMClient;
  private readonly secrets: SecretsManagerClient;
  private outputs?: Promise<Record<string, string>>;

  constructor(
    private readonly stackName: string,
    region: string | undefined,
  ) {
    const config = region ? { region } : {};
    this.cfn = new CloudFormationClient(config);
    this.ssm = new SSMClient(config);
    this.secrets = new SecretsManagerClient(config);
  }

  async setMode(mode: BridgeMode): Promise<ModeChange> {
    const name = await this.output('KillSwitchParameter');
    const previous = await call(`read ${name}`, () => this.ssm.send(new GetParameterCommand({ Name: name })));
    await call(`write ${name}`, () => this.ssm.send(new PutParameterCommand({ Name: name, Value: mode, Overwrite: true })));
    return { where: name, previous: previous.Parameter?.Value, mode };
  }

  async rotateNow(users: readonly CrmUser[]): Promise<RotationStarted[]> {
    const started: RotationStarted[] = [];
    for (const secret of users) {
      const secretId = await this.output(SECRET_OUTPUTS[secret]);
      const state = await this.secretStatus(secret, secretId);
      if (!state.rotationEnabled) throw new IncidentError(`rotation is not configured on the ${secret} secret (${secretId}); deploy the stack, which attaches the rotation function`);
      if (state.pendingVersion) {
        throw new IncidentError(
          `a previous rotation of the ${secret} secret did not finish (version ${state.pendingVersion} is still ${STAGE.PENDING}); read the rotation function's log, then clear it with ` +
            `aws secretsmanager update-secret-version-stage --secret-id ${secretId} --version-stage ${STAGE.PENDING} --remove-from-version-id ${state.pendingVersion}`,
        );
      }
      const out = await call(`rotate the ${secret} secret`, () => this.secrets.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true })));
      started.push({ secret, secretId, versionId: out.VersionId ?? 'unknown', completed: false });
    }
    return started;
  }

  async status(): Promise<BridgeStatus> {
    const name = await this.output('KillSwitchParameter');
    const parameter = await call(`read ${name}`, () => this.ssm.send(new GetParameterCommand({ Name: name })));
    const secrets = await Promise.all((Object.keys(SECRET_OUTPUTS) as CrmUser[]).map(async (s) => this.secretStatus(s, await this.output(SECRET_OUTPUTS[s]))));
    return { mode: parameter.Parameter?.Value, secrets };
  }

  async audit(): Promise<AuditLocation | undefined> {
    const { AuditBucket: bucket, AuditSigningKeyArn: keyId } = await this.stackOutputs();
    return bucket ? { bucket, ...(keyId ? { keyId } : {}) } : undefined;
  }

  private async secretStatus(secret: CrmUser, secretId: string): Promise<SecretStatus> {
    const d = await call(`describe the ${secret} secret`, () => this.secrets.send(new DescribeSecretCommand({ SecretId: secretId })));
    const pending = Object.entries(d.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(STAGE.PENDING) && !stages.includes(STAGE.CURRENT));
    return {
      secret,
      secretId,
      rotationEnabled: d.RotationEnabled === true,
      ...(d.RotationRules?.ScheduleExpression ? { schedule: d.RotationRules.ScheduleExpression } : {}),
      ...(d.LastRotatedDate ? { lastRotated: d.LastRotatedDate.toISOString() } : {}),
      ...(d.NextRotationDate ? { nextRotation: d.NextRotationDate.toISOString() } : {}),
      ...(pending ? { pendingVersion: pending[0] } : {}),
    };
  }

  private async output(key: string): Promise<string> {
    const value = (await this.stackOutputs())[key];
    if (!value) throw new IncidentError(`stack ${this.stackName} has no output ${key}; is it a crm-agent-bridge stack deployed from this version?`);
    return value;
  }

  private stackOutputs(): Promise<Record<string, string>> {
    this.outputs ??= call(`describe stack ${this.stackName}`, () => this.cfn.send(new DescribeStacksCommand({ StackName: this.stackName }))).then((out) => {
      const stack = out.Stacks?.[0];
      if (!stack) throw new IncidentError(`stack ${this.stackName} not found`);
      return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
    });
    return this.outputs;
  }
}

/** The local runtime (`npm start`): its operator routes. */
export class LocalTarget implements IncidentTarget {
  constructor(private readonly url: string) {}

  async setMode(mode: BridgeMode): Promise<ModeChange> {
    const { mode: previous } = await this.request<{ mode: string }>('GET', '/local/status');
    await this.request('POST', '/local/kill-switch', { mode });
    return { where: `${this.url} (local)`, previous, mode };
  }

  async rotateNow(users: readonly CrmUser[]): Promise<RotationStarted[]> {
    const secret = users.length === 1 ? users[0] : 'all';
    const { rotated } = await this.request<{ rotated: { secret: CrmUser; versionId: string }[] }>('POST', '/local/rotate-now', { secret });
    return rotated.map((r) => ({ secret: r.secret, secretId: `local/crm-${r.secret}`, versionId: r.versionId, completed: true }));
  }

  async status(): Promise<BridgeStatus> {
    const s = await this.request<{ mode: string; secrets: Record<CrmUser, { versionId: string; stages: string[]; created: string }[]> }>('GET', '/local/status');
    return {
      mode: s.mode,
      secrets: (Object.keys(SECRET_OUTPUTS) as CrmUser[]).map((secret) => {
        const versions = s.secrets[secret] ?? [];
        const current = versions.find((v) => v.stages.includes(STAGE.CURRENT));
        const pending = versions.find((v) => v.stages.includes(STAGE.PENDING) && !v.stages.includes(STAGE.CURRENT));
        return {
          secret,
          secretId: `local/crm-${secret}`,
          rotationEnabled: true,
          ...(current ? { lastRotated: current.created } : {}),
          ...(pending ? { pendingVersion: pending.versionId } : {}),
        };
      }),
    };
  }

  async audit(): Promise<AuditLocation | undefined> {
    const s = await this.request<{ audit?: AuditLocation }>('GET', '/local/status');
    return s.audit;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.url), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new IncidentError(`the local bridge at ${this.url} did not answer (${(e as Error).message}); is npm start running?`);
    }
    const parsed = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (!res.ok) throw new IncidentError(`${method} ${path} answered ${res.status}${parsed?.error ? ` ${parsed.error.code}: ${parsed.error.message}` : ''}`);
    return parsed as T;
  }
}

/** Runs an AWS call; a failure names the call and the service's error, never a secret value. */
async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof IncidentError) throw e;
    const err = e as { name?: string; message?: string };
    throw new IncidentError(`could not ${what}: ${err.name ?? 'Error'}: ${err.message ?? ''}`.trim());
  }
}

/** The commands an operator runs next: review what happened while the switch was off, and verify the log. */
export function auditFollowUp(audit: AuditLocation | undefined, now: Date): string[] {
  if (!audit) return ['Review the audit log with `npx bridge audit query` (the stack has no AuditBucket output).'];
  const from = new Date(now.getTime() - REVIEW_WINDOW_MS).toISOString();
  const where = `--bucket ${audit.bucket}${audit.endpoint ? ` --endpoint ${audit.endpoint}` : ''}`;
  return [
    'Review the audit log (the last 24 hours; widen --from to when the incident began):',
    `  npx bridge audit query ${where} --from ${from} --outcome denied`,
    `  npx bridge audit query ${where} --from ${from} --agent <agent name>`,
    `  npx bridge audit verify ${where} --from ${from} ${audit.keyId ? `--key-id ${audit.keyId}` : '--public-key <PEM of the signing key>'}`,
  ];
}

function describeMode(change: ModeChange): string[] {
  const effect: Record<BridgeMode, string> = {
    frozen: 'every call is refused with 503 BRIDGE_FROZEN',
    'read-only': 'reads continue; proposals, actions and approved writes are refused with 403 BRIDGE_READ_ONLY',
    normal: 'the bridge serves reads and writes again',
  };
  return [
    `Kill switch ${change.where}: ${change.previous ?? '(unset)'} -> ${change.mode}.`,
    `Now ${effect[change.mode]} (the deployed proxy applies it within about 5 seconds).`,
    'The change itself is recorded by CloudTrail (ssm:PutParameter) when deployed, not in the bridge audit log.',
  ];
}

function describeRotations(started: readonly RotationStarted[]): string[] {
  return started.flatMap((r) =>
    r.completed
      ? [`Rotated the ${r.secret} secret (${r.secretId}): version ${r.versionId} is current; the previous credential is revoked at the CRM.`]
      : [
          `Started rotating the ${r.secret} secret (${r.secretId}), version ${r.versionId}: Secrets Manager runs createSecret, setSecret, testSecret, finishSecret now.`,
          '  Check with `bridge incident status` (lastRotated moves, no pending version); a failed step keeps the current credential.',
        ],
  );
}

function describeStatus(s: BridgeStatus): string[] {
  return [
    `Kill switch: ${s.mode ?? '(unset: the bridge treats it as frozen)'}`,
    ...s.secrets.map(
      (x) =>
        `${x.secret} secret ${x.secretId}: rotation ${x.rotationEnabled ? 'enabled' : 'NOT enabled'}` +
        `${x.schedule ? `, ${x.schedule}` : ''}${x.lastRotated ? `, last ${x.lastRotated}` : ''}${x.nextRotation ? `, next ${x.nextRotation}` : ''}` +
        `${x.pendingVersion ? `, PENDING version ${x.pendingVersion} (a rotation in progress or failed)` : ''}`,
    ),
  ];
}

function targetOf(v: { stack?: string; region?: string; local?: string }): IncidentTarget {
  if (v.stack && v.local) throw new UsageError('give either --stack or --local, not both');
  if (v.local) {
    if (!URL.canParse(v.local)) throw new UsageError(`--local must be a URL like http://127.0.0.1:8787, got '${v.local}'`);
    return new LocalTarget(v.local);
  }
  if (v.stack) return new DeployedTarget(v.stack, v.region ?? process.env.AWS_REGION);
  throw new UsageError('give --stack NAME (a deployed bridge) or --local URL (npm start)');
}

function secretsOf(raw: string | undefined): CrmUser[] {
  if (raw === undefined || raw === 'all') return ['read', 'write'];
  if (raw === 'read' || raw === 'write') return [raw];
  throw new UsageError(`--secret must be read, write or all, got '${raw}'`);
}

export async function main(args: string[], now: () => Date = () => new Date()): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  try {
    const { values: v } = parseArgs({
      args: rest,
      options: { stack: { type: 'string' }, region: { type: 'string' }, local: { type: 'string' }, secret: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    });
    if (v.secret !== undefined && sub !== 'rotate-now') throw new UsageError('--secret goes with rotate-now only');
    let result: unknown;
    let lines: string[];
    if (sub in MODE_OF) {
      const target = targetOf(v);
      const change = await target.setMode(MODE_OF[sub as keyof typeof MODE_OF]);
      result = change;
      lines = [...describeMode(change), ...(change.mode === 'normal' ? [] : auditFollowUp(await target.audit(), now()))];
    } else if (sub === 'rotate-now') {
      const users = secretsOf(v.secret);
      const target = targetOf(v);
      const started = await target.rotateNow(users);
      result = { rotations: started };
      lines = [...describeRotations(started), ...auditFollowUp(await target.audit(), now())];
    } else if (sub === 'status') {
      const status = await targetOf(v).status();
      result = status;
      lines = describeStatus(status);
    } else {
      throw new UsageError(`unknown subcommand '${sub}'`);
    }
    process.stdout.write(v.json ? `${JSON.stringify(result)}\n` : `${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bridge incident: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`bridge incident: ${(e as Error).message}\n`);
    return 1;
  }
}
