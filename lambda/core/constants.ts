/**
 * Names shared by infrastructure (lib/) and runtime (lambda/): environment variables and
 * table keys. The only module of lambda/ that lib/ may import.
 */
export const ENV = {
  /** The RuntimeConfig JSON (lambda/core/runtime-config.ts). */
  CONFIG_JSON: 'BRIDGE_CONFIG',
  REQUESTS_TABLE: 'BRIDGE_REQUESTS_TABLE',
  /** SSM parameter holding the kill-switch mode. */
  KILL_SWITCH_PARAMETER: 'BRIDGE_KILL_SWITCH_PARAMETER',
  /** Secrets Manager secret with the read integration user's OAuth credentials. */
  CRM_READ_SECRET_ARN: 'BRIDGE_CRM_READ_SECRET_ARN',
  /** Secrets Manager secret with the write integration user's OAuth credentials. */
  CRM_WRITE_SECRET_ARN: 'BRIDGE_CRM_WRITE_SECRET_ARN',
  /** Secrets Manager secret with the deployment HMAC key for the `hash` redaction action. */
  HMAC_SECRET_ARN: 'BRIDGE_HMAC_SECRET_ARN',
  /** Salesforce only: secret of the credentials administrator that stages and deletes the integration users' consumer credentials during rotation. */
  CRM_ROTATION_ADMIN_SECRET_ARN: 'BRIDGE_CRM_ROTATION_ADMIN_SECRET_ARN',
  /** Directory of the policy bundle shipped next to the function's code. */
  POLICY_DIR: 'BRIDGE_POLICY_DIR',
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
/** What happens to CRM free text that looks like a prompt injection (deployment config and runtime config). */
export const UNTRUSTED_ACTIONS = ['flag', 'neutralise', 'drop'] as const;
/** Agent-facing policy actions that config may grant. */
export const AGENT_ACTIONS = ['Read', 'ProposeCreate', 'ProposeUpdate', 'IssueRefund'] as const;

/** Environment of the audit writer and the digest job. */
export const AUDIT_ENV = {
  BUCKET: 'BRIDGE_AUDIT_BUCKET',
  /** KMS key id/ARN for SSE-KMS on audit puts. */
  KMS_KEY_ID: 'BRIDGE_AUDIT_KMS_KEY_ID',
  /** Asymmetric KMS key (ECC_NIST_P256) that signs digests. */
  SIGNING_KEY_ID: 'BRIDGE_AUDIT_SIGNING_KEY_ID',
  DIGEST_PERIOD_MINUTES: 'BRIDGE_AUDIT_DIGEST_PERIOD_MINUTES',
  DIGEST_LOOKBACK_MINUTES: 'BRIDGE_AUDIT_DIGEST_LOOKBACK_MINUTES',
  BRIDGE_VERSION: 'BRIDGE_VERSION',
} as const;

/** Environment of the redaction vault (tokenize originals). */
export const VAULT_ENV = {
  TABLE: 'BRIDGE_VAULT_TABLE',
  /** Symmetric KMS key (data CMK) that wraps the vault's data keys. */
  KMS_KEY_ID: 'BRIDGE_VAULT_KMS_KEY_ID',
  TTL_SECONDS: 'BRIDGE_VAULT_TTL_SECONDS',
} as const;
