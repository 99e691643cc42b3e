import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { DEFAULTS } from '../config';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/** House defaults that callers may change. */
export const FUNCTION_DEFAULTS = { memorySize: 512, timeout: Duration.seconds(10) } as const;

/**
 * ESM bundles get CommonJS `require`, `__filename` and `__dirname` for dependencies that still
 * use them (Cedar's WASM loader reads `${__dirname}/cedar_wasm_bg.wasm`).
 */
export const CJS_SHIM = [
  "import { createRequire as __bridgeCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bridgeFileUrlToPath } from 'node:url';",
  "import { dirname as __bridgeDirname } from 'node:path';",
  'const require = __bridgeCreateRequire(import.meta.url);',
  'const __filename = __bridgeFileUrlToPath(import.meta.url);',
  'const __dirname = __bridgeDirname(__filename);',
].join(' ');

/**
 * Lambda hands a function its role's credentials only in environment variables, so the bundles resolve the SDK's
 * default chain (SSO, ini files, process, web identity, container and instance metadata, with the STS/SSO clients
 * they carry: about 100 KB of every bundle) to lambda/adapters/credentials-env.ts, which keeps only the env link.
 * Absolute, so local bundling finds it whatever directory cdk runs from.
 */
export const SDK_CREDENTIALS_ALIAS = {
  '@aws-sdk/credential-provider-node': join(__dirname, '..', '..', 'lambda', 'adapters', 'credentials-env.ts'),
} as const;

/**
 * How every bridge function is bundled, enforced over caller props (bench/proxy.ts builds with the same).
 * - Minified ESM with source maps that do not embed the sources: stack traces still name TypeScript
 *   files and lines, and the map Node parses at start-up (`--enable-source-maps`) is a fraction of the size.
 * - The AWS SDK is bundled rather than taken from the Lambda runtime: the SDK version the tests ran
 *   against is the one deployed, and one pre-linked file starts faster than the runtime's hundreds of
 *   CommonJS files (the bench shows both). Bundle size grows by the SDK clients a function uses.
 * - The SDK's default credential chain is replaced by its environment-variable link (SDK_CREDENTIALS_ALIAS).
 */
export const HOUSE_BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: CJS_SHIM,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  bundleAwsSDK: true,
  esbuildArgs: { '--alias': Object.entries(SDK_CREDENTIALS_ALIAS).map(([from, to]) => `${from}=${to}`) },
} as const satisfies nodejs.BundlingOptions;

const DLQ_RETENTION = Duration.days(14);
const HTTPS = ec2.Port.tcp(443);

/** Props a caller may set; VPC placement, runtime, tracing, logging and bundling format are enforced. */
export type BridgeFunctionProps = Omit<
  nodejs.NodejsFunctionProps,
  | 'vpc'
  | 'vpcSubnets'
  | 'securityGroups'
  | 'allowPublicSubnet'
  | 'allowAllOutbound'
  | 'runtime'
  | 'architecture'
  | 'tracing'
  | 'logGroup'
  | 'logRetention'
  | 'deadLetterQueue'
  | 'deadLetterQueueEnabled'
  | 'reservedConcurrentExecutions'
  | 'role'
