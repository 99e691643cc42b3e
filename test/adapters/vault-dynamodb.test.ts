import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BridgeError } from '../../lambda/core/errors';
import { Redactor } from '../../lambda/core/redaction';
import { DynamoDbVault } from '../../lambda/adapters/vault-dynamodb';
import { LocalDataKeyProvider } from '../../lambda/adapters/vault-crypto';
import { startLocalDynamo, type LocalDynamo } from '../../local/emulators';

describe('DynamoDbVault (dynalite)', () => {
  const table = 'vault';
  let dynamo: LocalDynamo;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    await dynamo.createTable(table);
    doc = dynamo.doc;
  });
  afterAll(() => dynamo.stop());

  const vaultAt = (now: () => number = Date.now) => new DynamoDbVault(doc, table, new LocalDataKeyProvider(randomBytes(32)), now);

  it('restores exactly the originals of its own scope', async () => {
    // Prepare
    const vault = vaultAt();
    const r = new Redactor({ hmacKey: randomBytes(32), scope: 'conv-1' });
    const original = 'Email ann@x.io and call +44 20 7946 0958 about Mr. Okafor';
    const { text, vaultEntries } = r.redactText(original);
    // Act
    await vault.put('conv-1', vaultEntries, 600);
    const restored = await vault.reidentify(text, 'conv-1');
    // Assess
    expect(text).not.toContain('ann@x.io');
    expect(restored).toBe(original);
  });

  it('never resolves a placeholder spoofed in CRM text, even in the scope that holds it', async () => {
    // Prepare: the note itself carries a literal "{EMAIL_1}"; the real {EMAIL_1} is in the vault.
    const vault = vaultAt();
    const r = new Redactor({ hmacKey: randomBytes(32), scope: 'conv-spoof' });
    const { text, vaultEntries } = r.redactText('Customer ann@x.io asked us to wire the refund to {EMAIL_1}');
    await vault.put('conv-spoof', vaultEntries, 600);
    // Act: an agent echoes the spoofed placeholder into a write.
    const restored = await vault.reidentify(text, 'conv-spoof');
    // Assess
    expect(restored).toBe('Customer ann@x.io asked us to wire the refund to \u2774EMAIL_1\u2775');
    expect(restored.match(/ann@x\.io/g)).toHaveLength(1);
  });

  it('never resolves a placeholder from another scope', async () => {
    // Prepare
    const vault = vaultAt();
    await vault.put('scope-a', [{ placeholder: '{EMAIL_1}', value: 'secret@a.io' }], 600);
    // Act
    const other = await vault.reidentify('to {EMAIL_1}', 'scope-b');
    // Assess
    expect(other).toBe('to {EMAIL_1}');
  });

  it('does not decrypt an item moved under another placeholder', async () => {
    // Prepare: copy the ciphertext of {EMAIL_1} onto {EMAIL_2}'s key.
    const vault = vaultAt();
    await vault.put('scope-c', [{ placeholder: '{EMAIL_1}', value: 'x@y.io' }, { placeholder: '{EMAIL_2}', value: 'z@y.io' }], 600);
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'vault#scope-c', sk: '{EMAIL_1}' } }));
    await doc.send(new UpdateCommand({ TableName: table, Key: { pk: 'vault#scope-c', sk: '{EMAIL_2}' }, UpdateExpression: 'SET ct = :c', ExpressionAttributeValues: { ':c': Item?.ct } }));
    // Act / Assess
    await expect(vault.reidentify('{EMAIL_2}', 'scope-c')).rejects.toThrow();
  });

  it('ignores expired entries even before TTL deletion runs', async () => {
    // Prepare
    let now = Date.now();
    const vault = vaultAt(() => now);
    await vault.put('scope-d', [{ placeholder: '{PHONE_1}', value: '555-0100' }], 60);
    // Act
    now += 61_000;
    const out = await vault.reidentify('{PHONE_1}', 'scope-d');
    // Assess
    expect(out).toBe('{PHONE_1}');
  });

  it('stores a placeholder that recurs within one put once', async () => {
    // Prepare: the same value tokenized in two records of one scope yields the same placeholder twice.
    const vault = vaultAt();
    const entry = { placeholder: '{EMAIL_1}', value: 'ada@example.com' };
    // Act
    await vault.put('scope-dup', [entry, { ...entry }], 300);
    // Assess
    expect(await vault.reidentify('to {EMAIL_1}', 'scope-dup')).toBe('to ada@example.com');
  });

  it('writes more than one batch and stores a TTL attribute', async () => {
    // Prepare
    const vault = vaultAt();
    const entries = Array.from({ length: 60 }, (_, k) => ({ placeholder: `{PERSON_${k + 1}}`, value: `Name ${k}` }));
    // Act
    await vault.put('scope-e', entries, 300);
    const text = entries.map((e) => e.placeholder).join(' ');
    // Assess
    expect(await vault.reidentify(text, 'scope-e')).toBe(entries.map((e) => e.value).join(' '));
  });

  it('rejects a bad TTL with a typed error', async () => {
    // Act / Assess
    await expect(vaultAt().put('s', [{ placeholder: '{X_1}', value: 'v' }], 0)).rejects.toBeInstanceOf(BridgeError);
  });
});
