import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbJtiStore } from '../../lambda/adapters/jti-store-dynamodb';
import { TABLE_KEYS } from '../../lambda/core/constants';
import { startLocalDynamo, type LocalDynamo } from '../../local/emulators';

const TABLE = 'bridge-state';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createTable(TABLE);
});

afterAll(() => dynamo.stop());

describe('DynamoDbJtiStore', () => {
  it('accepts a jti once and rejects its second use', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(dynamo.doc, TABLE);

    // Act
    const first = await store.markUsed('jti-1', 1_750_000_000);
    const second = await store.markUsed('jti-1', 1_750_000_000);

    // Assess
    expect([first, second]).toEqual([true, false]);
  });

  it('lets exactly one of many concurrent uses win', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(dynamo.doc, TABLE);

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => store.markUsed('jti-race', 1_750_000_000)));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores the token expiry in the TTL attribute', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(dynamo.doc, TABLE);

    // Act
    await store.markUsed('jti-ttl', 1_750_000_300);

    // Assess
    const item = await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { [TABLE_KEYS.PARTITION]: { S: 'jti#jti-ttl' }, [TABLE_KEYS.SORT]: { S: 'jti' } } }));
    expect(item.Item?.[TABLE_KEYS.TTL]).toEqual({ N: '1750000300' });
  });

  it('fails closed when the table cannot be written', async () => {
    // Prepare
    const store = new DynamoDbJtiStore(dynamo.doc, 'no-such-table');

    // Act + Assess
    await expect(store.markUsed('jti-x', 1_750_000_000)).rejects.toThrow();
  });
});
