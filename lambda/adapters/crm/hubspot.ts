import { BridgeError } from '../../core/errors';
import { buildHubSpotSearch, hubSpotObject } from '../../core/query/hubspot';
import { allowedField, type FieldAllowlist } from '../../core/query/identifiers';
import type { CrmObjectType, CrmRecord } from '../../core/types';
import { type ConnectorOptions, CrmHttp } from './http';
import { ANY_FIELD, assertRecordId, createdRecordId, toCrmRecord, writableFields } from './records';
import type { CrmConnector, CrmQuery } from './types';

const HUBSPOT_ID = /^\d{1,20}$/;

/** HubSpot sends property values as strings; writes follow suit. */
const asProperties = (fields: Record<string, unknown>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === null ? null : String(v)]));

/**
 * HubSpot CRM v3: the search endpoint with filterGroups built from the structured query,
 * and the objects API. Canonical types map onto HubSpot's (Account→companies, …). One
 * search page suffices: HubSpot pages hold up to 200 results and the bridge caps limit at 200.
 */
export class HubSpotConnector implements CrmConnector {
  readonly kind = 'hubspot' as const;
  private readonly http: CrmHttp;
  private readonly allow: FieldAllowlist;

  constructor(options: ConnectorOptions) {
    this.http = new CrmHttp('HubSpot', options);
    this.allow = options.allow ?? ANY_FIELD;
  }

  async query(q: CrmQuery): Promise<CrmRecord[]> {
    const body = buildHubSpotSearch(q, this.allow);
    const res = await this.http.send({ method: 'POST', path: `/crm/v3/objects/${hubSpotObject(q.object)}/search`, json: body, idempotent: true });
    const results = (res.body as { results?: unknown } | undefined)?.results;
    if (res.status !== 200 || !Array.isArray(results)) throw new BridgeError('CRM_UNAVAILABLE', 'HubSpot returned a malformed search result');
    return results.map((r: { id?: unknown; properties?: unknown }) => toCrmRecord('HubSpot', q.object, r?.id, r?.properties, q.fields));
  }

  async get(object: CrmObjectType, id: string, fields: readonly string[]): Promise<CrmRecord | undefined> {
    const type = hubSpotObject(object);
    assertRecordId('HubSpot', id, HUBSPOT_ID);
    const names = [...new Set(fields.map((f) => allowedField(object, f, this.allow)))];
    const res = await this.http.send({ method: 'GET', path: `/crm/v3/objects/${type}/${id}`, query: { properties: names.join(','), archived: 'false' }, idempotent: true });
    if (res.status === 404) return undefined;
    const r = res.body as { id?: unknown; properties?: unknown } | undefined;
    return toCrmRecord('HubSpot', object, r?.id, r?.properties, names);
  }

  async create(object: CrmObjectType, fields: Record<string, unknown>): Promise<string> {
    const type = hubSpotObject(object);
    const properties = asProperties(writableFields(object, fields, this.allow));
    const res = await this.http.send({ method: 'POST', path: `/crm/v3/objects/${type}`, json: { properties }, idempotent: false });
    return createdRecordId('HubSpot', res.status, res.body);
  }

  async update(object: CrmObjectType, id: string, fields: Record<string, unknown>): Promise<void> {
    const type = hubSpotObject(object);
    assertRecordId('HubSpot', id, HUBSPOT_ID);
    const properties = asProperties(writableFields(object, fields, this.allow));
    const res = await this.http.send({ method: 'PATCH', path: `/crm/v3/objects/${type}/${id}`, json: { properties }, idempotent: true });
    if (res.status === 404) throw new BridgeError('NOT_FOUND', `HubSpot has no ${object} ${id}`);
  }
}
