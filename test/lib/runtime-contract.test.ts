/**
 * What the stack hands the runtime must be what the runtime reads: the runtime config parses
 * with parseRuntimeConfig, every function gets each environment variable its handler reads,
 * and the values lib/ restates (query and proposal bounds, write actions, audit key prefixes,
 * policy directory) equal the runtime's own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { Template } from 'aws-cdk-lib/assertions';
import { POLICY_DIR_IN_BUNDLE, PROPOSAL_MODEL_LIMITS, QUERY_MODEL_LIMITS, WRITE_ACTIONS } from '../../lib/constructs/agent-api';
import { AUDIT_PREFIXES } from '../../lib/constructs/audit-vault';
import { DIGEST_METRIC } from '../../lib/constructs/audit-digest-job';
import { ActionSchema, PROPOSAL_LIMITS, ProposeRequestSchema, type ProposeRequest } from '../../lambda/core/approvals/schemas';
import { DIGESTS_PREFIX, EVENTS_PREFIX } from '../../lambda/core/audit/keys';
import * as constants from '../../lambda/core/constants';
import { AGENT_ACTIONS, ENV, FUNCTIONS, METRICS, type FunctionRole, type ProposalOp } from '../../lambda/core/constants';
import { QUERY_LIMITS } from '../../lambda/core/query/limits';
import { parseRuntimeConfig } from '../../lambda/core/runtime-config';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULT_CONFIG, EGRESS_CONFIG, ROOT, bridgeStack, configFrom, CfnJson } from './bridge-fixtures';

const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::210987654321:role/ResearchAgent';
const HANDLERS = join(ROOT, 'lambda', 'handlers');
/** The constants objects that name environment variables. */
type EnvGroup = 'ENV' | 'APPROVAL_ENV' | 'AUDIT_ENV' | 'VAULT_ENV';

/** The top-level exports of a module's source, by name, with their text. */
function exportsOf(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const starts = [...source.matchAll(/^export (?:async )?(?:function|const) (\w+)/gm)];
  starts.forEach((m, i) => out.set(m[1], source.slice(m.index, starts[i + 1]?.index ?? source.length)));
  return out;
}

/**
 * The environment variables a handler's code names (`ENV.X`, `APPROVAL_ENV.Y`, …): in its entry file, and in the
 * handler-local modules it imports, only in the exports it uses (and what those use in turn), since shared wiring
 * modules hold helpers for several functions with different grants.
 */
function envNamesReadBy(file: string, used?: ReadonlySet<string>): Set<string> {
  const source = readFileSync(file, 'utf8');
  let text = source;
  if (used) {
    const exported = exportsOf(source);
    const kept = new Set([...used].filter((n) => exported.has(n)));
    // Exports the kept ones call, within the same module.
    for (let grew = true; grew; ) {
      grew = false;
      const body = [...kept].map((n) => exported.get(n)).join('\n');
      for (const name of exported.keys()) {
        if (!kept.has(name) && new RegExp(`\\b${name}\\b`).test(body)) {
          kept.add(name);
          grew = true;
        }
      }
    }
    text = [...kept].map((n) => exported.get(n)).join('\n');
  }
  const names = new Set<string>();
  for (const [, group, key] of text.matchAll(/\b(ENV|APPROVAL_ENV|AUDIT_ENV|VAULT_ENV)\.([A-Z_]+)\b/g)) {
    const value = (constants[group as EnvGroup] as Record<string, string>)[key];
    if (value) names.add(value);
  }
  for (const [, imported, spec] of source.matchAll(/import \{([^}]+)\} from '(\.\/[^']+)'/g)) {
    const target = resolve(dirname(file), `${spec}.ts`);
    if (!existsSync(target)) continue;
    const importedNames = imported.split(',').map((n) => n.trim().replace(/^type /, '').split(/\s+as\s+/)[0]);
    const localNames = imported.split(',').map((n) => n.trim().replace(/^type /, '').split(/\s+as\s+/).pop() as string);
    const needed = new Set(importedNames.filter((_, i) => new RegExp(`\\b${localNames[i]}\\b`).test(text.replace(/^import [^;]+;$/gm, ''))));
    for (const n of envNamesReadBy(target, needed)) names.add(n);
  }
  return names;
}

