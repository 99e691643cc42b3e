/**
 * The bridge's shared vocabulary. CRM object types are canonical (Salesforce names);
 * HubSpot objects map onto them (contacts→Contact, companies→Account, deals→Opportunity,
 * tickets→Case, tasks→Task, notes→Note, leads→Lead). Field names stay the CRM's own API names.
 */
export const CRM_KINDS = ['salesforce', 'hubspot'] as const;
export type CrmKind = (typeof CRM_KINDS)[number];

export const CRM_OBJECT_TYPES = ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note', 'User'] as const;
export type CrmObjectType = (typeof CRM_OBJECT_TYPES)[number];

/** Sensitivity classes of structured fields (the field catalog maps every field to one). */
export const FIELD_CLASSES = [
  'EMAIL',
  'PHONE',
  'PERSON_NAME',
  'POSTAL_ADDRESS',
  'DATE_OF_BIRTH',
  'GOVERNMENT_ID',
  'FINANCIAL',
  'FREE_TEXT',
  'IDENTIFIER',
  'NON_SENSITIVE',
] as const;
export type FieldClass = (typeof FIELD_CLASSES)[number];

export const REDACTION_ACTIONS = ['allow', 'mask', 'tokenize', 'hash', 'drop'] as const;
export type RedactionAction = (typeof REDACTION_ACTIONS)[number];

/** Structured filter: the only way a CRM query's WHERE clause is expressed. */
export const COMPARISON_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'startsWith'] as const;
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
