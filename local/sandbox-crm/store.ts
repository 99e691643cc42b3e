/**
 * The sandbox's records in each CRM's own shape (Salesforce rows with `Id` and API names;
 * HubSpot objects with `id` and string `properties`), projected from one canonical seed,
 * plus the filter semantics each API applies to them.
 */
import type { CrmObjectType, Scalar } from '../../lambda/core/types';
import { HUBSPOT_OBJECTS } from '../../lambda/core/query/hubspot';
import { REFUND_FIELDS } from '../../lambda/core/approvals/crm-writes';
import { seedRecords, type SeedRecord } from './seed';
import type { LikePart, SoqlFilter } from './soql';

export type SfRow = Record<string, Scalar> & { Id: string };
export interface HsRow {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

const SF_PREFIX: Record<CrmObjectType, string> = { Account: '001', Note: '002', Contact: '003', User: '005', Opportunity: '006', Task: '00T', Lead: '00Q', Case: '500' };

/** An 18-character Salesforce id: 15-character id plus its case-encoding checksum. */
export function salesforceId(object: CrmObjectType, n: number): string {
  const id15 = `${SF_PREFIX[object]}5g${String(n).padStart(10, '0')}`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i])) bits |= 1 << i;
    suffix += alphabet[bits];
  }
  return id15 + suffix;
}

/** Canonical keys that reference other seed records, and the field each object names them by. */
const SF_REFERENCES: Record<string, [CrmObjectType, Partial<Record<CrmObjectType, string>>]> = {
  AccountKey: ['Account', { Contact: 'AccountId', Opportunity: 'AccountId', Case: 'AccountId' }],
  ContactKey: ['Contact', { Case: 'ContactId', Task: 'WhoId', Note: 'ParentId' }],
  OwnerKey: ['User', { Account: 'OwnerId' }],
};

/** Salesforce API names onto HubSpot property names, per object; unmapped fields do not exist in HubSpot. */
const HS_PROPERTIES: Partial<Record<CrmObjectType, Record<string, string>>> = {
  Contact: { FirstName: 'firstname', LastName: 'lastname', Email: 'email', Phone: 'phone', MobilePhone: 'mobilephone', Title: 'jobtitle', MailingCity: 'city', MailingCountry: 'country', Birthdate: 'date_of_birth', Territory__c: 'territory', Description: 'message', AccountKey: 'associatedcompanyid', CreatedDate: 'createdate' },
  Lead: { FirstName: 'firstname', LastName: 'lastname', Name: 'hs_lead_name', Email: 'email', Phone: 'phone', Company: 'company', Status: 'hs_pipeline_stage', LeadSource: 'hs_lead_source', Territory__c: 'territory', Description: 'description', CreatedDate: 'createdate' },
  Account: { Name: 'name', Industry: 'industry', Phone: 'phone', Website: 'domain', BillingCity: 'city', BillingCountry: 'country', AnnualRevenue: 'annualrevenue', NumberOfEmployees: 'numberofemployees', Territory__c: 'territory', OwnerKey: 'hubspot_owner_id', Description: 'description', CreatedDate: 'createdate' },
  Opportunity: { Name: 'dealname', Amount: 'amount', StageName: 'dealstage', CloseDate: 'closedate', Probability: 'hs_deal_stage_probability', Territory__c: 'territory', AccountKey: 'associatedcompanyid', Description: 'description', CreatedDate: 'createdate' },
  Case: { Subject: 'subject', Description: 'content', Status: 'hs_pipeline_stage', Priority: 'hs_ticket_priority', Territory__c: 'territory', CreatedDate: 'createdate' },
  Task: { Subject: 'hs_task_subject', Description: 'hs_task_body', Status: 'hs_task_status', Priority: 'hs_task_priority', ActivityDate: 'hs_timestamp', Territory__c: 'territory' },
  Note: { Body: 'hs_note_body', CreatedDate: 'hs_timestamp', Territory__c: 'territory' },
};
/** Objects a refund may land on (IssueRefund) and the custom fields a deployment adds to them. */
const REFUND_OBJECTS: readonly CrmObjectType[] = ['Case', 'Account', 'Opportunity'];
/** Writable fields no seed row carries: the refund fields, and fields the shipped proposal policies allow. */
const SF_WRITE_FIELDS: Partial<Record<CrmObjectType, string[]>> = {
  ...Object.fromEntries(REFUND_OBJECTS.map((o) => [o, Object.values(REFUND_FIELDS.salesforce)])),
  Opportunity: ['NextStep', ...Object.values(REFUND_FIELDS.salesforce)],
  Task: ['WhatId'],
};
const HS_WRITE_FIELDS: Partial<Record<CrmObjectType, string[]>> = Object.fromEntries(REFUND_OBJECTS.map((o) => [o, Object.values(REFUND_FIELDS.hubspot)]));

