import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AUDIT_ENV, CRM_OBJECT_TYPES, ENV, VAULT_ENV } from '../../lambda/core/constants';
import { BridgeConfig, DEFAULTS } from '../config';
import { AUDIT_PREFIXES, AuditVault } from './audit-vault';
import { BridgeFunction } from './bridge-function';
import { CrmCredentials } from './crm-credentials';
import { DataTables } from './data-tables';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/** The agent routes (lambda/handlers/agent-api-routes.ts AGENT_ROUTES; a test keeps both in step). */
export const AGENT_API_ROUTES = [
  { method: 'POST', path: '/v1/records/query' },
  { method: 'GET', path: '/v1/requests/{id}' },
] as const;

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

/** Where the proxy's bundle carries the policy files (Lambda unpacks code to /var/task). */
export const POLICY_DIR_IN_BUNDLE = '/var/task/policies';
/** Lambda refuses a function whose environment exceeds 4 KB; keep room for the other variables. */
const MAX_RUNTIME_CONFIG_BYTES = 3072;
/** Length a CloudFormation-resolved role ARN may take in the runtime config. */
const ROLE_ARN_ALLOWANCE = 128;
/** Cedar's WASM compiles faster with the CPU share of 1 GB. */
const PROXY_MEMORY_MB = 1024;
/** Above the CRM connector's 10 s deadline, below API Gateway's 29 s integration timeout. */
const PROXY_TIMEOUT = Duration.seconds(25);
const STAGE_NAME = 'live';
const CEDAR_WASM = 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';
const POLICY_FILES = ['bundle.json', 'schema.cedarschema', '*.cedar'];

export interface AgentApiProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  readonly auditVault: AuditVault;
  readonly tables: DataTables;
  readonly credentials: CrmCredentials;
  /** The deployment config parts the proxy runs with (identities, CRM, catalog, untrusted-content action). */
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
   * Retention of the proxy's, access and WAF log groups.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/**
 * The agent read path: a PRIVATE REST API reachable only through the bridge's execute-api
 * VPC endpoint and only by configured agent and approver principals, AWS_IAM on every method,
 * a request model and validator, encrypted JSON access logs, X-Ray tracing, stage throttling
 * and a WAFv2 web ACL; behind it the proxy Lambda (Cedar WASM and the policy bundle shipped
 * in its bundle); the agent roles created from config, which may call the agent routes and
 * nothing else; and the kill-switch parameter the proxy reads.
 */
