import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { REQUESTS_STATUS_INDEX, TABLE_KEYS } from '../core/constants';
import { BridgeError } from '../core/errors';
import { transitioned, type RequestChanges, type RequestPage, type RequestRecord, type RequestStatus, type RequestStore } from '../core/requests';

const REQUEST_SORT_KEY = 'request';
const MAX_PAGE = 100;

interface Item {
  record: RequestRecord;
  /** Bumped on every write: a transition writes only over the version it read. */
  version: number;
}

/**
 * Agent requests in DynamoDB, one item per request, removed by TTL at `expiresAt`. `status` and `createdAt` are
 * copied to top-level attributes for the by-status index approvers list from. Transitions are optimistic: read,
 * check the lifecycle, write conditioned on the version read, so two concurrent deciders cannot both win.
 */
export class DynamoDbRequestStore implements RequestStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: RequestRecord): Promise<void> {
    try {
      await this.put(record, 0, 'attribute_not_exists(#pk)', { '#pk': TABLE_KEYS.PARTITION });
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new BridgeError('CONFLICT', `request ${record.requestId} already exists`);
      throw e;
    }
  }

  async get(requestId: string): Promise<RequestRecord | undefined> {
    return (await this.read(requestId))?.record;
  }

  async transition(
    requestId: string,
    from: RequestStatus | readonly RequestStatus[],
    to: RequestStatus,
    changes: RequestChanges = {},
    remove: readonly (keyof RequestChanges)[] = [],
  ): Promise<RequestRecord> {
    const current = await this.read(requestId);
    if (!current) throw new BridgeError('NOT_FOUND', `no request ${requestId}`);
    const record = transitioned(current.record, from, to, changes, remove);
    try {
      await this.put(record, current.version + 1, '#version = :version', { '#version': 'version' }, { ':version': current.version });
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) {
        throw new BridgeError('CONFLICT', `request ${requestId} changed while it was being updated; it was decided or run elsewhere`);
      }
      throw e;
    }
    return record;
  }

  async listByStatus(status: RequestStatus, opts: { limit?: number; cursor?: string } = {}): Promise<RequestPage> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: REQUESTS_STATUS_INDEX.NAME,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': REQUESTS_STATUS_INDEX.PARTITION },
        ExpressionAttributeValues: { ':status': status },
        Limit: Math.min(opts.limit ?? MAX_PAGE, MAX_PAGE),
        ExclusiveStartKey: opts.cursor ? decodeCursor(opts.cursor) : undefined,
      }),
    );
    const items = (out.Items ?? []).map((i) => (i as unknown as Item).record);
    return { items, ...(out.LastEvaluatedKey ? { cursor: Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url') } : {}) };
  }

  private async read(requestId: string): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEYS.PARTITION]: requestId, [TABLE_KEYS.SORT]: REQUEST_SORT_KEY }, ConsistentRead: true }),
    );
    return out.Item ? { record: out.Item.record as RequestRecord, version: (out.Item.version as number | undefined) ?? 0 } : undefined;
  }

  private put(record: RequestRecord, version: number, condition: string, names: Record<string, string>, values?: Record<string, unknown>) {
    return this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [TABLE_KEYS.PARTITION]: record.requestId,
          [TABLE_KEYS.SORT]: REQUEST_SORT_KEY,
          [TABLE_KEYS.TTL]: record.expiresAt,
          [REQUESTS_STATUS_INDEX.PARTITION]: record.status,
          [REQUESTS_STATUS_INDEX.SORT]: record.createdAt,
          version,
          record,
        },
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }
}

/** A cursor is the index's LastEvaluatedKey; anything that does not decode to one is bad input, not a 500. */
function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof key === 'object' && key !== null && !Array.isArray(key) && Object.values(key).every((v) => typeof v === 'string')) {
      return key as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new BridgeError('VALIDATION_FAILED', 'cursor is not one this API returned');
}
