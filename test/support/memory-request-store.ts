import { BridgeError } from '../../lambda/core/errors';
import {
  transitioned,
  type RequestChanges,
  type RequestPage,
  type RequestRecord,
  type RequestStatus,
  type RequestStore,
} from '../../lambda/core/requests';

/** RequestStore semantics (conflicts, lifecycle, by-status listing) in memory: for unit tests and the in-process bench. */
export class MemoryRequestStore implements RequestStore {
  readonly items = new Map<string, RequestRecord>();

  async create(record: RequestRecord): Promise<void> {
    if (this.items.has(record.requestId)) throw new BridgeError('CONFLICT', `request ${record.requestId} already exists`);
    this.items.set(record.requestId, record);
  }

  async get(requestId: string): Promise<RequestRecord | undefined> {
    return this.items.get(requestId);
  }

  async transition(
    requestId: string,
    from: RequestStatus | readonly RequestStatus[],
    to: RequestStatus,
    changes: RequestChanges = {},
    remove: readonly (keyof RequestChanges)[] = [],
  ): Promise<RequestRecord> {
    const current = this.items.get(requestId);
    if (!current) throw new BridgeError('NOT_FOUND', `no request ${requestId}`);
    const record = transitioned(current, from, to, changes, remove);
    this.items.set(requestId, record);
    return record;
  }

  async listByStatus(status: RequestStatus, opts: { limit?: number } = {}): Promise<RequestPage> {
    const items = [...this.items.values()].filter((r) => r.status === status).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { items: items.slice(0, opts.limit ?? 100) };
  }
}
