/**
 * Local stand-ins for AWS that speak the real wire protocols: dynalite for DynamoDB and
 * s3rver for S3, on 127.0.0.1 with ephemeral ports. Used by `npm start` and the e2e tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REQUESTS_STATUS_INDEX, TABLE_KEYS } from '../lambda/core/constants';

// Neither package ships type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

/** Emulators accept any credentials; these make the SDK's signer happy without touching real ones. */
const LOCAL_CREDENTIALS = { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' };
const LOCAL_REGION = 'us-east-1';

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  stop(): Promise<void>;
}

export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'bridge-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** Creates a table with the bridge's pk/sk key schema. */
  /** `statusIndex`: the requests table's index of requests by status (REQUESTS_STATUS_INDEX). */
  createTable(name: string, opts?: { statusIndex?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    createTable: async (name, opts = {}) => {
      const index = REQUESTS_STATUS_INDEX;
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: TABLE_KEYS.PARTITION, AttributeType: 'S' },
            { AttributeName: TABLE_KEYS.SORT, AttributeType: 'S' },
            ...(opts.statusIndex
              ? [
                  { AttributeName: index.PARTITION, AttributeType: 'S' as const },
                  { AttributeName: index.SORT, AttributeType: 'S' as const },
                ]
              : []),
          ],
          KeySchema: [
            { AttributeName: TABLE_KEYS.PARTITION, KeyType: 'HASH' },
            { AttributeName: TABLE_KEYS.SORT, KeyType: 'RANGE' },
          ],
          ...(opts.statusIndex
            ? {
                GlobalSecondaryIndexes: [
                  {
                    IndexName: index.NAME,
                    KeySchema: [
                      { AttributeName: index.PARTITION, KeyType: 'HASH' as const },
                      { AttributeName: index.SORT, KeyType: 'RANGE' as const },
                    ],
                    Projection: { ProjectionType: 'ALL' as const },
                  },
                ],
              }
            : {}),
        }),
      );
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
