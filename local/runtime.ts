/**
 * The whole bridge on one machine, with nothing from AWS: the same AgentService and handler
 * code as the Lambda, over real wire protocols — dynalite (DynamoDB), s3rver (S3), the
 * sandbox CRM (Salesforce REST / HubSpot CRM v3) — with a local signing key and a local
 * vault key instead of KMS. Backs `npm start` and the e2e tests.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { S3AuditStore } from '../lambda/adapters/audit-store-s3';
import { connectorFor } from '../lambda/adapters/crm';
import { LocalSigner } from '../lambda/adapters/local-signer';
import { readBundleDir } from '../lambda/adapters/policy-files';
import { DynamoDbRequestStore } from '../lambda/adapters/request-store-dynamodb';
import { LocalDataKeyProvider } from '../lambda/adapters/vault-crypto';
import { DynamoDbVault } from '../lambda/adapters/vault-dynamodb';
import { AgentService, type AuditPort } from '../lambda/core/agent-service';
import { DEFAULT_DIGEST_JOB_CONFIG, runDigestJob, type DigestJobResult } from '../lambda/core/audit/digest-job';
import type { AuditEvent } from '../lambda/core/audit/event';
import { BridgeError } from '../lambda/core/errors';
import { parseMode, type BridgeMode, type KillSwitch } from '../lambda/core/kill-switch';
import { PolicyEngine } from '../lambda/core/policy';
import { RuntimeConfigSchema, type RuntimeConfig } from '../lambda/core/runtime-config';
import type { CrmKind } from '../lambda/core/types';
import { AGENT_ROUTES, agentApiHandler } from '../lambda/handlers/agent-api-routes';
import { errorResponse, json, MAX_BODY_BYTES, parseJsonBody } from '../lambda/handlers/http';
import { startHttpFront, type Route } from './http-front';
import { startLocalDynamo, startLocalS3 } from './emulators';
import { startSandboxCrm, type SandboxCrm } from './sandbox-crm';

export const LOCAL_ACCOUNT = '000000000000';
const role = (name: string) => `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;

/** The local identities: each maps to a role ARN sent in the x-bridge-principal header. */
export const LOCAL_PRINCIPALS = {
  support: role('support-agent'),
  sales: role('sales-agent'),
  approver: role('approver-alice'),
} as const;

export const LOCAL_TABLES = { requests: 'bridge-requests', vault: 'bridge-vault' } as const;
export const LOCAL_AUDIT_BUCKET = 'bridge-audit';

/** The local deployment: agents matching the shipped example policies. */
export function localRuntimeConfig(crm: CrmKind): RuntimeConfig {
  return RuntimeConfigSchema.parse({
    crm: { kind: crm, instanceHost: '127.0.0.1' },
    agents: {
      'support-agent': { principals: [LOCAL_PRINCIPALS.support], actions: ['Read', 'IssueRefund'], team: 'support', territories: ['EMEA', 'NA'], tier: 'gold' },
      'sales-agent': { principals: [LOCAL_PRINCIPALS.sales], actions: ['Read', 'ProposeCreate', 'ProposeUpdate'], team: 'sales', territories: ['EMEA'], tier: 'standard' },
    },
    approvers: { alice: { principals: [LOCAL_PRINCIPALS.approver] } },
  });
}

/** The local stand-in for the SSM kill-switch parameter. */
export class LocalKillSwitch implements KillSwitch {
  private current: BridgeMode = 'normal';
  async mode(): Promise<BridgeMode> {
    return this.current;
  }
  set(mode: BridgeMode): void {
    this.current = mode;
  }
}

/** Wraps the audit sink so tests and operators can make it fail on purpose (fail-closed drills). */
export class SwitchableAudit implements AuditPort {
  failing = false;
  constructor(private readonly inner: AuditPort) {}
  async write(event: AuditEvent): Promise<void> {
    if (this.failing) throw new BridgeError('AUDIT_UNAVAILABLE', 'local audit sink is switched off');
    await this.inner.write(event);
  }
}

