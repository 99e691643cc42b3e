/**
 * The deployment config: one JSON file, validated here. This module is the single home of
 * every default; constructs import DEFAULTS rather than restating a value.
 */
import { readFileSync } from 'node:fs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { AGENT_ACTIONS, CRM_KINDS, CRM_OBJECT_TYPES, FIELD_CLASSES, UNTRUSTED_ACTIONS } from '../lambda/core/constants';

export const DEFAULT_CONFIG_PATH = 'bridge.config.json';

/** CloudWatch Logs accepts only these retention periods; "never expire" is not offered. */
export const LOG_RETENTION_VALUES = Object.values(RetentionDays).filter(
  (v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE,
);

export const DEFAULTS = {
  stackName: 'CrmAgentBridge',
  agentTier: 'standard',
  audit: {
    retentionMode: 'COMPLIANCE',
    retentionDays: 365,
    transitionToInfrequentAccessDays: 90,
    digestPeriodMinutes: 15,
  },
  api: {
    /** Steady-state requests per second across the stage, and the burst above it. */
    throttleRateLimit: 50,
    throttleBurstLimit: 100,
    /** Requests per caller IP in any 5-minute window before WAF blocks it. */
    wafRateLimit: 1000,
    /** Concurrent executions reserved for (and capping) the proxy Lambda. */
    reservedConcurrency: 20,
  },
  untrustedAction: 'neutralise',
  /** Days between automatic rotations of the CRM integration users' OAuth credentials. */
  rotationDays: 30,
  alarms: {
    /** Records one agent may receive per minute before the anomaly alarm fires. */
    recordsPerMinutePerAgent: 500,
    validationFailuresPer5Minutes: 25,
    denialsPer5Minutes: 25,
  },
  approvals: {
    /** An unanswered approval ends in deny after this long. */
    timeoutMinutes: 60,
  },
  logs: { retentionDays: 365 },
  network: { cidr: '10.40.0.0/16', maxAzs: 2 },
} as const;

/** S3 refuses lifecycle transitions to STANDARD_IA earlier than this many days. */
const MIN_INFREQUENT_ACCESS_DAYS = 30;
const MAX_RETENTION_DAYS = 36500;
const WRITE_ACTIONS: readonly (typeof AGENT_ACTIONS)[number][] = ['ProposeCreate', 'ProposeUpdate', 'IssueRefund'];

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = `(?=.{1,253}$)(?:${LABEL}\\.)+[a-z]{2,63}`;
const HOSTNAME_RE = new RegExp(`^${HOSTNAME}$`);
const DOMAIN_RE = new RegExp(`^(?:\\*\\.)?${HOSTNAME}$`);
const ROLE_ARN_RE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const NAME_RE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const TRUSTED_PRINCIPAL_RE = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:root|role\/[\w+=,.@/-]{1,512})$/;
/** CloudWatch evaluates an alarm over at most one day; the digest alarm spans two periods. */
const MAX_DIGEST_PERIOD_MINUTES = 720;
/** WAF's smallest rate-based limit. */
const MIN_WAF_RATE_LIMIT = 10;

const hostname = z
  .string()
  .regex(HOSTNAME_RE, { error: 'a bare lower-case hostname like acme.my.salesforce.com (no scheme, port or path)' });
const roleArn = z.string().regex(ROLE_ARN_RE, { error: 'an IAM role ARN like arn:aws:iam::123456789012:role/Name' });
const entityName = z
  .string()
  .regex(NAME_RE, { error: 'a name of letters, digits and dashes starting with a letter (at most 64 characters)' });
const days = (max: number) => z.number().int().min(1).max(max);

const crmSchema = z
  .object({
    kind: z.enum(CRM_KINDS),
    instanceHost: hostname,
    apiVersion: z
      .string()
      .regex(/^v?\d+(\.\d+)?$/, { error: 'an API version like 62.0 (Salesforce) or v3 (HubSpot)' })
      .optional(),
    /** Automatic rotation of both integration users' OAuth credentials. */
    rotationDays: z.number().int().min(1).max(365).default(DEFAULTS.rotationDays),
  })
  .strict();

/** Requests wait for a person at most PENDING_REQUEST_TTL (7 days): the approval timeout stays inside it. */
export const MAX_APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60 - 60;
const SLACK_WEBHOOK_HOST = 'hooks.slack.com';

const approvalsSchema = z
  .object({
    timeoutMinutes: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_MINUTES).default(DEFAULTS.approvals.timeoutMinutes),
    /** Creates a secret for a Slack incoming-webhook URL (put after deploy) and posts each approval request to it. */
    slackWebhook: z.boolean().default(false),
  })
  .strict();

const connectivitySchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('privateLink'),
      serviceName: z.string().regex(/^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]{8,17}$/, {
        error: 'a VPC endpoint service name like com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0',
      }),
      privateDnsEnabled: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      mode: z.literal('allowlistedEgress'),
      domains: z
        .array(
          z.string().regex(DOMAIN_RE, {
            error: 'a hostname like acme.my.salesforce.com, wildcards only as a leading "*." (e.g. *.force.com)',
          }),
        )
        .min(1),
      acceptPublicEgressRisk: z.literal(true, {
        error:
          'true: allowlistedEgress adds an internet gateway and NAT behind AWS Network Firewall; set "acceptPublicEgressRisk": true to accept that risk, or use mode "privateLink"',
      }),
    })
    .strict(),
  z.object({ mode: z.literal('none') }).strict(),
]);

const agentSchema = z
  .object({
    roleArns: z.array(roleArn).min(1).optional(),
    createRole: z.literal(true).optional(),
    assumedBy: z
      .string()
      .regex(TRUSTED_PRINCIPAL_RE, {
        error: 'an IAM role ARN or an account root ARN like arn:aws:iam::123456789012:root',
      })
      .optional(),
    actions: z.array(z.enum(AGENT_ACTIONS)).min(1),
    team: z.string().min(1),
    territories: z.array(z.string().min(1)),
    tier: z.enum(['standard', 'silver', 'gold']).default(DEFAULTS.agentTier),
  })
  .strict()
  .superRefine((agent, ctx) => {
    if ((agent.roleArns === undefined) === (agent.createRole === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['roleArns'],
        message: 'exactly one of "roleArns" (existing roles to trust) or "createRole": true',
      });
    }
    if (agent.assumedBy !== undefined && agent.createRole === undefined) {
      ctx.addIssue({ code: 'custom', path: ['assumedBy'], message: 'only with "createRole": true (it names who may assume the created role)' });
    }
  });

const approverSchema = z
  .object({
    roleArns: z.array(roleArn).min(1),
    email: z.email().optional(),
  })
  .strict();

const auditSchema = z
  .object({
    retentionMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default(DEFAULTS.audit.retentionMode),
    acceptGovernanceModeRisk: z.literal(true).optional(),
    retentionDays: days(MAX_RETENTION_DAYS).default(DEFAULTS.audit.retentionDays),
    transitionToInfrequentAccessDays: z
      .number()
      .int()
      .min(MIN_INFREQUENT_ACCESS_DAYS)
      .default(DEFAULTS.audit.transitionToInfrequentAccessDays),
    transitionToGlacierDays: days(MAX_RETENTION_DAYS).optional(),
    breakGlassRoleArn: roleArn.optional(),
    digestPeriodMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_DIGEST_PERIOD_MINUTES)
      .refine((m) => 1440 % m === 0, { error: 'a number of minutes that divides a day (1440), e.g. 5, 15, 60' })
      .default(DEFAULTS.audit.digestPeriodMinutes),
  })
  .strict()
  .superRefine((audit, ctx) => {
    if (audit.retentionMode === 'GOVERNANCE' && audit.acceptGovernanceModeRisk !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['acceptGovernanceModeRisk'],
        message:
          'true when retentionMode is GOVERNANCE: principals with s3:BypassGovernanceRetention can then delete audit records; set "acceptGovernanceModeRisk": true or keep COMPLIANCE',
      });
    }
    if (audit.transitionToGlacierDays !== undefined && audit.transitionToGlacierDays <= audit.transitionToInfrequentAccessDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['transitionToGlacierDays'],
        message: `a number of days greater than transitionToInfrequentAccessDays (${audit.transitionToInfrequentAccessDays})`,
      });
    }
  });

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    account: z.string().regex(/^\d{12}$/, { error: 'a 12-digit AWS account id' }).optional(),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'an AWS region like eu-west-1' }).optional(),
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'a CloudFormation stack name (letters, digits, dashes)' })
      .default(DEFAULTS.stackName),
    crm: crmSchema,
    connectivity: connectivitySchema,
    agents: z.record(entityName, agentSchema),
    approvers: z.record(entityName, approverSchema).default({}),
    customFields: z
      .partialRecord(
        z.enum(CRM_OBJECT_TYPES),
        z.record(
          z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, { error: 'a CRM field API name like Loyalty_Id__c' }),
          z.enum(FIELD_CLASSES),
        ),
      )
      .optional(),
    audit: auditSchema.prefault({}),
    api: z
      .object({
        throttleRateLimit: z.number().int().min(1).max(10000).default(DEFAULTS.api.throttleRateLimit),
        throttleBurstLimit: z.number().int().min(1).max(5000).default(DEFAULTS.api.throttleBurstLimit),
        wafRateLimit: z.number().int().min(MIN_WAF_RATE_LIMIT).max(2_000_000_000).default(DEFAULTS.api.wafRateLimit),
        reservedConcurrency: z.number().int().min(1).max(1000).default(DEFAULTS.api.reservedConcurrency),
      })
      .strict()
      .prefault({}),
    untrustedAction: z.enum(UNTRUSTED_ACTIONS).default(DEFAULTS.untrustedAction),
    logs: z
      .object({
        retentionDays: z.literal(LOG_RETENTION_VALUES as [number, ...number[]]).default(DEFAULTS.logs.retentionDays),
      })
      .strict()
      .prefault({}),
    alarms: z
      .object({
        email: z.email().optional(),
        recordsPerMinutePerAgent: z.number().int().min(1).max(1_000_000).default(DEFAULTS.alarms.recordsPerMinutePerAgent),
        validationFailuresPer5Minutes: z.number().int().min(1).max(1_000_000).default(DEFAULTS.alarms.validationFailuresPer5Minutes),
        denialsPer5Minutes: z.number().int().min(1).max(1_000_000).default(DEFAULTS.alarms.denialsPer5Minutes),
      })
      .strict()
      .prefault({}),
    approvals: approvalsSchema.prefault({}),
    network: z
      .object({
        cidr: z.cidrv4().default(DEFAULTS.network.cidr),
        maxAzs: z.number().int().min(2).max(6).default(DEFAULTS.network.maxAzs),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const agents = Object.entries(config.agents);
    if (agents.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['agents'], message: 'at least one agent, e.g. { "support": { … } }' });
    }
    const writers = agents.filter(([, a]) => a.actions.some((act) => WRITE_ACTIONS.includes(act))).map(([n]) => n);
    if (writers.length > 0 && Object.keys(config.approvers).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvers'],
        message: `at least one approver, because agent(s) ${writers.join(', ')} may propose writes and every write waits for a human`,
      });
    }
    // Lambdas have no internet route: Slack is reachable only through the allowlisted egress firewall.
    const egress = config.connectivity.mode === 'allowlistedEgress' ? config.connectivity.domains : [];
    if (config.approvals.slackWebhook && !egress.includes(SLACK_WEBHOOK_HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals', 'slackWebhook'],
        message: `true only with connectivity mode "allowlistedEgress" listing "${SLACK_WEBHOOK_HOST}" in domains (the functions have no other route to Slack); or use the SNS e-mail notifications`,
      });
    }
  });

