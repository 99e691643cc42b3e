import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs: number }) => Server;
import { DynamoDbJtiStore } from '../../lambda/adapters/jti-store-dynamodb';
import { TABLE_KEYS } from '../../lambda/core/constants';

const TABLE = 'bridge-state';
let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  // createTableMs: 0 makes the table ACTIVE at once.
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [
        { AttributeName: TABLE_KEYS.PARTITION, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.SORT, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.PARTITION, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.SORT, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('DynamoDbJtiStore', () => {
  it('accepts a jti once and rejects its second use', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(DynamoDBDocumentClient.from(client), TABLE);

    // Act
    const first = await store.markUsed('jti-1', 1_750_000_000);
    const second = await store.markUsed('jti-1', 1_750_000_000);

    // Assess
    expect([first, second]).toEqual([true, false]);
  });

  it('lets exactly one of many concurrent uses win', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(DynamoDBDocumentClient.from(client), TABLE);

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => store.markUsed('jti-race', 1_750_000_000)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores the token expiry in the TTL attribute', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(DynamoDBDocumentClient.from(client), TABLE);

    // Act
    await store.markUsed('jti-ttl', 1_750_000_300);

    // Assess
    const item = await client.send(new GetItemCommand({ TableName: TABLE, Key: { [TABLE_KEYS.PARTITION]: { S: 'jti#jti-ttl' }, [TABLE_KEYS.SORT]: { S: 'jti' } } }));
    expect(item.Item?.[TABLE_KEYS.TTL]).toEqual({ N: '1750000300' });
  });

  it('fails closed when the table cannot be written', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(DynamoDBDocumentClient.from(client), 'no-such-table');

    // Act + Assess
    await expect(store.markUsed('jti-x', 1_750_000_000)).rejects.toThrow();
  });
});
