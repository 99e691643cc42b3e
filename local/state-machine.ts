/**
 * The approval state machine as the local runtime runs it: the ASL of the bridge stack (not a hand-written copy),
 * for a deployment equivalent to the local runtime's config, with every step function's ARN replaced by a local one
 * that names its role's handler. Building the stack takes seconds, so the result is cached per process.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { FUNCTIONS } from '../lambda/core/constants';
import type { CrmKind } from '../lambda/core/types';
import { BridgeStack } from '../lib/bridge-stack';
import { BridgeConfig, parseConfig } from '../lib/config';
import { APPROVAL_STEP_ROLES, type ApprovalStepRole } from '../lib/constructs/approval-flow';
import { LOCAL_ACCOUNT, localRuntimeConfig } from './local-config';

/** `arn:aws:lambda:local:000000000000:function:<handler entry>` */
export function localFunctionArn(role: ApprovalStepRole): string {
  return `arn:aws:lambda:local:${LOCAL_ACCOUNT}:function:${FUNCTIONS[role]}`;
}

/** Pseudo parameters a definition may reference, as the local runtime answers them. */
const LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'local',
  'AWS::AccountId': LOCAL_ACCOUNT,
};

export interface LocalStateMachine {
  /** The ASL definition (a fresh copy per call: validators and runners may annotate it). */
  readonly definition: Record<string, unknown>;
  /** Which step role each local function ARN in the definition stands for. */
  readonly functions: Readonly<Record<string, ApprovalStepRole>>;
}

/** A deployment config equivalent to the local runtime's identities (no CRM connectivity: nothing is deployed). */
export function localBridgeConfig(crm: CrmKind = 'salesforce'): BridgeConfig {
  const runtime = localRuntimeConfig(crm);
  return parseConfig(
    {
      stackName: 'CrmAgentBridgeLocal',
      crm: { kind: crm, instanceHost: 'sandbox.crm.test' },
      connectivity: { mode: 'none' },
      agents: Object.fromEntries(
        Object.entries(runtime.agents).map(([name, a]) => [name, { roleArns: a.principals, actions: a.actions, team: a.team, territories: a.territories, tier: a.tier }]),
      ),
      approvers: Object.fromEntries(Object.entries(runtime.approvers).map(([name, a]) => [name, { roleArns: a.principals }])),
      customFields: runtime.customFields,
      untrustedAction: runtime.untrustedAction,
    },
    'local runtime config',
  );
}

/**
 * Resolves a synthesized `DefinitionString` (a string or an `Fn::Join`) to ASL text: `Fn::GetAtt [id, Arn]` through
 * `arnOf(id)`, pseudo parameters to their local values. Anything else is a definition this runner cannot resolve.
 */
export function resolveDefinitionString(value: unknown, arnOf: (logicalId: string) => string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`state machine definition: expected a string or Fn::Join, found ${JSON.stringify(value).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt?.[1] === 'Arn') return arnOf(getAtt[0]);
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined && LOCAL_PSEUDO_PARAMETERS[ref] !== undefined) return LOCAL_PSEUDO_PARAMETERS[ref];
      throw new Error(`state machine definition: cannot resolve ${JSON.stringify(part)} locally`);
    })
    .join(separator);
}

/**
 * The `DefinitionString` property of the stack's state machine, resolved as synthesis writes it into the template.
 * Resolving the one property skips writing the cloud assembly (asset staging), which costs far more than the rest.
 */
export function approvalDefinitionString(stack: BridgeStack): unknown {
  return stack.resolve((stack.approvalFlow.stateMachine.node.defaultChild as CfnStateMachine).definitionString);
}

/** Builds the bridge stack for `config` (bundling skipped) and returns the approval flow's ASL with local function ARNs. */
export function buildLocalStateMachine(config: BridgeConfig): { json: string; functions: Record<string, ApprovalStepRole> } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BridgeStack(app, config.stackName, { config });
  const roleOf = new Map<string, ApprovalStepRole>(
    APPROVAL_STEP_ROLES.map((role) => [stack.getLogicalId(stack.approvalFlow.functions[role].node.defaultChild as CfnElement), role]),
  );
  const json = resolveDefinitionString(approvalDefinitionString(stack), (logicalId) => {
    const role = roleOf.get(logicalId);
    if (!role) throw new Error(`state machine definition: ${logicalId} is not one of the approval flow's step functions`);
    return localFunctionArn(role);
  });
  return { json, functions: Object.fromEntries(APPROVAL_STEP_ROLES.map((role) => [localFunctionArn(role), role])) };
}

let cached: { json: string; functions: Record<string, ApprovalStepRole> } | undefined;

/** The local runtime's approval state machine, synthesized once per process. */
export function localStateMachine(): LocalStateMachine {
  cached ??= buildLocalStateMachine(localBridgeConfig());
  return { definition: JSON.parse(cached.json) as Record<string, unknown>, functions: cached.functions };
}
