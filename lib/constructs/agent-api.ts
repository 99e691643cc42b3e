import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  ACCESS_LOG_FIELDS,
  AGENT_ACTIONS,
  API_ROUTES,
  APPROVAL_ENV,
  AUDIT_ENV,
  CRM_OBJECT_TYPES,
  ENV,
  FUNCTIONS,
  MAX_BODY_BYTES,
  PROPOSAL_OPS,
  VAULT_ENV,
  type ApiRoute,
  type FunctionRole as FunctionRoleName,
} from '../../lambda/core/constants';
import { BridgeConfig, DEFAULTS } from '../config';
import type { ApprovalFlow } from './approval-flow';
import { AUDIT_PREFIXES, AuditVault } from './audit-vault';
import { BridgeFunction } from './bridge-function';
import { CrmCredentials } from './crm-credentials';
import { DataTables } from './data-tables';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/**
 * Bounds the request model enforces before the proxy runs (lambda/core/query/limits.ts
 * QUERY_LIMITS; a test keeps both in step). The proxy's zod schema stays the full check.
 */
export const QUERY_MODEL_LIMITS = {
  maxFields: 50,
  maxIdentifierLength: 80,
  maxOrderBy: 3,
  maxLimit: 200,
  maxPurposeLength: 500,
  maxConversationIdLength: 128,
} as const;

/**
 * Bounds the write-path request models enforce (lambda/core/approvals/schemas.ts PROPOSAL_LIMITS and QUERY_LIMITS;
 * a test keeps them in step). The functions' zod schemas stay the full check.
 */
export const PROPOSAL_MODEL_LIMITS = {
  maxFields: 30,
  maxReasonLength: 1000,
  maxCommentLength: 1000,
  maxRecordIdLength: 64,
  maxTokenLength: 4096,
  maxConversationIdLength: 128,
} as const;

/** Actions an agent may ask to authorize or execute: every agent action but `Read`, which has its own route. */
export const WRITE_ACTIONS = AGENT_ACTIONS.filter((a) => a !== 'Read');

/** WAF's body inspection limit for API Gateway that covers MAX_BODY_BYTES (64 KiB). */
const WAF_BODY_INSPECTION_LIMIT = 'KB_64';

const CEDAR_WASM = 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';
const POLICY_FILES = ['bundle.json', 'schema.cedarschema', '*.cedar'];
/** Where a policy-deciding function's bundle carries the policy files (Lambda unpacks code to /var/task). */
export const POLICY_DIR_IN_BUNDLE = '/var/task/policies';
/** Cedar's WASM compiles faster with the CPU share of 1 GB. */
export const POLICY_FUNCTION_MEMORY_MB = 1024;
/** Above the CRM connector's 10 s deadline, below API Gateway's 29 s integration timeout. */
export const CRM_FUNCTION_TIMEOUT = Duration.seconds(25);

/** The handler file of a function role (constants FUNCTIONS). */
export function handlerEntry(role: FunctionRoleName): string {
  return join(__dirname, '..', '..', 'lambda', 'handlers', `${FUNCTIONS[role]}.ts`);
}

