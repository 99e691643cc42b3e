import { AGENT_ACTIONS, CRM_KINDS, CRM_OBJECT_TYPES, FIELD_CLASSES } from './constants';
import * as z from 'zod/mini';
import './validation';  // zod's English messages

/**
 * What a function learns about its deployment, passed as one JSON environment variable
 * (ENV.CONFIG_JSON) written by the stack from the validated deployment config. The same
 * schema backs the local runtime, so both run the same identities and catalog.
 */
const IdentitySchema = z.strictObject({ principals: z.array(z.string()).check(z.minLength(1)) });

export const AgentRuntimeSchema = z.extend(IdentitySchema, {
  actions: z.array(z.enum(AGENT_ACTIONS)).check(z.minLength(1)),
  team: z.string().check(z.minLength(1)),
  territories: z.array(z.string()),
  tier: z.enum(['standard', 'silver', 'gold']),
});

export const RuntimeConfigSchema = z.strictObject({
  crm: z.strictObject({ kind: z.enum(CRM_KINDS), instanceHost: z.string().check(z.minLength(1)) }),
  agents: z.record(z.string(), AgentRuntimeSchema),
  approvers: z._default(z.record(z.string(), IdentitySchema), {}),
  customFields: z._default(z.partialRecord(z.enum(CRM_OBJECT_TYPES), z.record(z.string(), z.enum(FIELD_CLASSES))), {}),
  /** What happens to CRM free text that looks like a prompt injection. */
  untrustedAction: z._default(z.enum(['flag', 'neutralise', 'drop']), 'neutralise'),
});

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