/** Resolves a synthesized Fn::Join the way CloudFormation would, with stand-ins for role ARNs. */
function resolveJoin(value: CfnJson): string {
  if (typeof value === 'string') return value;
  const [sep, parts] = value['Fn::Join'];
  return parts
    .map((p: CfnJson) => (typeof p === 'string' ? p : `arn:aws:iam::123456789012:role/${p['Fn::GetAtt'][0]}`))
    .join(sep);
}

describe('runtime contract', () => {
  let stack: BridgeStack;
  let env: Record<string, CfnJson>;
  let slackStack: BridgeStack;
  beforeAll(() => {
    const config = configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
      raw.agents.research = { roleArns: [OTHER_ACCOUNT_ROLE], actions: ['Read'], team: 'research', territories: [], tier: 'gold' };
      raw.customFields = { Contact: { Loyalty_Id__c: 'IDENTIFIER' } };
      raw.untrustedAction = 'drop';
    });
    stack = bridgeStack(config);
    const template = Template.fromStack(stack).toJSON();
    env = template.Resources[stack.getLogicalId(stack.agentApi.proxy.node.defaultChild as CfnJson)].Properties.Environment.Variables;
    // Every optional variable set: Slack notifications need allowlisted egress to hooks.slack.com.
    slackStack = bridgeStack(
      configFrom(EGRESS_CONFIG, (raw: CfnJson) => {
        raw.connectivity.domains.push('hooks.slack.com');
        raw.approvals = { slackWebhook: true };
      }),
    );
  });

  test('the proxy runtime config parses with parseRuntimeConfig and carries identities, catalog and CRM', () => {
    // Prepare
    const json = resolveJoin(env[ENV.CONFIG_JSON]);

    // Act
    const runtime = parseRuntimeConfig(json);

    // Assess
    const createdRole = stack.getLogicalId(stack.agentApi.agentRoles.support.node.defaultChild as CfnJson);
    expect(runtime.crm).toEqual({ kind: 'salesforce', instanceHost: 'example-corp.my.salesforce.com' });
    expect(runtime.agents.support).toEqual({
      principals: [`arn:aws:iam::123456789012:role/${createdRole}`],
      actions: ['Read', 'ProposeUpdate'],
      team: 'support',
      territories: ['EMEA'],
      tier: 'standard',
    });
    expect(runtime.agents.research.principals).toEqual([OTHER_ACCOUNT_ROLE]);
    expect(runtime.approvers).toEqual({ 'support-leads': { principals: ['arn:aws:iam::123456789012:role/SupportLead'] } });
    expect(runtime.customFields).toEqual({ Contact: { Loyalty_Id__c: 'IDENTIFIER' } });
    expect(runtime.untrustedAction).toBe('drop');
  });

  test('the proxy carries the policy bundle and may not reach the write user', () => {
    // Prepare / Act / Assess
    expect(env[ENV.POLICY_DIR]).toBe(POLICY_DIR_IN_BUNDLE);
    expect(env[ENV.CRM_WRITE_SECRET_ARN]).toBeUndefined();
  });

  test.each([
    ['audit-digest', (st: BridgeStack) => st.digestJob.function],
    ['rotate-crm-secret', (st: BridgeStack) => st.rotation.function],
    ['gateway-refusals', (st: BridgeStack) => st.gatewayRefusals.function],
  ] as const)('the %s function gets every environment variable its handler reads', (entry, fnOf) => {
    // Prepare
    const resources = Template.fromStack(slackStack).toJSON().Resources;
    const variables = resources[slackStack.getLogicalId(fnOf(slackStack).node.defaultChild as CfnJson)].Properties.Environment.Variables;

    // Act
    const missing = [...envNamesReadBy(join(HANDLERS, `${entry}.ts`))].filter((name) => variables[name] === undefined);

    // Assess
    expect(missing).toEqual([]);
  });

  test.each(Object.keys(FUNCTIONS) as FunctionRole[])('the %s function gets every environment variable its handler reads', (role) => {
    // Prepare
    const fns = { ...slackStack.agentApi.functions, ...slackStack.approvalFlow.functions };
    const resources = Template.fromStack(slackStack).toJSON().Resources;
    const variables = resources[slackStack.getLogicalId(fns[role].node.defaultChild as CfnJson)].Properties.Environment.Variables;

    // Act
    const missing = [...envNamesReadBy(join(HANDLERS, `${FUNCTIONS[role]}.ts`))].filter((name) => variables[name] === undefined);

    // Assess
    expect(missing).toEqual([]);
  });

  test('the request model bounds are the query limits', () => {
    // Prepare
    const keys = Object.keys(QUERY_MODEL_LIMITS) as (keyof typeof QUERY_MODEL_LIMITS)[];

    // Act
    const runtime = Object.fromEntries(keys.map((k) => [k, QUERY_LIMITS[k]]));

    // Assess
    expect(QUERY_MODEL_LIMITS).toEqual(runtime);
  });

  test('the write-path request model bounds are the proposal and query limits', () => {
    // Prepare
    const { maxConversationIdLength, ...proposal } = PROPOSAL_MODEL_LIMITS;

    // Act
    const runtime = Object.fromEntries(Object.keys(proposal).map((k) => [k, PROPOSAL_LIMITS[k as keyof typeof PROPOSAL_LIMITS]]));

    // Assess
    expect(proposal).toEqual(runtime);
    expect(maxConversationIdLength).toBe(QUERY_LIMITS.maxConversationIdLength);
  });

  test('the actions the authorize and execute models admit are the actions the runtime schema admits', () => {
    // Prepare
    const candidates = [...AGENT_ACTIONS, 'Delete'];

    // Act: an action the schema does not know fails on `action` itself, a known one only on its params.
    const admitted = candidates.filter((action) => !ActionSchema.safeParse({ action, params: {} }).error?.issues.some((i) => i.path[0] === 'action'));

    // Assess
    expect([...WRITE_ACTIONS].sort()).toEqual(admitted.sort());
  });

  test('the propose model lets through a proposal of every op the runtime schema takes, and no other op', () => {
    // Prepare: one proposal per op (the type makes a new op add its own).
    const proposals: Record<ProposalOp, ProposeRequest> = {
      create: { object: 'Task', op: 'create', fields: { Subject: 'Call back' }, reason: 'follow-up', conversationId: 'conv-1' },
      update: { object: 'Opportunity', op: 'update', recordId: '006A', fields: { NextStep: 'Quote' }, reason: 'follow-up' },
      refund: { object: 'Case', op: 'refund', recordId: '500A', amount: 250.5, currency: 'EUR', reason: 'late delivery', conversationId: 'conv-1' },
    };
    const models = Template.fromStack(stack).findResources('AWS::ApiGateway::Model');
    const [model] = Object.values(models).filter((m) => m.Properties.Name === 'ProposeRequest');
    const { $schema: _draft4, ...schema } = model.Properties.Schema;
    const admits = new AjvJsonSchemaValidator().getValidator(schema);

    // Act
    const refused = Object.values(proposals).filter((p) => !ProposeRequestSchema.safeParse(p).success || !admits(p).valid);

    // Assess
    expect(refused).toEqual([]);
    expect(admits({ ...proposals.create, op: 'delete' }).valid).toBe(false);
  });

  test('the audit key prefixes granted are the ones the audit writer and digest job use', () => {
    // Prepare / Act / Assess
    expect(AUDIT_PREFIXES).toEqual({ events: EVENTS_PREFIX, digests: DIGESTS_PREFIX });
  });

  test('the missing-digest alarm watches the metric the digest handler publishes', () => {
    // Prepare
    const source = readFileSync(join(ROOT, 'lambda', 'handlers', 'audit-digest.ts'), 'utf8');

    // Act
    const published = {
      // The handler names the shared constant; a literal would be a second source of truth.
      namespace: /namespace: METRICS\.NAMESPACE\b/.test(source) ? METRICS.NAMESPACE : /namespace: '([^']+)'/.exec(source)?.[1],
      service: /serviceName: '([^']+)'/.exec(source)?.[1],
      metricName: /addMetric\('(AuditDigestsWritten)'/.exec(source)?.[1],
    };

    // Assess
    expect(published).toEqual({ namespace: DIGEST_METRIC.namespace, service: DIGEST_METRIC.service, metricName: DIGEST_METRIC.metricName });
  });
});