/** Properties HubSpot returns on every object whether asked or not. */
export const HS_ALWAYS = ['hs_object_id', 'createdate', 'lastmodifieddate'];

const hubSpotId = (object: CrmObjectType, key: number): string => String((Object.keys(SF_PREFIX).indexOf(object) + 1) * 100_000 + 1000 + key);

export class SandboxStore {
  readonly salesforce = new Map<string, SfRow[]>();
  readonly hubspot = new Map<string, HsRow[]>();
  /** Field names per Salesforce object, and property names per HubSpot type. */
  readonly sfFields = new Map<string, Set<string>>();
  readonly hsProperties = new Map<string, Set<string>>();
  private counter = 0;

  constructor(seed: number, private readonly now: () => Date = () => new Date()) {
    const records = seedRecords(seed);
    for (const r of records) this.addSeed(r);
    this.indexFields();
  }

  private addSeed(r: SeedRecord): void {
    const row: Record<string, Scalar> = { Id: salesforceId(r.object, r.key) };
    const props: Record<string, string | null> = {};
    const hsMap = HS_PROPERTIES[r.object];
    for (const [k, v] of Object.entries(r.fields)) {
      const ref = SF_REFERENCES[k];
      const sfName = ref ? ref[1][r.object] : k;
      if (sfName) row[sfName] = ref && typeof v === 'number' ? salesforceId(ref[0], v) : v;
      const hsName = hsMap?.[k];
      if (!hsName) continue;
      const target = ref && typeof v === 'number' ? HUBSPOT_OBJECTS[ref[0]] && hubSpotId(ref[0], v) : v;
      props[hsName] = target === null || target === undefined ? null : hsName === 'domain' ? String(target).replace(/^https:\/\//, '') : String(target);
    }
    this.rows(r.object).push(row as SfRow);
    const type = HUBSPOT_OBJECTS[r.object];
    if (type && hsMap) {
      const id = hubSpotId(r.object, r.key);
      const created = (r.fields.CreatedDate as string | undefined) ?? '2024-01-01T00:00:00.000Z';
      props.hs_object_id = id;
      props.createdate = created;
      props.lastmodifieddate = created;
      this.objects(type).push({ id, properties: props, createdAt: created, updatedAt: created, archived: false });
    }
  }

  rows(object: string): SfRow[] {
    let rows = this.salesforce.get(object);
    if (!rows) {
      rows = [];
      this.salesforce.set(object, rows);
      this.sfFields.set(object, new Set(['Id', 'CreatedDate', 'LastModifiedDate']));
    }
    return rows;
  }

  objects(type: string): HsRow[] {
    let rows = this.hubspot.get(type);
    if (!rows) {
      rows = [];
      this.hubspot.set(type, rows);
      this.hsProperties.set(type, new Set(HS_ALWAYS));
    }
    return rows;
  }

  /** Every field any seed row carries becomes a known field of its object, and so do the write path's own fields. */
  private indexFields(): void {
    for (const [object, rows] of this.salesforce) for (const r of rows) for (const k of Object.keys(r)) this.sfFields.get(object)?.add(k);
    for (const [type, rows] of this.hubspot) for (const r of rows) for (const k of Object.keys(r.properties)) this.hsProperties.get(type)?.add(k);
    for (const [object, fields] of Object.entries(SF_WRITE_FIELDS)) for (const f of fields) this.sfFields.get(object)?.add(f);
    for (const [object, fields] of Object.entries(HS_WRITE_FIELDS)) {
      const known = this.hsProperties.get(HUBSPOT_OBJECTS[object as CrmObjectType] ?? '');
      for (const f of fields) known?.add(f);
    }
  }

  /** Salesforce API names are case-insensitive; returns the canonical spelling or undefined. */
  sfField(object: string, name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const f of this.sfFields.get(object) ?? []) if (f.toLowerCase() === lower) return f;
    return undefined;
  }

