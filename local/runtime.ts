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
import { DynamoDbJtiStore } from '../lambda/adapters/jti-store-dynamodb';
import { DynamoDbRequestStore } from '../lambda/adapters/request-store-dynamodb';
import { DataKeySealer } from '../lambda/adapters/sealer';
import { LocalDataKeyProvider } from '../lambda/adapters/vault-crypto';
import { DynamoDbVault } from '../lambda/adapters/vault-dynamodb';
import { AgentService, type AuditPort } from '../lambda/core/agent-service';
import { ActionsService } from '../lambda/core/approvals/actions-service';
import { ApproverService } from '../lambda/core/approvals/approver-service';
import { buildApprovalSteps, type ApprovalSteps } from '../lambda/core/approvals/flow';
import type { ApprovalNotice, NotifierPort } from '../lambda/core/approvals/ports';
import { DEFAULT_DIGEST_JOB_CONFIG, runDigestJob, type DigestJobResult } from '../lambda/core/audit/digest-job';
import type { AuditEvent } from '../lambda/core/audit/event';
import { DECISION_TOKEN } from '../lambda/core/constants';
import { BridgeError } from '../lambda/core/errors';
import { parseMode, type BridgeMode, type KillSwitch } from '../lambda/core/kill-switch';
import { PolicyEngine } from '../lambda/core/policy';
import { DecisionTokenVerifier } from '../lambda/core/tokens';
import type { RuntimeConfig } from '../lambda/core/runtime-config';
import type { RequestStore } from '../lambda/core/requests';
import type { CrmKind } from '../lambda/core/types';
import { AGENT_ACTIONS_ROUTES, agentActionsHandler } from '../lambda/handlers/agent-actions-routes';
import { AGENT_ROUTES, agentApiHandler } from '../lambda/handlers/agent-api-routes';
import { APPROVER_ROUTES, approverApiHandler } from '../lambda/handlers/approver-api-routes';
import { errorResponse, json, MAX_BODY_BYTES, parseJsonBody } from '../lambda/handlers/http';
import { startHttpFront, type Route } from './http-front';
import { startLocalDynamo, startLocalS3 } from './emulators';
import { startSandboxCrm, type SandboxCrm } from './sandbox-crm';
import { LocalCrmSecrets, localIncidentRoutes } from './crm-secrets';
import { LOCAL_PRINCIPALS, localRuntimeConfig } from './local-config';
import { localStateMachine } from './state-machine';
import { LocalStepFunctions, withApprovalTimeout } from './step-functions';

export { LOCAL_ACCOUNT, LOCAL_PRINCIPALS, localRuntimeConfig } from './local-config';

export const LOCAL_TABLES = { requests: 'bridge-requests', vault: 'bridge-vault', jti: 'bridge-jti' } as const;
export const LOCAL_AUDIT_BUCKET = 'bridge-audit';

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

