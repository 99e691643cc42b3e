/** The local runtime's identities and deployment: agents and an approver matching the shipped example policies. */
import { RuntimeConfigSchema, type RuntimeConfig } from '../lambda/core/runtime-config';
import type { CrmKind } from '../lambda/core/types';

export const LOCAL_ACCOUNT = '000000000000';
const role = (name: string) => `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;

/** The local identities: each maps to a role ARN sent in the x-bridge-principal header. */
export const LOCAL_PRINCIPALS = {
  support: role('support-agent'),
  sales: role('sales-agent'),
  approver: role('approver-alice'),
} as const;

/** The local deployment: agents matching the shipped example policies. */
export function localRuntimeConfig(crm: CrmKind): RuntimeConfig {
  return RuntimeConfigSchema.parse({
    crm: { kind: crm, instanceHost: '127.0.0.1' },
    agents: {
      'support-agent': { principals: [LOCAL_PRINCIPALS.support], actions: ['Read', 'IssueRefund'], team: 'support', territories: ['EMEA', 'NA'], tier: 'gold' },
      'sales-agent': { principals: [LOCAL_PRINCIPALS.sales], actions: ['Read', 'ProposeCreate', 'ProposeUpdate'], team: 'sales', territories: ['EMEA'], tier: 'standard' },
    },
    approvers: { alice: { principals: [LOCAL_PRINCIPALS.approver] } },
  });
}

