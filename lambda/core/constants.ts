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
/** The largest request body a bridge API accepts; the handlers and the web ACL enforce the same figure. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * The API's access log line: field name → API Gateway context variable. The stack writes this format and the
 * gateway-refusal auditor (lambda/core/audit/gateway-refusals.ts) reads the same names. It holds no body and no
 * validation detail (API Gateway's validation string can quote the rejected values).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  wafResponseCode: '$context.wafResponseCode',
  principalArn: '$context.identity.userArn',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  sourceIp: '$context.identity.sourceIp',
  vpceId: '$context.identity.vpceId',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
} as const;

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
/**
 * The operations `POST /v1/records/propose` takes, each with the agent action it proposes: the route's request
 * model (lib/) and the runtime schema (approvals/schemas.ts) both admit exactly these.
 */
export const PROPOSAL_OPS = { create: 'ProposeCreate', update: 'ProposeUpdate', refund: 'IssueRefund' } as const satisfies Record<string, (typeof AGENT_ACTIONS)[number]>;
export type ProposalOp = keyof typeof PROPOSAL_OPS;

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

/**
 * Every Lambda entry under lambda/handlers/<entry>.ts, by role. The stack builds one function per entry; the
 * bench measures each bundle.
 */
export const FUNCTIONS = {
  /** Agent routes that read: query, request status/result, proposals (starts the approval flow). */
  agentApi: 'agent-api',
  /** Agent routes that authorize and execute actions policy allows without a person (signs and verifies tokens). */
  agentActions: 'agent-actions',
  /** Approver routes: list, show (with diff), decide (the only sender of task results). */
  approverApi: 'approver-api',
  /** State machine steps. */
  approvalReview: 'approval-review',
  approvalWait: 'approval-wait',
  approvalToken: 'approval-token',
  approvalExecute: 'approval-execute',
  approvalOutcome: 'approval-outcome',
} as const;
export type FunctionRole = keyof typeof FUNCTIONS;

/**
 * The private API's routes: who may call each (agent or approver roles) and which function serves it.
 * The stack (resources, methods, IAM policies) and the local runtime both read this table.
 */
export const API_ROUTES = [
  { method: 'POST', path: '/v1/records/query', caller: 'agent', fn: 'agentApi' },
  { method: 'POST', path: '/v1/records/propose', caller: 'agent', fn: 'agentApi' },
  { method: 'GET', path: '/v1/requests/{id}', caller: 'agent', fn: 'agentApi' },
  { method: 'POST', path: '/v1/authorize', caller: 'agent', fn: 'agentActions' },
  { method: 'POST', path: '/v1/actions/execute', caller: 'agent', fn: 'agentActions' },
  { method: 'GET', path: '/v1/approvals', caller: 'approver', fn: 'approverApi' },
  { method: 'GET', path: '/v1/approvals/{id}', caller: 'approver', fn: 'approverApi' },
  { method: 'POST', path: '/v1/approvals/{id}/decision', caller: 'approver', fn: 'approverApi' },
] as const satisfies readonly { method: 'GET' | 'POST'; path: string; caller: 'agent' | 'approver'; fn: FunctionRole }[];
export type ApiRoute = (typeof API_ROUTES)[number];

/** Environment of the approval flow's functions (and of the agent API, which starts executions). */
export const APPROVAL_ENV = {
  STATE_MACHINE_ARN: 'BRIDGE_STATE_MACHINE_ARN',
  /** SNS topic (CMK-encrypted) approvers' e-mail addresses subscribe to. */
  TOPIC_ARN: 'BRIDGE_APPROVAL_TOPIC_ARN',
  /** Optional: secret holding `{"webhookUrl": "https://hooks.slack.com/..."}`. */
  SLACK_WEBHOOK_SECRET_ARN: 'BRIDGE_SLACK_WEBHOOK_SECRET_ARN',
  /** Seconds an approval waits before it ends in deny (the state machine's task timeout). */
  TIMEOUT_SECONDS: 'BRIDGE_APPROVAL_TIMEOUT_SECONDS',
  /** Table of burned decision-token ids. */
  JTI_TABLE: 'BRIDGE_JTI_TABLE',
  /** Asymmetric KMS key (ECC_NIST_P256) that signs decision tokens. */
  DECISION_KEY_ID: 'BRIDGE_DECISION_KEY_ID',
  /** Symmetric data CMK that seals task tokens and approved read results in the requests table. */
  DATA_KEY_ID: 'BRIDGE_DATA_KEY_ID',
} as const;

/** The requests table's index of requests by status (approvers list pending ones). */
export const REQUESTS_STATUS_INDEX = { NAME: 'byStatus', PARTITION: 'status', SORT: 'createdAt' } as const;

/** Decision tokens: who issues them and who accepts them. */
export const DECISION_TOKEN = { ISSUER: 'crm-agent-bridge', AUDIENCE: 'crm-agent-bridge:executor', TTL_SECONDS: 300 } as const;

/**
 * CloudWatch metrics the bridge publishes as EMF and alarms on (lambda/adapters/metrics.ts derives them from
 * audit events; lib/constructs/monitoring.ts alarms on them). One `service` dimension value for every handler,
 * so each metric is one series across the proxy and the approval flow.
 */
export const METRICS = {
  NAMESPACE: 'CrmAgentBridge',
  AUDIT_SERVICE: 'audit-events',
  AGENT_DIMENSION: 'agent',
  NAMES: {
    AUDIT_EVENTS: 'AuditEvents',
    RECORDS_RETURNED: 'RecordsReturned',
    DENIALS: 'Denials',
    VALIDATION_FAILURES: 'ValidationFailures',
    INJECTION_FLAGS: 'InjectionFlags',
    OUTPUT_GUARD_HITS: 'OutputGuardHits',
    CRM_ERRORS: 'CrmErrors',
    APPROVAL_LATENCY: 'ApprovalLatency',
    APPROVAL_TIMEOUTS: 'ApprovalTimeouts',
    AUDIT_WRITE_FAILURES: 'AuditWriteFailures',
    AUDIT_EVENTS_REJECTED: 'AuditEventsRejected',
  },
} as const;
