import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../core/constants';
import type { JtiStore } from '../core/tokens/jti-store';

const JTI_SORT_KEY = 'jti';

/**
 * Used decision-token ids in DynamoDB: a conditional put makes "first use wins" atomic, and
 * the TTL attribute (the token's exp) lets DynamoDB drop entries once the token is dead anyway.
 */
export class DynamoDbJtiStore implements JtiStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markUsed(jti: string, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [TABLE_KEYS.PARTITION]: `jti#${jti}`, [TABLE_KEYS.SORT]: JTI_SORT_KEY, [TABLE_KEYS.TTL]: expiresAt },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.PARTITION },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
