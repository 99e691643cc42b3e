import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { REQUESTS_STATUS_INDEX, TABLE_KEYS } from '../../lambda/core/constants';
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
 * `expiresAt`): `requests` (pending and decided agent requests, with the `byStatus` index approvers list
 * from), `vault` (tokenized originals, envelope-encrypted) and `jti` (spent decision-token ids). On-demand
 * billing, the data CMK, point-in-time recovery and deletion protection are enforced.
 *
 * The `grant*` methods are the only way functions get at the tables: each names the item actions one step
 * needs, plus the data key only as DynamoDB uses it for that table (`kms:ViaService`).
 */
export class DataTables extends Construct {
  public readonly requests: dynamodb.Table;
  public readonly vault: dynamodb.Table;
  public readonly jti: dynamodb.Table;
  private readonly dataKeyArn: string;

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
    // ALL: the approver list reads whole records from the index in one Query (KEYS_ONLY would cost a GetItem per
    // row); the projection is the same item under the same CMK, and its sealed parts stay sealed.
    this.requests.addGlobalSecondaryIndex({
      indexName: REQUESTS_STATUS_INDEX.NAME,
      partitionKey: { name: REQUESTS_STATUS_INDEX.PARTITION, type: dynamodb.AttributeType.STRING },
      sortKey: { name: REQUESTS_STATUS_INDEX.SORT, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.vault = table('Vault');
    this.jti = table('Jti');
    this.dataKeyArn = props.keys.data.keyArn;
  }

  /** Read one request and move it through its lifecycle (conditional puts). */
  public grantRequestTransitions(grantee: iam.IGrantable): void {
    this.grantItems(grantee, this.requests, ['dynamodb:GetItem', 'dynamodb:PutItem'], 'write');
  }

  /** List requests by status through the `byStatus` index, and nothing else of the table. */
  public grantRequestListing(grantee: iam.IGrantable): void {
    this.grantItems(grantee, this.requests, ['dynamodb:Query'], 'read', `${this.requests.tableArn}/index/${REQUESTS_STATUS_INDEX.NAME}`);
  }

  /** Burn decision-token ids (a conditional put per jti). */
  public grantJtiBurn(grantee: iam.IGrantable): void {
    this.grantItems(grantee, this.jti, ['dynamodb:PutItem'], 'write');
  }

  /** Look up tokenized originals (re-identification); unwrapping them needs the data key besides. */
  public grantVaultRead(grantee: iam.IGrantable): void {
    this.grantItems(grantee, this.vault, ['dynamodb:BatchGetItem'], 'read');
  }

  /** Store tokenized originals (redaction with `tokenize`). */
  public grantVaultWrite(grantee: iam.IGrantable): void {
    this.grantItems(grantee, this.vault, ['dynamodb:BatchWriteItem'], 'write');
  }

  private grantItems(grantee: iam.IGrantable, table: dynamodb.Table, actions: string[], access: 'read' | 'write', resource = table.tableArn): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [resource] });
    // DynamoDB uses the table's CMK with the caller's permissions; the condition keeps that use inside DynamoDB.
    iam.Grant.addToPrincipal({
      grantee,
      actions: access === 'read' ? ['kms:Decrypt', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resourceArns: [this.dataKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    });
  }
}