export interface LocalBridgeOptions {
  readonly crm?: CrmKind;
  readonly port?: number;
  readonly seed?: number;
  /** Policy bundle directory (default: the repo's policies/). */
  readonly policyDir?: string;
  /** Overall budget of one CRM call (default 5 s). */
  readonly crmDeadlineMs?: number;
  /** Length of a local digest period; the deployed job's default is 15 minutes. */
  readonly digestPeriodMinutes?: number;
}

export interface LocalBridge {
  readonly url: string;
  readonly crmKind: CrmKind;
  readonly config: RuntimeConfig;
  readonly sandbox: SandboxCrm;
  readonly killSwitch: LocalKillSwitch;
  readonly audit: SwitchableAudit;
  readonly auditStore: S3AuditStore;
  readonly s3Endpoint: string;
  readonly signer: LocalSigner;
  /** Runs the audit digest job once over the local store, as the scheduled Lambda does. */
  runDigestJob(now?: Date): Promise<DigestJobResult>;
  close(): Promise<void>;
}

export async function startLocalBridge(options: LocalBridgeOptions = {}): Promise<LocalBridge> {
  const crmKind = options.crm ?? 'salesforce';
  const config = localRuntimeConfig(crmKind);
  const [dynamo, s3, sandbox, bundle] = await Promise.all([
    startLocalDynamo(),
    startLocalS3([LOCAL_AUDIT_BUCKET]),
    startSandboxCrm({ seed: options.seed ?? 1 }),
    readBundleDir(options.policyDir ?? join(__dirname, '..', 'policies')),
  ]);
  await Promise.all(Object.values(LOCAL_TABLES).map((t) => dynamo.createTable(t)));
  const readCredentials = sandbox.clients.credentials(crmKind, 'read');
  const killSwitch = new LocalKillSwitch();
  const auditStore = new S3AuditStore({ client: s3.client, bucket: LOCAL_AUDIT_BUCKET });
  const audit = new SwitchableAudit(auditStore);
  const service = new AgentService({
    config,
    policy: PolicyEngine.fromBundles([bundle]),
    crm: connectorFor(crmKind, { baseUrl: sandbox.url, credentials: async () => readCredentials, deadlineMs: options.crmDeadlineMs ?? 5_000 }),
    vault: new DynamoDbVault(dynamo.doc, LOCAL_TABLES.vault, new LocalDataKeyProvider(randomBytes(32))),
    audit,
    requests: new DynamoDbRequestStore(dynamo.doc, LOCAL_TABLES.requests),
    killSwitch,
    hmacKey: randomBytes(32),
  });
  const agentHandler = agentApiHandler(async () => service);
  const routes: Route[] = [
    ...AGENT_ROUTES.map((r) => ({ ...r, handler: agentHandler })),
    { method: 'POST', path: '/local/kill-switch', handler: localControl((body) => killSwitch.set(parseMode(String(body.mode)))) },
  ];
  const front = await startHttpFront(routes, { port: options.port, maxBodyBytes: MAX_BODY_BYTES });
  const signer = new LocalSigner('local-signing-key');
  const digestConfig = { ...DEFAULT_DIGEST_JOB_CONFIG, periodMinutes: options.digestPeriodMinutes ?? 1, bridgeVersion: 'local' };
  return {
    url: front.url,
    crmKind,
    config,
    sandbox,
    killSwitch,
    audit,
    auditStore,
    s3Endpoint: s3.endpoint,
    signer,
    runDigestJob: (now = new Date()) => runDigestJob({ store: auditStore, signer, config: digestConfig, now }),
    close: async () => {
      await new Promise<void>((resolve) => front.server.close(() => resolve()));
      await Promise.all([dynamo.stop(), s3.stop(), sandbox.close()]);
    },
  };
}

/** Operator controls of the local runtime (the deployed bridge uses SSM and the `bridge incident` CLI). */
function localControl(apply: (body: Record<string, unknown>) => void) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const body = parseJsonBody(event);
      if (typeof body !== 'object' || body === null) throw new BridgeError('VALIDATION_FAILED', 'send a JSON object');
      apply(body as Record<string, unknown>);
      return json(200, { ok: true });
    } catch (e) {
      return errorResponse(e, event.requestContext.requestId);
    }
  };
}
