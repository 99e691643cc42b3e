import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleSources } from '../../../lambda/core/policy';
import type { AgentProfile, PolicyRequest } from '../../../lambda/core/policy';

const DIR = join(__dirname, '../../../policies');

/** The shipped bundle's sources, read synchronously for unit tests. */
export function shippedSources(): BundleSources {
  return {
    schema: readFileSync(join(DIR, 'schema.cedarschema'), 'utf8'),
    effectiveFrom: '2025-01-01T00:00:00Z',
    policies: readdirSync(DIR)
      .filter((n) => n.endsWith('.cedar'))
      .map((name) => ({ name, text: readFileSync(join(DIR, name), 'utf8') })),
  };
}

export const SCHEMA = readFileSync(join(DIR, 'schema.cedarschema'), 'utf8');

export const supportAgent: AgentProfile = { id: 'agent-1', team: 'support', territories: ['EMEA'], tier: 'gold' };

export function readRequest(overrides: Partial<PolicyRequest['context']> = {}, agent: AgentProfile = supportAgent): PolicyRequest {
  return {
    agent,
    action: 'Read',
    resource: { type: 'Contact' },
    context: { fields: ['Id', 'Email'], recordLimit: 5, crm: 'salesforce', purpose: 'support', unmaskedPii: false, now: new Date('2025-06-01T10:00:00Z'), ...overrides },
  };
}
