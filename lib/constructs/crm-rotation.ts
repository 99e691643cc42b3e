import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../lambda/core/constants';
import { BridgeConfig, DEFAULTS } from '../config';
import { BridgeFunction } from './bridge-function';
import { CrmCredentials } from './crm-credentials';
import { BridgeKeys } from './keys';
import { BridgeNetwork } from './network';

/** Secrets Manager accepts at most this many days between rotations in a rate() schedule; config allows fewer. */
const MAX_ROTATION_DAYS = 1000;
/** One rotation step makes a few CRM calls of at most 10 s each (the connector deadline). */
const STEP_TIMEOUT = Duration.seconds(30);
/** The read and the write secret may rotate at the same moment; a throttled step fails its rotation. */
const CONCURRENT_ROTATIONS = 2;

export interface CrmRotationProps {
  readonly network: BridgeNetwork;
  readonly keys: BridgeKeys;
  /** The secrets to rotate (read and write integration users; the Salesforce credentials administrator is read). */
  readonly credentials: CrmCredentials;
  /** The CRM whose OAuth endpoints issue, test and revoke the credentials. */
  readonly crm: Pick<BridgeConfig['crm'], 'kind' | 'instanceHost'>;
  /**
   * Days between automatic rotations of each CRM secret.
   * @default DEFAULTS.rotationDays (30)
   */
  readonly rotationDays?: number;
  /**
   * Retention of the function's log group.
   * @default DEFAULTS.logs.retentionDays (365)
   */
  readonly logRetentionDays?: logs.RetentionDays;
}

/**
 * The rotation function of the CRM secrets (lambda/handlers/rotate-crm-secret.ts) in the
 * isolated subnets, reaching the CRM only through the configured connectivity, attached to
 * both CRM secrets with `CrmCredentials.addRotation` on the configured schedule. Its role holds
 * only what the four steps need, on those secrets: Describe/Get/PutSecretValue and
 * UpdateSecretVersionStage (plus reading the Salesforce credentials administrator).
 * Secrets Manager invokes each step synchronously and marks the rotation failed when a step
 * throws, so a failed step needs no queue: the Lambda Errors alarm reports it.
 */
export class CrmRotation extends Construct {
  public readonly function: BridgeFunction;
  public readonly rotationDays: number;

  constructor(scope: Construct, id: string, props: CrmRotationProps) {
    super(scope, id);
    const days = props.rotationDays ?? DEFAULTS.rotationDays;
    if (!Number.isInteger(days) || days < 1 || days > MAX_ROTATION_DAYS) {
      throw new Error(`CrmRotation: rotationDays is ${days}; it must be a whole number of days from 1 to ${MAX_ROTATION_DAYS}`);
    }
    this.rotationDays = days;
    const { network, credentials, crm } = props;
    // The handler reads only the CRM from the runtime config; it has no agents to know.
    const runtimeConfig = { crm: { kind: crm.kind, instanceHost: crm.instanceHost }, agents: {} };

    this.function = new BridgeFunction(this, 'Function', {
      entry: join(__dirname, '..', '..', 'lambda', 'handlers', 'rotate-crm-secret.ts'),
      description: 'crm-agent-bridge: rotates the CRM integration users\' OAuth credentials (Secrets Manager rotation steps)',
      network,
      keys: props.keys,
      invocation: 'synchronous',
      reachCrm: network.crmConnectivity.mode !== 'none',
      reservedConcurrentExecutions: CONCURRENT_ROTATIONS,
      timeout: STEP_TIMEOUT,
      logRetentionDays: props.logRetentionDays,
      environment: {
        [ENV.CONFIG_JSON]: Stack.of(this).toJsonString(runtimeConfig),
        ...(credentials.rotationAdmin ? { [ENV.CRM_ROTATION_ADMIN_SECRET_ARN]: credentials.rotationAdmin.secretArn } : {}),
      },
    });
    credentials.addRotation(this.function, Duration.days(days));
  }
}