export type BridgeConfig = z.output<typeof configSchema>;
export type BridgeConfigInput = z.input<typeof configSchema>;
export type AgentConfig = BridgeConfig['agents'][string];
export type ConnectivityConfig = BridgeConfig['connectivity'];

/** A config that failed validation: one line per problem, each naming path, found and expected. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type RawIssue = z.core.$ZodRawIssue;

const ARTICLE: Record<string, string> = {
  int: 'an integer',
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean (true or false)',
};

/** Rewrites zod's default messages into "what is expected" phrases; schema-level errors take precedence. */
function expectedPhrase(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return ARTICLE[issue.expected] ?? `a value of type ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `at least ${issue.minimum} item(s)`
        : issue.origin === 'string'
          ? `at least ${issue.minimum} character(s)`
          : `a number >= ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `at most ${issue.maximum} item(s)` : `a number <= ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'cidrv4' ? 'an IPv4 CIDR block like 10.40.0.0/16' : `a valid ${issue.format}`;
    case 'unrecognized_keys': {
      // Objects list their shape; records with enum keys (customFields) list the enum.
      const inst = issue.inst as { shape?: Record<string, unknown>; keyType?: { options?: unknown[] } } | undefined;
      const allowed = inst?.shape ? Object.keys(inst.shape) : (inst?.keyType?.options ?? []).map(String);
      return `one of the keys ${allowed.join(', ')} (check the spelling or remove it)`;
    }
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `one of ${issue.options.map((o: unknown) => JSON.stringify(o)).join(', ')}`
        : 'one of the documented shapes';
    default:
      return 'a valid value';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i === 0 ? '' : '.'}${String(seg)}`))
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validates a parsed JSON object; throws ConfigError listing every problem. */
export function parseConfig(input: unknown, sourceName: string): BridgeConfig {
  const result = configSchema.safeParse(input, { error: expectedPhrase });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) => `${sourceName}: ${formatPath([...issue.path, key])}: found unknown key "${key}", expected ${issue.message}`,
      );
    }
    // A bad record key: the key itself is what was found; the key schema's message says what is expected.
    const found = issue.code === 'invalid_key' ? JSON.stringify(issue.path.at(-1)) : show(valueAt(input, issue.path));
    const expected = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [`${sourceName}: ${formatPath(issue.path)}: found ${found}, expected ${expected}`];
  });
  throw new ConfigError(problems);
}

/** Reads and validates a config file. */
export function loadConfig(path: string): BridgeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read the config file (${(err as Error).message}); pass another with -c config=PATH`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${path}: not valid JSON (${(err as Error).message})`]);
  }
  return parseConfig(json, path);
}

/** The JSON Schema editors use for completion (committed as bridge.config.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