export class AgentApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly proxy: BridgeFunction;
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly wafLogGroup: logs.LogGroup;
  public readonly killSwitch: ssm.StringParameter;
  /** Roles created for agents with `createRole: true`, by agent name. */
  public readonly agentRoles: Readonly<Record<string, iam.Role>>;
  /** Principal ARNs allowed to call the agent routes, by agent name (created or configured). */
  public readonly agentPrincipals: Readonly<Record<string, readonly string[]>>;

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
    const agentArns = Object.values(principals).flat();
    const approverArns = Object.values(runtime.approvers).flatMap((a) => a.roleArns);

    const runtimeConfig = {
      crm: { kind: runtime.crm.kind, instanceHost: runtime.crm.instanceHost },
      agents: Object.fromEntries(
        Object.entries(runtime.agents).map(([name, a]) => [
          name,
          { principals: principals[name], actions: a.actions, team: a.team, territories: a.territories, tier: a.tier },
        ]),
      ),
      approvers: Object.fromEntries(Object.entries(runtime.approvers).map(([name, a]) => [name, { principals: a.roleArns }])),
      customFields: runtime.customFields ?? {},
      untrustedAction: runtime.untrustedAction,
    };
    const estimated = JSON.stringify(runtimeConfig).length + Object.keys(roles).length * ROLE_ARN_ALLOWANCE;
    if (estimated > MAX_RUNTIME_CONFIG_BYTES) {
      throw new Error(
        `AgentApi: the runtime config is about ${estimated} bytes; Lambda environments hold at most 4 KB, so keep agents, approvers and custom fields under ${MAX_RUNTIME_CONFIG_BYTES} bytes`,
      );
    }

    this.killSwitch = new ssm.StringParameter(this, 'KillSwitch', {
      parameterName: `/${stackName}/kill-switch`,
      description: 'crm-agent-bridge mode: normal | read-only | frozen (anything else freezes the bridge)',
      stringValue: 'normal',
      allowedPattern: '^(normal|read-only|frozen)$',
    });

    this.proxy = new BridgeFunction(this, 'Proxy', {
      entry: join(__dirname, '..', '..', 'lambda', 'handlers', 'agent-api.ts'),
      description: 'crm-agent-bridge: agent API proxy (policy, CRM read, redaction, audit)',
      network,
      keys,
      invocation: 'synchronous',
      reachCrm: network.crmConnectivity.mode !== 'none',
      reservedConcurrentExecutions: props.reservedConcurrency ?? DEFAULTS.api.reservedConcurrency,
      memorySize: PROXY_MEMORY_MB,
      timeout: PROXY_TIMEOUT,
      logRetentionDays: retention,
      environment: {
        [ENV.CONFIG_JSON]: Stack.of(this).toJsonString(runtimeConfig),
        [ENV.POLICY_DIR]: POLICY_DIR_IN_BUNDLE,
        [ENV.HMAC_SECRET_ARN]: credentials.hmacKey.secretArn,
        [ENV.CRM_READ_SECRET_ARN]: credentials.readUser.secretArn,
        [ENV.REQUESTS_TABLE]: tables.requests.tableName,
        [ENV.KILL_SWITCH_PARAMETER]: this.killSwitch.parameterName,
        [VAULT_ENV.TABLE]: tables.vault.tableName,
        [VAULT_ENV.KMS_KEY_ID]: keys.data.keyArn,
        [AUDIT_ENV.BUCKET]: auditVault.bucket.bucketName,
        [AUDIT_ENV.KMS_KEY_ID]: keys.audit.keyArn,
      },
      bundling: {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp "${inputDir}/${CEDAR_WASM}" "${outputDir}/"`,
            `mkdir -p "${outputDir}/policies"`,
            `cp ${POLICY_FILES.map((f) => `"${inputDir}/policies/"${f}`).join(' ')} "${outputDir}/policies/"`,
          ],
        },
      },
    });
    const role = this.proxy.functionRole;
    auditVault.grantAppend(role, `${AUDIT_PREFIXES.events}*`);
    tables.requests.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    tables.vault.grant(role, 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem');
    // Table encryption and the vault's envelope keys both use the data CMK.
    keys.data.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    credentials.grantReadUser(role);
    credentials.grantHmacKey(role);
    this.killSwitch.grantRead(role);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { encryptionKey: keys.logs, retention, removalPolicy: RemovalPolicy.RETAIN });
    const executeApi = (method: string, path: string) => `execute-api:/${STAGE_NAME}/${method}${path.replace(/\{[^}]+\}/g, '*')}`;
    const anyone = [new iam.AnyPrincipal()];
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AgentsInvokeAgentRoutes',
          principals: anyone,
          actions: ['execute-api:Invoke'],
          resources: AGENT_API_ROUTES.map((r) => executeApi(r.method, r.path)),
          conditions: { ArnLike: { 'aws:PrincipalArn': agentArns } },
        }),
        new iam.PolicyStatement({
          sid: 'DenyCallsNotThroughTheBridgeEndpoint',
          effect: iam.Effect.DENY,
          principals: anyone,
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
          conditions: { StringNotEquals: { 'aws:SourceVpce': endpoint.vpcEndpointId } },
        }),
        new iam.PolicyStatement({
          sid: 'DenyPrincipalsNotConfigured',
          effect: iam.Effect.DENY,
          principals: anyone,
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
          conditions: { ArnNotLike: { 'aws:PrincipalArn': [...agentArns, ...approverArns] } },
        }),
      ],
    });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${stackName}-agent-api`,
      description: 'crm-agent-bridge: private agent API',
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
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    const validator = this.api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
    const integration = new apigw.LambdaIntegration(this.proxy, { proxy: true, allowTestInvoke: false });
    const model = this.queryModel();
    for (const route of AGENT_API_ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      resource.addMethod(route.method, integration, {
        authorizationType: apigw.AuthorizationType.IAM,
        requestValidator: validator,
        requestModels: route.method === 'POST' ? { 'application/json': model } : undefined,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
    }
    this.errorResponses();

    // cdk-nag names a finding by the ARN as synthesized: pseudo parameters, or literals when the stack has an env.
    const stack = Stack.of(this);
    const literal = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const routeFinding = `arn:<AWS::Partition>:execute-api:${literal(stack.region, 'Region')}:${literal(stack.account, 'AccountId')}:<${stack.getLogicalId(this.api.node.defaultChild as apigw.CfnRestApi)}>`;
    for (const [name, agentRole] of Object.entries(roles)) {
      const routeArns = AGENT_API_ROUTES.map((r) => this.api.arnForExecuteApi(r.method, r.path.replace(/\{[^}]+\}/g, '*'), STAGE_NAME));
      const agentPolicy = new iam.ManagedPolicy(this, `Agent-${name}-Policy`, {
        description: `crm-agent-bridge agent '${name}': execute-api:Invoke on the agent routes only`,
        roles: [agentRole],
        statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: routeArns })],
      });
      Validations.of(agentPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${routeFinding}/${STAGE_NAME}/GET/v1/requests/*]`,
        reason: 'The * stands for the {id} path parameter of GET /v1/requests/{id}; the proxy returns only the caller’s own requests.',
      });
    }

    const firewall = this.firewall(props.wafRateLimit ?? DEFAULTS.api.wafRateLimit, keys, retention);
    this.webAcl = firewall.acl;
    this.wafLogGroup = firewall.logGroup;
    this.acknowledgeApiFindings();
  }

  /** The request body model: required keys, types and the cheap bounds; zod in the proxy does the rest. */
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
      templates: { 'application/json': body('VALIDATION_FAILED', 'The request body does not match the query schema: object, fields and purpose are required, within the documented limits.') },
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
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
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
        managed('AWSManagedRulesCommonRuleSet', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      ],
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
        reason: 'Callers are IAM principals (agent roles) signing with SigV4; AWS_IAM authorization applies to every method instead of Cognito.',
      });
    }
  }
}
