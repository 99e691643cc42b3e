import { z } from 'zod';
import { AGENT_ACTIONS, CRM_KINDS, CRM_OBJECT_TYPES, FIELD_CLASSES } from './constants';

/**
 * What a function learns about its deployment, passed as one JSON environment variable
 * (ENV.CONFIG_JSON) written by the stack from the validated deployment config. The same
 * schema backs the local runtime, so both run the same identities and catalog.
 */
const IdentitySchema = z.object({ principals: z.array(z.string()).min(1) }).strict();

export const AgentRuntimeSchema = IdentitySchema.extend({
  actions: z.array(z.enum(AGENT_ACTIONS)).min(1),
  team: z.string().min(1),
  territories: z.array(z.string()),
  tier: z.enum(['standard', 'silver', 'gold']),
}).strict();

export const RuntimeConfigSchema = z
  .object({
    crm: z.object({ kind: z.enum(CRM_KINDS), instanceHost: z.string().min(1) }).strict(),
    agents: z.record(z.string(), AgentRuntimeSchema),
    approvers: z.record(z.string(), IdentitySchema).default({}),
    customFields: z.partialRecord(z.enum(CRM_OBJECT_TYPES), z.record(z.string(), z.enum(FIELD_CLASSES))).default({}),
    /** What happens to CRM free text that looks like a prompt injection. */
    untrustedAction: z.enum(['flag', 'neutralise', 'drop']).default('neutralise'),
  })
  .strict();

export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;
export type AgentRuntime = z.infer<typeof AgentRuntimeSchema>;

/** Parses the runtime config; a malformed one is a deployment defect, so it fails loudly at init. */
export function parseRuntimeConfig(json: string | undefined): RuntimeConfig {
  if (!json) throw new Error('runtime config is missing: the stack sets it in the function environment');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('runtime config is not JSON: the stack writes it from the validated deployment config');
  }
  const result = RuntimeConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`runtime config is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}
