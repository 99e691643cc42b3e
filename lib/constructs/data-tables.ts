import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../lambda/core/constants';
import { BridgeKeys } from './keys';

export interface DataTablesProps {
  /** Keys of the bridge; the data key encrypts every table. */
  readonly keys: BridgeKeys;
  /**
   * What happens to the tables when they leave the stack. Anything but RETAIN also turns
   * deletion protection off and requires `acceptDataLossRisk: true`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Required with a removal policy other than RETAIN: pending requests, vault originals and
   * spent token ids are lost with the table (a lost jti table lets a token be replayed).
   * @default false
   */
  readonly acceptDataLossRisk?: boolean;
}

/**
 * The bridge's DynamoDB tables, all with the same shape (string `pk`/`sk`, TTL on
 * `expiresAt`): `requests` (pending and decided agent requests), `vault` (tokenized
 * originals, envelope-encrypted) and `jti` (spent decision-token ids). On-demand billing,
 * the data CMK, point-in-time recovery and deletion protection are enforced.
 */
export class DataTables extends Construct {
  public readonly requests: dynamodb.Table;
  public readonly vault: dynamodb.Table;
  public readonly jti: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy !== RemovalPolicy.RETAIN && props.acceptDataLossRisk !== true) {
      throw new Error(
        `DataTables: removalPolicy ${removalPolicy} deletes pending requests, vault originals and spent token ids with the stack; pass acceptDataLossRisk: true to accept that risk, or keep RETAIN`,
      );
    }
    const table = (name: string): dynamodb.Table => {
      const t = new dynamodb.Table(this, name, {
        partitionKey: { name: TABLE_KEYS.PARTITION, type: dynamodb.AttributeType.STRING },
        sortKey: { name: TABLE_KEYS.SORT, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: TABLE_KEYS.TTL,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.keys.data,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });
      Validations.of(t).acknowledge(
        ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
          id: `${pack}-DynamoDBInBackupPlan`,
          reason: 'Point-in-time recovery (35 days, enforced) is the backup; the items are short-lived by design (TTL), so an AWS Backup plan adds no recovery point worth keeping.',
        })),
      );
      return t;
    };
    this.requests = table('Requests');
    this.vault = table('Vault');
    this.jti = table('Jti');
  }
}
