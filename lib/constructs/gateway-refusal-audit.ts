import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { AUDIT_ENV, ENV } from '../../lambda/core/constants';
import { AUDIT_PREFIXES, AuditVault } from './audit-vault';
import { BridgeFunction } from './bridge-function';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/** Enough for a refusal burst (each invocation takes a whole batch); more would only multiply S3 writes. */
const RESERVED_CONCURRENCY = 2;

export interface GatewayRefusalAuditProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  readonly auditVault: AuditVault;
  /** The API stage's access log group, written in the ACCESS_LOG_FIELDS format. */
  readonly accessLogGroup: logs.ILogGroup;
  /** The runtime config JSON (ENV.CONFIG_JSON): agents and approvers name the refused callers. */
  readonly runtimeConfigJson: string;
  /**
   * Retention of the function's log group.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/**
 * Audits the calls API Gateway refuses before any function runs (resource policy, signature, request model, web ACL,
 * throttling): a subscription filter on the access log passes the lines whose error response type is set to
 * lambda/handlers/gateway-refusals.ts, which writes one `GatewayRefusal` event per call to the audit bucket. The
 * function may only append audit events; a batch it cannot write is retried and then kept in its dead-letter queue.
 */
export class GatewayRefusalAudit extends Construct {
  public readonly function: BridgeFunction;
  public readonly subscription: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: GatewayRefusalAuditProps) {
    super(scope, id);
    const { keys, auditVault } = props;
    this.function = new BridgeFunction(this, 'Function', {
      entry: join(__dirname, '..', '..', 'lambda', 'handlers', 'gateway-refusals.ts'),
      description: 'crm-agent-bridge: audits the calls API Gateway refused itself',
      network: props.network,
      keys,
      invocation: 'asynchronous',
      reservedConcurrentExecutions: RESERVED_CONCURRENCY,
      logRetentionDays: props.logRetentionDays,
      environment: {
        [ENV.CONFIG_JSON]: props.runtimeConfigJson,
        [AUDIT_ENV.BUCKET]: auditVault.bucket.bucketName,
        [AUDIT_ENV.KMS_KEY_ID]: keys.audit.keyArn,
      },
    });
    auditVault.grantAppend(this.function, `${AUDIT_PREFIXES.events}*`);

    // Only lines with an error response type: API Gateway answered itself. '-' is how it writes an empty variable.
    this.subscription = new logs.SubscriptionFilter(this, 'Refusals', {
      logGroup: props.accessLogGroup,
      destination: new destinations.LambdaDestination(this.function as lambda.IFunction),
      filterPattern: logs.FilterPattern.stringValue('$.responseType', '!=', '-'),
      filterName: 'gateway-refusals',
    });
  }
}
