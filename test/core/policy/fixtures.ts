import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleSources } from '../../../lambda/core/policy';
import type { AgentProfile, PolicyRequest } from '../../../lambda/core/policy';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { COLLECTION_ID } from '../../../lambda/core/policy/request';

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

/**
 * A request as plain Cedar sees it with nothing left out: the whole context, every principal attribute and the team.
 * The oracle the engine's pruned, sliced calls are compared with; written apart from lambda/core/policy/request.ts on purpose.
 */
export function wholeCedarRequest(req: PolicyRequest): Pick<Cedar.AuthorizationCall, 'principal' | 'action' | 'resource' | 'context' | 'entities'> {
  const { agent, context } = req;
  const now = context.now!;
  return {
    principal: { type: 'Agent', id: agent.id },
    action: { type: 'Action', id: req.action },
    resource: { type: req.resource.type, id: req.resource.id ?? COLLECTION_ID },
    context: {
      fields: context.fields,
      recordLimit: context.recordLimit,
      crm: context.crm,
      purpose: context.purpose,
      unmaskedPii: context.unmaskedPii,
      hourUtc: now.getUTCHours(),
      weekdayUtc: now.getUTCDay(),
      ...(context.amount !== undefined ? { amount: { __extn: { fn: 'decimal', arg: context.amount.toFixed(4) } } } : {}),
      ...(context.currency !== undefined ? { currency: context.currency } : {}),
    },
    entities: [
      {
        uid: { type: 'Agent', id: agent.id },
        attrs: { territories: agent.territories, tier: agent.tier, ...(agent.maxRecords !== undefined ? { maxRecords: agent.maxRecords } : {}) },
        parents: [{ type: 'Team', id: agent.team }],
      },
    ],
  };
}

/** What the property tests generate for one request; each test picks its own value ranges. */
export interface GeneratedRequest {
  readonly agentId: string;
  readonly team: string;
  readonly territories: string[];
  readonly tier: PolicyRequest['agent']['tier'];
  readonly maxRecords?: number;
  readonly action: PolicyRequest['action'];
  /** Picks the resource type among those the action applies to. */
  readonly typeIndex: number;
  readonly id?: string;
  readonly fields: string[];
  readonly recordLimit: number;
  readonly crm: PolicyRequest['context']['crm'];
  readonly purpose: string;
  readonly amount: number;
  readonly currency: string;
  readonly unmaskedPii: boolean;
  readonly now: Date;
}

/** The PolicyRequest of a generated one: the resource type cycles through `types`, an amount and currency only for refunds. */
export function toPolicyRequest(r: GeneratedRequest, types: readonly string[]): PolicyRequest {
  return {
    agent: { id: r.agentId, team: r.team, territories: r.territories, tier: r.tier, ...(r.maxRecords ? { maxRecords: r.maxRecords } : {}) },
    action: r.action,
    resource: { type: types[r.typeIndex % types.length] as PolicyRequest['resource']['type'], ...(r.id ? { id: r.id } : {}) },
    context: {
      fields: r.fields,
      recordLimit: r.recordLimit,
      crm: r.crm,
      purpose: r.purpose,
      unmaskedPii: r.unmaskedPii,
      now: r.now,
      ...(r.action === 'IssueRefund' ? { amount: r.amount, currency: r.currency } : {}),
    },
  };
}