/** Bundling of a function that decides policy: Cedar's WASM and the policy bundle ship next to the code. */
export function policyBundling(): nodejs.BundlingOptions {
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cp "${inputDir}/${CEDAR_WASM}" "${outputDir}/"`,
        `mkdir -p "${outputDir}/policies"`,
        `cp ${POLICY_FILES.map((f) => `"${inputDir}/policies/"${f}`).join(' ')} "${outputDir}/policies/"`,
      ],
    },
  };
}
/** Lambda refuses a function whose environment exceeds 4 KB; keep room for the other variables. */
const MAX_RUNTIME_CONFIG_BYTES = 3072;
/** Length a CloudFormation-resolved role ARN may take in the runtime config. */
const ROLE_ARN_ALLOWANCE = 128;
/** Reserved (and maximum) concurrency of the agent actions and approver API functions. */
const ACTIONS_RESERVED_CONCURRENCY = 10;
const APPROVER_RESERVED_CONCURRENCY = 5;
const STAGE_NAME = 'live';

export interface AgentApiProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  readonly auditVault: AuditVault;
  readonly tables: DataTables;
  readonly credentials: CrmCredentials;
  /** The deployment config parts the functions run with (identities, CRM, catalog, untrusted-content action). */
  readonly runtime: Pick<BridgeConfig, 'crm' | 'agents' | 'approvers' | 'customFields' | 'untrustedAction'>;
  /**
   * Stage-wide steady requests per second.
   * @default DEFAULTS.api.throttleRateLimit (50)
   */
  readonly throttleRateLimit?: number;
  /**
   * Stage-wide burst.
   * @default DEFAULTS.api.throttleBurstLimit (100)
   */
  readonly throttleBurstLimit?: number;
  /**
   * Requests per caller IP per 5 minutes before the web ACL blocks the caller.
   * @default DEFAULTS.api.wafRateLimit (1000)
   */
  readonly wafRateLimit?: number;
  /**
   * Reserved (and maximum) concurrent executions of the proxy.
   * @default DEFAULTS.api.reservedConcurrency (20)
   */
  readonly reservedConcurrency?: number;
  /**
   * Reserved (and maximum) concurrent executions of the agent actions function (authorize, execute).
   * @default 10
   */
  readonly actionsReservedConcurrency?: number;
  /**
   * Reserved (and maximum) concurrent executions of the approver API function.
   * @default 5
   */
  readonly approverReservedConcurrency?: number;
  /**
   * Retention of the functions', access and WAF log groups.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/** The functions behind the API, by role (constants API_ROUTES `fn`). */
export type ApiFunctionRole = ApiRoute['fn'];

/**
 * The private API of agents and approvers: a PRIVATE REST API reachable only through the bridge's execute-api
 * VPC endpoint, AWS_IAM on every method, a request model per POST body and a validator, encrypted JSON access
 * logs, X-Ray tracing, stage throttling and a WAFv2 web ACL. Every route of API_ROUTES is served by the function
 * of its `fn`: the proxy (`agentApi`: query, propose, request status), `agentActions` (authorize, execute) and
 * `approverApi` (list, show, decide), each with only its own grants.
 *
 * Who calls what is enforced by the API's resource policy: agent routes deny every principal that is not a
 * configured agent, approver routes every principal that is not a configured approver, and everything denies
 * calls not made through the bridge's endpoint. Agent roles created here also get an IAM policy naming the agent
 * routes only. Approver roles are existing roles named by ARN (possibly in other accounts) that this stack does not
 * own, so it cannot attach policies to them: the resource policy is the enforcement, and their own account must
 * still allow them `execute-api:Invoke`.
 */
export class AgentApi extends Construct {
  public readonly api: apigw.RestApi;
  /** The `agentApi` function (same as `functions.agentApi`). */
  public readonly proxy: BridgeFunction;
  /** The functions behind the routes, by role. */
  public readonly functions: Readonly<Record<ApiFunctionRole, BridgeFunction>>;
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly wafLogGroup: logs.LogGroup;
  public readonly killSwitch: ssm.StringParameter;
  /** The runtime config JSON (ENV.CONFIG_JSON) every bridge function receives. */
  public readonly runtimeConfigJson: string;
  /** Roles created for agents with `createRole: true`, by agent name. */
  public readonly agentRoles: Readonly<Record<string, iam.Role>>;
  /** Principal ARNs allowed to call the agent routes, by agent name (created or configured). */
  public readonly agentPrincipals: Readonly<Record<string, readonly string[]>>;
  /** Principal ARNs allowed to call the approver routes, by approver name. */
  public readonly approverPrincipals: Readonly<Record<string, readonly string[]>>;

  constructor(scope: Construct, id: string, props: AgentApiProps) {
    super(scope, id);
    const { network, keys, auditVault, tables, credentials, runtime } = props;
    const retention = props.logRetentionDays ?? DEFAULTS.logs.retentionDays;
    const stackName = Stack.of(this).stackName;
    const endpoint = network.interfaceEndpoints.ExecuteApi;

    const roles: Record<string, iam.Role> = {};
    const principals: Record<string, readonly string[]> = {};
    for (const [name, agent] of Object.entries(runtime.agents)) {
      if (agent.createRole) {
        // Trusting the account root delegates to IAM: only principals this account grants
        // sts:AssumeRole on the role can assume it. An ExternalId guards against confused
        // deputies among third parties, which a same-account or named trust does not have.
        roles[name] = new iam.Role(this, `Agent-${name}`, {
          description: `crm-agent-bridge agent '${name}': may call the agent API routes and nothing else`,
          assumedBy: agent.assumedBy ? new iam.ArnPrincipal(agent.assumedBy) : new iam.AccountRootPrincipal(),
          maxSessionDuration: Duration.hours(1),
        });
        principals[name] = [roles[name].roleArn];
      } else {
        principals[name] = agent.roleArns ?? [];
      }
    }
    this.agentRoles = roles;
    this.agentPrincipals = principals;
    this.approverPrincipals = Object.fromEntries(Object.entries(runtime.approvers).map(([name, a]) => [name, a.roleArns]));
    const agentArns = Object.values(principals).flat();
    const approverArns = Object.values(this.approverPrincipals).flat();

    const runtimeConfig = {
      crm: { kind: runtime.crm.kind, instanceHost: runtime.crm.instanceHost },
      agents: Object.fromEntries(
        Object.entries(runtime.agents).map(([name, a]) => [
          name,
          { principals: principals[name], actions: a.actions, team: a.team, territories: a.territories, tier: a.tier },
        ]),
      ),
      approvers: Object.fromEntries(Object.entries(this.approverPrincipals).map(([name, arns]) => [name, { principals: arns }])),
      customFields: runtime.customFields ?? {},
      untrustedAction: runtime.untrustedAction,
    };
    const estimated = JSON.stringify(runtimeConfig).length + Object.keys(roles).length * ROLE_ARN_ALLOWANCE;
    if (estimated > MAX_RUNTIME_CONFIG_BYTES) {
      throw new Error(
        `AgentApi: the runtime config is about ${estimated} bytes; Lambda environments hold at most 4 KB, so keep agents, approvers and custom fields under ${MAX_RUNTIME_CONFIG_BYTES} bytes`,
      );
    }
    this.runtimeConfigJson = Stack.of(this).toJsonString(runtimeConfig);

    this.killSwitch = new ssm.StringParameter(this, 'KillSwitch', {
      parameterName: `/${stackName}/kill-switch`,
      description: 'crm-agent-bridge mode: normal | read-only | frozen (anything else freezes the bridge)',
      stringValue: 'normal',
      allowedPattern: '^(normal|read-only|frozen)$',
    });

    const reachCrm = network.crmConnectivity.mode !== 'none';
    const fn = (role: ApiFunctionRole, id: string, description: string, reserved: number, environment: Record<string, string>) =>
      new BridgeFunction(this, id, {
        entry: handlerEntry(role),
        description: `crm-agent-bridge: ${description}`,
        network,
        keys,
        invocation: 'synchronous',
        reachCrm,
        reservedConcurrentExecutions: reserved,
        memorySize: POLICY_FUNCTION_MEMORY_MB,
        timeout: CRM_FUNCTION_TIMEOUT,
        logRetentionDays: retention,
        environment: {
          [ENV.CONFIG_JSON]: this.runtimeConfigJson,
          [ENV.POLICY_DIR]: POLICY_DIR_IN_BUNDLE,
          [ENV.KILL_SWITCH_PARAMETER]: this.killSwitch.parameterName,
          [AUDIT_ENV.BUCKET]: auditVault.bucket.bucketName,
          [AUDIT_ENV.KMS_KEY_ID]: keys.audit.keyArn,
          ...environment,
        },
        bundling: policyBundling(),
      });

    this.proxy = fn('agentApi', 'Proxy', 'agent API proxy (policy, CRM read, redaction, proposals, audit)', props.reservedConcurrency ?? DEFAULTS.api.reservedConcurrency, {
      [ENV.REQUESTS_TABLE]: tables.requests.tableName,
      [ENV.HMAC_SECRET_ARN]: credentials.hmacKey.secretArn,
      [ENV.CRM_READ_SECRET_ARN]: credentials.readUser.secretArn,
      [VAULT_ENV.TABLE]: tables.vault.tableName,
      [VAULT_ENV.KMS_KEY_ID]: keys.data.keyArn,
      [APPROVAL_ENV.DATA_KEY_ID]: keys.data.keyArn,
    });
    tables.grantRequestTransitions(this.proxy);
    tables.grantVaultRead(this.proxy);
    tables.grantVaultWrite(this.proxy);
    // Envelope keys of vault entries, and opening sealed approved-read results.
    keys.data.grant(this.proxy, 'kms:GenerateDataKey', 'kms:Decrypt');
    credentials.grantReadUser(this.proxy.functionRole);
    credentials.grantHmacKey(this.proxy.functionRole);

    const actions = fn('agentActions', 'Actions', 'agent actions (authorize, execute with a decision token)', props.actionsReservedConcurrency ?? ACTIONS_RESERVED_CONCURRENCY, {
      [ENV.CRM_WRITE_SECRET_ARN]: credentials.writeUser.secretArn,
      [APPROVAL_ENV.DECISION_KEY_ID]: keys.decisions.keyArn,
      [APPROVAL_ENV.JTI_TABLE]: tables.jti.tableName,
      [VAULT_ENV.TABLE]: tables.vault.tableName,
      [VAULT_ENV.KMS_KEY_ID]: keys.data.keyArn,
    });
    tables.grantJtiBurn(actions);
    tables.grantVaultRead(actions);
    // Unwraps vault entries to re-identify placeholders in what it writes.
    keys.data.grant(actions, 'kms:Decrypt');
    keys.decisions.grant(actions, 'kms:Sign', 'kms:GetPublicKey');
    credentials.grantWriteUser(actions.functionRole);

    const approver = fn('approverApi', 'ApproverApi', 'approver API (list, show with diff, decide)', props.approverReservedConcurrency ?? APPROVER_RESERVED_CONCURRENCY, {
      [ENV.REQUESTS_TABLE]: tables.requests.tableName,
      [ENV.CRM_READ_SECRET_ARN]: credentials.readUser.secretArn,
      [ENV.HMAC_SECRET_ARN]: credentials.hmacKey.secretArn,
      [APPROVAL_ENV.DATA_KEY_ID]: keys.data.keyArn,
    });
    tables.grantRequestTransitions(approver);
    tables.grantRequestListing(approver);
    // Opens the sealed task token before answering the waiting execution.
    keys.data.grant(approver, 'kms:Decrypt');
    credentials.grantReadUser(approver.functionRole);
    credentials.grantHmacKey(approver.functionRole);

    this.functions = { agentApi: this.proxy, agentActions: actions, approverApi: approver };
    for (const f of Object.values(this.functions)) {
      auditVault.grantAppend(f, `${AUDIT_PREFIXES.events}*`);
      this.killSwitch.grantRead(f);
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { encryptionKey: keys.logs, retention, removalPolicy: RemovalPolicy.RETAIN });
    const executeApi = (r: ApiRoute) => `execute-api:/${STAGE_NAME}/${r.method}${wildcardPath(r.path)}`;
    const routesOf = (caller: ApiRoute['caller']) => API_ROUTES.filter((r) => r.caller === caller);
    const anyone = [new iam.AnyPrincipal()];
    const invoke = ['execute-api:Invoke'];
    /** Allows the callers on their routes and denies everyone else there (an empty list of callers denies all). */
    const routeStatements = (sid: string, caller: ApiRoute['caller'], arns: readonly string[]): iam.PolicyStatement[] => {
      const resources = routesOf(caller).map(executeApi);
      const deny = new iam.PolicyStatement({
        sid: `Deny${sid}ToOthers`,
        effect: iam.Effect.DENY,
        principals: anyone,
        actions: invoke,
        resources,
        conditions: arns.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...arns] } } : undefined,
      });
      if (arns.length === 0) return [deny];
      return [new iam.PolicyStatement({ sid: `${sid}Invoke`, principals: anyone, actions: invoke, resources, conditions: { ArnLike: { 'aws:PrincipalArn': [...arns] } } }), deny];
    };
    const policy = new iam.PolicyDocument({
      statements: [
        ...routeStatements('AgentRoutes', 'agent', agentArns),
        ...routeStatements('ApproverRoutes', 'approver', approverArns),
        new iam.PolicyStatement({
          sid: 'DenyCallsNotThroughTheBridgeEndpoint',
          effect: iam.Effect.DENY,
          principals: anyone,
          actions: invoke,
          resources: ['execute-api:/*'],
          conditions: { StringNotEquals: { 'aws:SourceVpce': endpoint.vpcEndpointId } },
        }),
        new iam.PolicyStatement({
          sid: 'DenyPrincipalsNotConfigured',
          effect: iam.Effect.DENY,
          principals: anyone,
          actions: invoke,
          resources: ['execute-api:/*'],
          conditions: { ArnNotLike: { 'aws:PrincipalArn': [...agentArns, ...approverArns] } },
        }),
      ],
    });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${stackName}-agent-api`,
      description: 'crm-agent-bridge: private agent and approver API',
      endpointConfiguration: { types: [apigw.EndpointType.PRIVATE], vpcEndpoints: [endpoint] },
      policy,
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.throttleRateLimit ?? DEFAULTS.api.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit ?? DEFAULTS.api.throttleBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        // One JSON object per call; GatewayRefusalAudit reads the same field names.
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const validator = this.api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([role, f]) => [role, new apigw.LambdaIntegration(f, { proxy: true, allowTestInvoke: false })]),
    ) as Record<ApiFunctionRole, apigw.LambdaIntegration>;
    const models = this.requestModels();
    for (const route of API_ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      resource.addMethod(route.method, integrations[route.fn], {
        authorizationType: apigw.AuthorizationType.IAM,
        requestValidator: validator,
        requestModels: route.method === 'POST' ? { 'application/json': models[route.path] } : undefined,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
    }
    this.errorResponses();

    // cdk-nag names a finding by the ARN as synthesized: pseudo parameters, or literals when the stack has an env.
    const stack = Stack.of(this);
    const literal = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const routeFinding = `arn:<AWS::Partition>:execute-api:${literal(stack.region, 'Region')}:${literal(stack.account, 'AccountId')}:<${stack.getLogicalId(this.api.node.defaultChild as apigw.CfnRestApi)}>`;
    const agentRoutes = routesOf('agent');
    for (const [name, agentRole] of Object.entries(roles)) {
      const routeArns = agentRoutes.map((r) => this.api.arnForExecuteApi(r.method, wildcardPath(r.path), STAGE_NAME));
      const agentPolicy = new iam.ManagedPolicy(this, `Agent-${name}-Policy`, {
        description: `crm-agent-bridge agent '${name}': execute-api:Invoke on the agent routes only`,
        roles: [agentRole],
        statements: [new iam.PolicyStatement({ actions: invoke, resources: routeArns })],
      });
      for (const route of agentRoutes.filter((r) => r.path.includes('{'))) {
        Validations.of(agentPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${routeFinding}/${STAGE_NAME}/${route.method}${wildcardPath(route.path)}]`,
          reason: `The * stands for a path parameter of ${route.method} ${route.path}; the function serves only the caller’s own requests.`,
        });
      }
    }

    const firewall = this.firewall(props.wafRateLimit ?? DEFAULTS.api.wafRateLimit, keys, retention);
    this.webAcl = firewall.acl;
    this.wafLogGroup = firewall.logGroup;
    this.acknowledgeApiFindings();
  }

  /**
   * Wires the approval flow: the proxy starts executions (one per request id) and is told which machine; the
   * approver API alone answers waiting executions.
   */
  public useApprovalFlow(flow: ApprovalFlow): void {
    flow.grantStart(this.proxy);
    this.proxy.addEnvironment(APPROVAL_ENV.STATE_MACHINE_ARN, flow.stateMachine.stateMachineArn);
    flow.grantTaskResponse(this.functions.approverApi);
  }

  /** One request body model per POST route: required keys, types and the cheap bounds; zod in the function does the rest. */
  private requestModels(): Record<Extract<ApiRoute, { method: 'POST' }>['path'], apigw.Model> {
    const T = apigw.JsonSchemaType;
    const P = PROPOSAL_MODEL_LIMITS;
    const model = (name: string, route: string, required: string[], properties: Record<string, apigw.JsonSchema>) =>
      this.api.addModel(name, {
        contentType: 'application/json',
        modelName: name,
        description: `${route} body`,
        schema: { schema: apigw.JsonSchemaVersion.DRAFT4, title: name, type: T.OBJECT, required, additionalProperties: false, properties },
      });
    const text = (maxLength: number): apigw.JsonSchema => ({ type: T.STRING, minLength: 1, maxLength });
    const fields: apigw.JsonSchema = { type: T.OBJECT, minProperties: 1, maxProperties: P.maxFields };
    const action: apigw.JsonSchema = { type: T.STRING, enum: [...WRITE_ACTIONS] };
    const params: apigw.JsonSchema = { type: T.OBJECT };
    return {
      '/v1/records/query': this.queryModel(),
      // One closed model for every op: the keys all ops need are required here, each op's own ones by zod.
      '/v1/records/propose': model('ProposeRequest', 'POST /v1/records/propose', ['object', 'op', 'reason'], {
        object: { type: T.STRING, enum: [...CRM_OBJECT_TYPES] },
        op: { type: T.STRING, enum: Object.keys(PROPOSAL_OPS) },
        recordId: text(P.maxRecordIdLength),
        fields,
        amount: { type: T.NUMBER },
        currency: text(3),
        reason: text(P.maxReasonLength),
        conversationId: text(P.maxConversationIdLength),
      }),
      '/v1/authorize': model('AuthorizeRequest', 'POST /v1/authorize', ['action', 'params'], { action, params }),
      '/v1/actions/execute': model('ExecuteActionRequest', 'POST /v1/actions/execute', ['action', 'params', 'token'], {
        action,
        params,
        token: text(P.maxTokenLength),
      }),
      '/v1/approvals/{id}/decision': model('ApprovalDecision', 'POST /v1/approvals/{id}/decision', ['decision', 'comment'], {
        decision: { type: T.STRING, enum: ['approve', 'edit', 'reject'] },
        edits: fields,
        comment: text(P.maxCommentLength),
      }),
    };
  }

  /** The query body model (the read path). */
  private queryModel(): apigw.Model {
    const L = QUERY_MODEL_LIMITS;
    const identifier = { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: L.maxIdentifierLength };
    return this.api.addModel('QueryRequest', {
      contentType: 'application/json',
      modelName: 'QueryRequest',
      description: 'POST /v1/records/query body',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'QueryRequest',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['object', 'fields', 'purpose'],
        additionalProperties: false,
        properties: {
          object: { type: apigw.JsonSchemaType.STRING, enum: [...CRM_OBJECT_TYPES] },
          fields: { type: apigw.JsonSchemaType.ARRAY, minItems: 1, maxItems: L.maxFields, uniqueItems: true, items: identifier },
          where: { type: apigw.JsonSchemaType.OBJECT },
          orderBy: {
            type: apigw.JsonSchemaType.ARRAY,
            minItems: 1,
            maxItems: L.maxOrderBy,
            items: {
              type: apigw.JsonSchemaType.OBJECT,
              required: ['field', 'direction'],
              additionalProperties: false,
              properties: { field: identifier, direction: { type: apigw.JsonSchemaType.STRING, enum: ['asc', 'desc'] } },
            },
          },
          limit: { type: apigw.JsonSchemaType.INTEGER, minimum: 1, maximum: L.maxLimit },
          purpose: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: L.maxPurposeLength },
          conversationId: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: L.maxConversationIdLength },
        },
      },
    });
  }

  /** Rejections API Gateway answers itself use the bridge's error shape and stable codes. */
  private errorResponses(): void {
    const body = (code: string, message: string) =>
      JSON.stringify({ error: { code, message, requestId: '$context.requestId' } });
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      templates: { 'application/json': body('VALIDATION_FAILED', 'The request body does not match the route’s schema: required keys, types and the documented limits.') },
    });
    this.api.addGatewayResponse('AccessDenied', {
      type: apigw.ResponseType.ACCESS_DENIED,
      templates: { 'application/json': body('FORBIDDEN', 'This principal may not call this route through this endpoint.') },
    });
    this.api.addGatewayResponse('WafFiltered', {
      type: apigw.ResponseType.WAF_FILTERED,
      templates: { 'application/json': body('FORBIDDEN', 'The request was blocked by the web ACL (rate limit or a managed rule).') },
    });
  }

  /** A regional web ACL on the stage: a per-IP rate limit first, then AWS managed rule groups. */
  private firewall(rateLimit: number, keys: BridgeKeys, retention: logs.RetentionDays): { acl: wafv2.CfnWebACL; logGroup: logs.LogGroup } {
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: false });
    const managed = (name: string, priority: number, ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[]): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
      visibilityConfig: visibility(name),
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'crm-agent-bridge agent API',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('AgentApi'),
      rules: [
        {
          name: 'RateLimitPerCaller',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RateLimitPerCaller'),
        },
        {
          // The handlers' own limit, so a body the functions would refuse is stopped here and one they accept is not.
          // A body beyond the inspection limit (raised to the same 64 KB below) counts as a match and is blocked.
          name: 'BodyLargerThanHandlersAccept',
          priority: 1,
          action: { block: {} },
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: MAX_BODY_BYTES,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility('BodyLargerThanHandlersAccept'),
        },
        // The common set's own body rule stops at 8 KB, below what proposals may carry; the rule above replaces it.
        managed('AWSManagedRulesCommonRuleSet', 2, [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
      // WAF inspects 16 KB of an API Gateway body by default; inspecting up to the handlers' limit costs extra per request.
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: WAF_BODY_INSPECTION_LIMIT } } },
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: acl.attrArn });
    // WAF requires the log group name prefix and an ARN without the trailing ':*'.
    const logGroupName = `aws-waf-logs-${Stack.of(this).stackName}-agent-api`;
    const logGroup = new logs.LogGroup(this, 'WafLogs', { logGroupName, encryptionKey: keys.logs, retention, removalPolicy: RemovalPolicy.RETAIN });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: acl.attrArn,
      logDestinationConfigs: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupName}`],
      // SigV4 credentials never land in logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'x-amz-security-token' } }],
    }).node.addDependency(logGroup);
    return { acl, logGroup };
  }

  private acknowledgeApiFindings(): void {
    const noExecutionLogs =
      'Execution logs need an account-wide API Gateway CloudWatch role and can record request and response data (CRM PII); every call is in the encrypted JSON access log instead.';
    const noCache = 'Responses are per-agent, redacted per request and audited; caching them would bypass policy, so the stage has no cache to encrypt.';
    const noClientCert = 'The only integration is a Lambda proxy (AWS_PROXY); a backend client certificate applies to HTTP integrations only.';
    Validations.of(this.api.deploymentStage).acknowledge(
      { id: 'AwsSolutions-APIG6', reason: noExecutionLogs },
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].flatMap((pack) => [
        { id: `${pack}-APIGWExecutionLoggingEnabled`, reason: noExecutionLogs },
        { id: `${pack}-APIGWCacheEnabledAndEncrypted`, reason: noCache },
        { id: `${pack}-APIGWSSLEnabled`, reason: noClientCert },
      ]),
    );
    for (const method of this.api.methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Callers are IAM principals (agent and approver roles) signing with SigV4; AWS_IAM authorization applies to every method instead of Cognito.',
      });
    }
  }
}

/** An API path with its parameters as IAM wildcards (`/v1/requests/{id}` → `/v1/requests/*`). */
function wildcardPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}
