/**
 * Names shared by infrastructure (lib/) and runtime (lambda/): environment variables and
 * table keys. The only module of lambda/ that lib/ may import.
 */
export const ENV = {
  CONFIG_JSON: 'BRIDGE_CONFIG',
} as const;

export const TABLE_KEYS = {
  PARTITION: 'pk',
  SORT: 'sk',
  TTL: 'expiresAt',
} as const;

/** Enumerations that both the deployment config (lib/) and the runtime validate against. */
export const CRM_KINDS = ['salesforce', 'hubspot'] as const;
export const CRM_OBJECT_TYPES = ['Contact', 'Lead', 'Account', 'Opportunity', 'Case', 'Task', 'Note', 'User'] as const;
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
export const REDACTION_ACTIONS = ['allow', 'mask', 'tokenize', 'hash', 'drop'] as const;
export const COMPARISON_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'startsWith'] as const;
/** Agent-facing policy actions that config may grant. */
export const AGENT_ACTIONS = ['Read', 'ProposeCreate', 'ProposeUpdate', 'IssueRefund'] as const;
