import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRequestStore } from '../../lambda/adapters/request-store-dynamodb';
import { TABLE_KEYS } from '../../lambda/core/constants';
import { BridgeError } from '../../lambda/core/errors';
import type { RequestRecord } from '../../lambda/core/requests';
import { startLocalDynamo, type LocalDynamo } from '../../local/emulators';

const TABLE = 'requests';

const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  requestId: 'req-1',
  agent: 'support-agent',
  kind: 'read',
  action: 'Read',
  status: 'approval_required',
  object: 'Contact',
  createdAt: '2025-03-04T10:00:00.000Z',
  expiresAt: 1_741_687_200,
  decisionId: 'decision-1',
  policyVersion: 'v1',
  payload: { object: 'Contact', fields: ['Id', 'Email'], where: { and: [{ field: 'LastName', op: 'eq', value: 'Smith' }] }, limit: 150, purpose: 'audit' },
  ...over,
});

describe('DynamoDbRequestStore (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoDbRequestStore;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    await dynamo.createTable(TABLE);
    store = new DynamoDbRequestStore(dynamo.doc, TABLE);
  });
  afterAll(() => dynamo.stop());

  it('returns a stored request exactly as it was created', async () => {
    // Prepare
    const created = record({ requestId: 'req-roundtrip' });
    // Act
    await store.create(created);
    const read = await store.get('req-roundtrip');
    // Assess
    expect(read).toEqual(created);
  });

  it('stores the TTL attribute from expiresAt under the table keys', async () => {
    // Prepare
    await store.create(record({ requestId: 'req-ttl', expiresAt: 1_800_000_000 }));
    // Act
    const item = await dynamo.doc.send(new GetCommand({ TableName: TABLE, Key: { [TABLE_KEYS.PARTITION]: 'req-ttl', [TABLE_KEYS.SORT]: 'request' } }));
    // Assess
    expect(item.Item?.[TABLE_KEYS.TTL]).toBe(1_800_000_000);
  });

  it('refuses a second create with the same id as CONFLICT and keeps the first', async () => {
    // Prepare
    await store.create(record({ requestId: 'req-twice', agent: 'support-agent' }));
    // Act
    const second = await store.create(record({ requestId: 'req-twice', agent: 'sales-agent' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(second).toBeInstanceOf(BridgeError);
    expect(second).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((await store.get('req-twice'))?.agent).toBe('support-agent');
  });

  it('returns undefined for an unknown id', async () => {
    // Act
    const read = await store.get('req-never-created');
    // Assess
    expect(read).toBeUndefined();
  });

  it('lets other DynamoDB failures propagate unchanged', async () => {
    // Prepare
    const missingTable = new DynamoDbRequestStore(dynamo.doc, 'no-such-table');
    // Act
    const failure = await missingTable.create(record()).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(failure).not.toBeInstanceOf(BridgeError);
    expect((failure as Error).name).toBe('ResourceNotFoundException');
  });
});
