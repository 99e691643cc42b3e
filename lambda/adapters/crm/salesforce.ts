import { BridgeError } from '../../core/errors';
import { allowedField, assertObject, type FieldAllowlist } from '../../core/query/identifiers';
import { buildSoql } from '../../core/query/soql';
import type { CrmObjectType, CrmRecord } from '../../core/types';
import { type ConnectorOptions, CrmHttp } from './http';
import { ANY_FIELD, assertRecordId, createdRecordId, toCrmRecord, writableFields } from './records';
import type { CrmConnector, CrmQuery } from './types';

export const SALESFORCE_API_VERSION = 'v60.0';
const API = `/services/data/${SALESFORCE_API_VERSION}`;
/** 15- or 18-character Salesforce ids. */
const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/**
 * Salesforce REST: SOQL queries built only from the structured query, and sobject reads and
 * writes. One query page always suffices: the bridge caps LIMIT at 200 and Salesforce's
 * smallest batch is 200 records.
 */
export class SalesforceConnector implements CrmConnector {
  readonly kind = 'salesforce' as const;
  private readonly http: CrmHttp;
  private readonly allow: FieldAllowlist;

  constructor(options: ConnectorOptions) {
    this.http = new CrmHttp('Salesforce', options);
    this.allow = options.allow ?? ANY_FIELD;
  }

  async query(q: CrmQuery): Promise<CrmRecord[]> {
    const soql = buildSoql(q, this.allow);
    const res = await this.http.send({ method: 'GET', path: `${API}/query`, query: { q: soql }, idempotent: true });
    const records = (res.body as { records?: unknown } | undefined)?.records;
    if (res.status !== 200 || !Array.isArray(records)) throw new BridgeError('CRM_UNAVAILABLE', 'Salesforce returned a malformed query result');
    const fields = ['Id', ...q.fields];
    return records.map((r: { Id?: unknown }) => toCrmRecord('Salesforce', q.object, r?.Id, r, fields));
  }

  async get(object: CrmObjectType, id: string, fields: readonly string[]): Promise<CrmRecord | undefined> {
    assertObject(object);
    assertRecordId('Salesforce', id, SALESFORCE_ID);
    const names = [...new Set(['Id', ...fields.map((f) => (f === 'Id' ? f : allowedField(object, f, this.allow)))])];
    const res = await this.http.send({ method: 'GET', path: `${API}/sobjects/${object}/${id}`, query: { fields: names.join(',') }, idempotent: true });
    if (res.status === 404) return undefined;
    return toCrmRecord('Salesforce', object, (res.body as { Id?: unknown } | undefined)?.Id, res.body, names);
  }

  async create(object: CrmObjectType, fields: Record<string, unknown>): Promise<string> {
    assertObject(object);
    const body = writableFields(object, fields, this.allow);
    const res = await this.http.send({ method: 'POST', path: `${API}/sobjects/${object}`, json: body, idempotent: false });
    return createdRecordId('Salesforce', res.status, res.body);
  }

  async update(object: CrmObjectType, id: string, fields: Record<string, unknown>): Promise<void> {
    assertObject(object);
    assertRecordId('Salesforce', id, SALESFORCE_ID);
    const res = await this.http.send({ method: 'PATCH', path: `${API}/sobjects/${object}/${id}`, json: writableFields(object, fields, this.allow), idempotent: true });
    if (res.status === 404) throw new BridgeError('NOT_FOUND', `Salesforce has no ${object} ${id}`);
  }
}