/** Stands in for the SNS topic and Slack: keeps every notice and tells the operator's console how to decide. */
export class LocalNotifier implements NotifierPort {
  readonly notices: ApprovalNotice[] = [];
  constructor(private readonly log?: (line: string) => void) {}
  async notify(notice: ApprovalNotice): Promise<void> {
    this.notices.push(notice);
    this.log?.(`approval needed: ${notice.summary} — npx bridge approvals show ${notice.requestId} --local-principal ${LOCAL_PRINCIPALS.approver} --endpoint <url>`);
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
  /**
   * Shortens WaitForApproval's timeout in the synthesized definition (tests of the timeout path).
   * @default the synthesized value, approvals.timeoutMinutes × 60
   */
  readonly approvalTimeoutSeconds?: number;
  /** Where approval notices are logged (npm start prints them). @default not logged */
  readonly log?: (line: string) => void;
  /** Adjusts the local deployment's identities (drills and tests, e.g. a principal that is both agent and approver). */
  readonly config?: (base: RuntimeConfig) => RuntimeConfig;
  /**
   * Wraps the state machine's steps (drills and tests, e.g. tampering with a request between IssueDecisionToken and
   * Execute to show the token refuses it). The steps themselves are the Lambda functions' code.
   */
  readonly interceptSteps?: (steps: ApprovalSteps, requests: RequestStore) => ApprovalSteps;
}

export interface LocalBridge {
  readonly url: string;
  readonly crmKind: CrmKind;
  readonly config: RuntimeConfig;
  readonly sandbox: SandboxCrm;
  readonly killSwitch: LocalKillSwitch;
  /** The CRM integration users' credentials, as Secrets Manager holds them when deployed; `POST /local/rotate-now` rotates them. */
  readonly crmSecrets: LocalCrmSecrets;
  readonly audit: SwitchableAudit;
  readonly auditStore: S3AuditStore;
  readonly s3Endpoint: string;
  readonly signer: LocalSigner;
  /** Signs decision tokens (the decision key; a key apart from the digest signer, as deployed). */
  readonly decisionSigner: LocalSigner;
  /** The approval state machine (synthesized ASL on aws-local-stepfunctions): executions by request id. */
  readonly stepFunctions: LocalStepFunctions;
  readonly notifier: LocalNotifier;
  /** Runs the audit digest job once over the local store, as the scheduled Lambda does. */
  runDigestJob(now?: Date): Promise<DigestJobResult>;
  close(): Promise<void>;
}

export async function startLocalBridge(options: LocalBridgeOptions = {}): Promise<LocalBridge> {
  const crmKind = options.crm ?? 'salesforce';
  const config = options.config ? options.config(localRuntimeConfig(crmKind)) : localRuntimeConfig(crmKind);
  const [dynamo, s3, sandbox, bundle] = await Promise.all([
    startLocalDynamo(),
    startLocalS3([LOCAL_AUDIT_BUCKET]),
    startSandboxCrm({ seed: options.seed ?? 1 }),
    readBundleDir(options.policyDir ?? join(__dirname, '..', 'policies')),
  ]);
  await Promise.all(Object.values(LOCAL_TABLES).map((t) => dynamo.createTable(t, { statusIndex: t === LOCAL_TABLES.requests })));
  const crmSecrets = new LocalCrmSecrets(sandbox, crmKind);
  const killSwitch = new LocalKillSwitch();
  const auditStore = new S3AuditStore({ client: s3.client, bucket: LOCAL_AUDIT_BUCKET });
  const audit = new SwitchableAudit(auditStore);
  const policy = PolicyEngine.fromBundles([bundle]);
  const connector = (user: 'read' | 'write') =>
    connectorFor(crmKind, { baseUrl: sandbox.url, credentials: crmSecrets.credentials(user), deadlineMs: options.crmDeadlineMs ?? 5_000 });
  const [reader, writer] = [connector('read'), connector('write')];
  // One local master key stands in for the data CMK: vault entries, task tokens and approved results.
  const dataKeys = new LocalDataKeyProvider(randomBytes(32));
  const sealer = new DataKeySealer(dataKeys);
  const vault = new DynamoDbVault(dynamo.doc, LOCAL_TABLES.vault, dataKeys);
  const requests = new DynamoDbRequestStore(dynamo.doc, LOCAL_TABLES.requests);
  const hmacKey = randomBytes(32);
  const decisionSigner = new LocalSigner('local-decision-key');
  const verifier = new DecisionTokenVerifier({
    keys: { [decisionSigner.keyId]: await decisionSigner.publicKeyPem() },
    issuer: DECISION_TOKEN.ISSUER,
    audience: DECISION_TOKEN.AUDIENCE,
    jtiStore: new DynamoDbJtiStore(dynamo.doc, LOCAL_TABLES.jti),
  });
  const notifier = new LocalNotifier(options.log);
  const machine = withApprovalTimeout(localStateMachine(), options.approvalTimeoutSeconds);
  const steps = buildApprovalSteps({
    config,
    requests,
    audit,
    review: { hmacKey },
    wait: { sealer, notifier, timeoutSeconds: machine.approvalTimeoutSeconds },
    token: { policy, signer: decisionSigner },
    execute: { killSwitch, verifier, writer, reader, vault, sealer, hmacKey },
  });
  const stepFunctions = new LocalStepFunctions(machine, options.interceptSteps ? options.interceptSteps(steps, requests) : steps);
  const agentService = new AgentService({ config, policy, crm: reader, vault, audit, requests, killSwitch, flow: stepFunctions, sealer, hmacKey });
  const actionsService = new ActionsService({ config, policy, signer: decisionSigner, verifier, writer, vault, audit, killSwitch });
  const approverService = new ApproverService({ config, policy, requests, audit, killSwitch, sealer, tasks: stepFunctions, crm: reader, hmacKey });
  const mount = <R extends { method: string; path: string }>(list: readonly R[], handler: Route['handler']): Route[] => list.map((r) => ({ method: r.method, path: r.path, handler }));
  const routes: Route[] = [
    ...mount(AGENT_ROUTES, agentApiHandler(async () => agentService)),
    ...mount(AGENT_ACTIONS_ROUTES, agentActionsHandler(async () => actionsService)),
    ...mount(APPROVER_ROUTES, approverApiHandler(async () => approverService)),
    { method: 'POST', path: '/local/kill-switch', handler: localControl((body) => killSwitch.set(parseMode(String(body.mode)))) },
    ...localIncidentRoutes(crmSecrets, killSwitch, { bucket: LOCAL_AUDIT_BUCKET, endpoint: s3.endpoint }),
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
    crmSecrets,
    audit,
    auditStore,
    s3Endpoint: s3.endpoint,
    signer,
    decisionSigner,
    stepFunctions,
    notifier,
    runDigestJob: (now = new Date()) => runDigestJob({ store: auditStore, signer, config: digestConfig, now }),
    close: async () => {
      stepFunctions.stop();
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
