/**
 * The bridge's shared vocabulary. CRM object types are canonical (Salesforce names);
 * HubSpot objects map onto them (contacts→Contact, companies→Account, deals→Opportunity,
 * tickets→Case, tasks→Task, notes→Note, leads→Lead). Field names stay the CRM's own API names.
 */
import { COMPARISON_OPS, CRM_KINDS, CRM_OBJECT_TYPES, FIELD_CLASSES, REDACTION_ACTIONS } from './constants';

export { COMPARISON_OPS, CRM_KINDS, CRM_OBJECT_TYPES, FIELD_CLASSES, REDACTION_ACTIONS };

export type CrmKind = (typeof CRM_KINDS)[number];

export type CrmObjectType = (typeof CRM_OBJECT_TYPES)[number];

/** Sensitivity classes of structured fields (the field catalog maps every field to one). */
export type FieldClass = (typeof FIELD_CLASSES)[number];

export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

/** Structured filter: the only way a CRM query's WHERE clause is expressed. */
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export type Scalar = string | number | boolean | null;
export interface Condition {
  readonly field: string;
  readonly op: ComparisonOp;
  readonly value: Scalar | readonly Scalar[];
}
export type Filter = Condition | { readonly and: readonly Filter[] } | { readonly or: readonly Filter[] };

export interface OrderBy {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

/** A CRM record as the bridge handles it: provenance plus the CRM's fields. */
export interface CrmRecord {
  readonly object: CrmObjectType;
  readonly id: string;
  readonly fields: Record<string, unknown>;
}
