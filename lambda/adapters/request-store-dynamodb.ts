import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../core/constants';
import { BridgeError } from '../core/errors';
import type { RequestRecord, RequestStore } from '../core/requests';

const REQUEST_SORT_KEY = 'request';

/** Agent requests in DynamoDB, one item per request, removed by TTL at `expiresAt`. */
export class DynamoDbRequestStore implements RequestStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: RequestRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [TABLE_KEYS.PARTITION]: record.requestId, [TABLE_KEYS.SORT]: REQUEST_SORT_KEY, [TABLE_KEYS.TTL]: record.expiresAt, record },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.PARTITION },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new BridgeError('CONFLICT', `request ${record.requestId} already exists`);
      throw e;
    }
  }

  async get(requestId: string): Promise<RequestRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEYS.PARTITION]: requestId, [TABLE_KEYS.SORT]: REQUEST_SORT_KEY }, ConsistentRead: true }),
    );
    return out.Item?.record as RequestRecord | undefined;
  }
}