  createSalesforce(object: CrmObjectType, fields: Record<string, Scalar>): SfRow {
    const rows = this.rows(object);
    const stamp = this.now().toISOString();
    const row = { ...fields, Id: salesforceId(object, 900_000 + ++this.counter), CreatedDate: stamp, LastModifiedDate: stamp } as SfRow;
    rows.push(row);
    return row;
  }

  createHubSpot(type: string, object: CrmObjectType, properties: Record<string, string | null>): HsRow {
    const stamp = this.now().toISOString();
    const id = hubSpotId(object, 90_000 + ++this.counter);
    const row: HsRow = { id, properties: { ...properties, hs_object_id: id, createdate: stamp, lastmodifieddate: stamp }, createdAt: stamp, updatedAt: stamp, archived: false };
    this.objects(type).push(row);
    return row;
  }

  touch(row: HsRow): void {
    row.updatedAt = this.now().toISOString();
    row.properties.lastmodifieddate = row.updatedAt;
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/;

/** Orders two CRM values: numbers numerically, ISO dates chronologically, text case-insensitively. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b) ? 0 : String(a) < String(b) ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  if (ISO_INSTANT.test(sa) && ISO_INSTANT.test(sb)) return Date.parse(sa) - Date.parse(sb);
  const na = Number(sa);
  const nb = Number(sb);
  if (sa.trim() !== '' && sb.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la === lb ? 0 : la < lb ? -1 : 1;
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

function likeRegex(pattern: readonly LikePart[]): RegExp {
  const body = pattern
    .map((p) => ('wildcard' in p ? (p.wildcard === '%' ? '[\\s\\S]*' : '[\\s\\S]') : p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/** SOQL WHERE semantics over a row; `field` resolves a name to the row's value. */
export function matchesSoql(f: SoqlFilter, value: (field: string) => unknown): boolean {
  if ('not' in f) return !matchesSoql(f.not, value);
  if ('and' in f) return f.and.every((p) => matchesSoql(p, value));
  if ('or' in f) return f.or.some((p) => matchesSoql(p, value));
  const v = value(f.field);
  if (f.op === 'like') return !isNull(v) && likeRegex(f.pattern).test(String(v));
  if (f.op === 'in') return !isNull(v) && (f.value as Scalar[]).some((x) => compareValues(v, x) === 0);
  if (f.op === 'startsWith') throw new Error('SOQL has no startsWith; the parser yields LIKE');
  if (f.value === null) return f.op === 'eq' ? isNull(v) : f.op === 'ne' ? !isNull(v) : false;
  if (isNull(v)) return f.op === 'ne';
  const c = compareValues(v, f.value);
  return { eq: c === 0, ne: c !== 0, lt: c < 0, lte: c <= 0, gt: c > 0, gte: c >= 0 }[f.op];
}

export interface HsFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

/** HubSpot search filter semantics over one object's properties. */
export function matchesHubSpot(f: HsFilter, properties: Record<string, string | null>): boolean {
  const v = properties[f.propertyName];
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return !isNull(v) && v !== '';
    case 'NOT_HAS_PROPERTY':
      return isNull(v) || v === '';
    case 'IN':
      return !isNull(v) && (f.values ?? []).some((x) => compareValues(v, x) === 0);
    case 'NOT_IN':
      return isNull(v) || !(f.values ?? []).some((x) => compareValues(v, x) === 0);
    case 'CONTAINS_TOKEN': {
      if (isNull(v) || f.value === undefined) return false;
      const wanted = f.value.toLowerCase();
      const tokens = String(v).toLowerCase().split(/\s+/);
      // A trailing `*` matches any token starting with the rest; otherwise whole tokens or the whole value.
      if (wanted.endsWith('*') && !wanted.slice(0, -1).includes('*')) {
        const prefix = wanted.slice(0, -1);
        return String(v).toLowerCase().startsWith(prefix) || tokens.some((t) => t.startsWith(prefix));
      }
      return tokens.includes(wanted) || String(v).toLowerCase() === wanted;
    }
  }
  if (isNull(v) || f.value === undefined) return f.operator === 'NEQ';
  const c = compareValues(v, f.value);
  const result = { EQ: c === 0, NEQ: c !== 0, LT: c < 0, LTE: c <= 0, GT: c > 0, GTE: c >= 0 }[f.operator];
  if (result === undefined) throw new Error(`unsupported operator ${f.operator}`);
  return result;
}