> & {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  /** Upper bound of concurrent executions; required so one function cannot starve the others. */
  readonly reservedConcurrentExecutions: number;
  /**
   * How the function is invoked. `asynchronous` functions get an SQS dead-letter queue
   * encrypted with the data key; `synchronous` ones return errors to their caller.
   */
  readonly invocation: 'synchronous' | 'asynchronous';
  /**
   * Allow HTTPS to the CRM (through the PrivateLink endpoint, or through the egress firewall).
   * @default false
   */
  readonly reachCrm?: boolean;
  /**
   * Retention of the function's log group.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
};

/**
 * An execution role whose every grant lands in one customer-managed policy: no AWS-managed
 * policies, no inline policies, and `grant*` calls from other constructs keep working.
 */
export class FunctionRole extends iam.Role {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, baseline: iam.PolicyStatement[]) {
    super(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.policy = new iam.ManagedPolicy(this, 'Policy', { statements: baseline });
    this.addManagedPolicy(this.policy);
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/**
 * The house Lambda: ARM64, Node.js 24, active tracing, explicit memory and timeout, reserved
 * concurrency, a log group encrypted with the logs key, isolated subnets with a security
 * group whose only egress is HTTPS to the VPC endpoints (and the CRM when asked), and the
 * house bundle (HOUSE_BUNDLING).
 */
export class BridgeFunction extends nodejs.NodejsFunction {
  public readonly securityGroup: ec2.SecurityGroup;
  /** The function's KMS-encrypted log group (also reachable as `logGroup`). */
  public readonly encryptedLogGroup: logs.LogGroup;
  public readonly deadLetterQueue?: sqs.Queue;
  public readonly functionRole: FunctionRole;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    const { network, keys, invocation, reachCrm, logRetentionDays, ...fnProps } = props;
    if (!Number.isInteger(props.reservedConcurrentExecutions) || props.reservedConcurrentExecutions < 1) {
      throw new Error(`BridgeFunction ${id}: reservedConcurrentExecutions must be a whole number >= 1`);
    }
    if (reachCrm && network.crmConnectivity.mode === 'none') {
      throw new Error(`BridgeFunction ${id}: reachCrm needs CRM connectivity (privateLink or allowlistedEgress); the network has none`);
    }
    // Children must exist before super(); a scratch scope is not possible, so build them on the parent with prefixed ids.
    const securityGroup = new ec2.SecurityGroup(scope, `${id}Sg`, {
      vpc: network.vpc,
      description: `${id}: HTTPS to VPC endpoints only`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(network.endpointSecurityGroup, HTTPS, 'AWS APIs through interface endpoints');
    securityGroup.addEgressRule(network.s3PrefixList, HTTPS, 'S3 gateway endpoint');
    securityGroup.addEgressRule(network.dynamoDbPrefixList, HTTPS, 'DynamoDB gateway endpoint');
    if (reachCrm && network.crmEndpointSecurityGroup) {
      securityGroup.connections.allowTo(network.crmEndpointSecurityGroup, HTTPS, 'CRM through its PrivateLink endpoint');
    } else if (reachCrm) {
      // Routing sends this through Network Firewall, which passes only the CRM hostnames.
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), HTTPS, 'CRM through the allowlisting egress firewall');
    }
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      encryptionKey: keys.logs,
      retention: logRetentionDays ?? DEFAULTS.logs.retentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new FunctionRole(scope, `${id}Role`, [
      // Lambda manages the function's ENIs in the VPC; these EC2 actions take no resource ARNs.
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    ]);
    Validations.of(role.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'VPC ENI management and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
    });
    const deadLetterQueue =
      invocation === 'asynchronous'
        ? new sqs.Queue(scope, `${id}Dlq`, {
            encryption: sqs.QueueEncryption.KMS,
            encryptionMasterKey: keys.data,
            enforceSSL: true,
            retentionPeriod: DLQ_RETENTION,
          })
        : undefined;

    super(scope, id, {
      memorySize: FUNCTION_DEFAULTS.memorySize,
      timeout: FUNCTION_DEFAULTS.timeout,
      ...fnProps,
      // Enforced after the caller's props.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      vpc: network.vpc,
      vpcSubnets: network.workloadSubnets,
      securityGroups: [securityGroup],
      allowPublicSubnet: false,
      logGroup,
      role,
      deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Stack traces point at the TypeScript sources instead of the minified bundle.
      environment: { ...fnProps.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        ...fnProps.bundling,
        ...HOUSE_BUNDLING,
        mainFields: [...HOUSE_BUNDLING.mainFields],
        // A caller's other esbuild flags stay; the credential alias is the house's.
        esbuildArgs: { ...fnProps.bundling?.esbuildArgs, ...HOUSE_BUNDLING.esbuildArgs },
      },
    });
    this.securityGroup = securityGroup;
    this.encryptedLogGroup = logGroup;
    this.deadLetterQueue = deadLetterQueue;
    this.functionRole = role;

    if (deadLetterQueue) {
      // Lambda sends to the KMS-encrypted queue with the function's role, which needs the key too.
      keys.data.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
      Validations.of(deadLetterQueue).acknowledge(
        { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of a Lambda function.' },
        { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is itself the dead-letter queue of a Lambda function.' },
      );
    } else {
      const reason = 'Invoked synchronously (API Gateway, Step Functions or Secrets Manager rotation): failures return to the caller, no event is queued to lose.';
      Validations.of(this).acknowledge(
        { id: 'Serverless-LambdaDLQ', reason },
        { id: 'Serverless-LambdaAsyncFailureDestination', reason },
        { id: 'NIST.800.53.R5-LambdaDLQ', reason },
        { id: 'HIPAA.Security-LambdaDLQ', reason },
      );
    }
  }
}
