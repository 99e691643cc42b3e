/**
 * What the stack hands the runtime must be what the runtime reads: the proxy's runtime config
 * parses with parseRuntimeConfig, and the values lib/ restates (routes, query bounds, audit
 * key prefixes) equal the runtime's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AGENT_API_ROUTES, POLICY_DIR_IN_BUNDLE, QUERY_MODEL_LIMITS } from '../../lib/constructs/agent-api';
import { AUDIT_PREFIXES } from '../../lib/constructs/audit-vault';
import { DIGEST_METRIC } from '../../lib/constructs/audit-digest-job';
import { AGENT_ROUTES } from '../../lambda/handlers/agent-api-routes';
import { DIGESTS_PREFIX, EVENTS_PREFIX } from '../../lambda/core/audit/keys';
import { AUDIT_ENV, ENV, VAULT_ENV } from '../../lambda/core/constants';
import { QUERY_LIMITS } from '../../lambda/core/query/limits';
import { parseRuntimeConfig } from '../../lambda/core/runtime-config';
import { BridgeStack } from '../../lib/bridge-stack';
import { DEFAULT_CONFIG, ROOT, bridgeStack, configFrom, CfnJson } from './bridge-fixtures';

const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::210987654321:role/ResearchAgent';

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
  beforeAll(() => {
    const config = configFrom(DEFAULT_CONFIG, (raw: CfnJson) => {
      raw.agents.research = { roleArns: [OTHER_ACCOUNT_ROLE], actions: ['Read'], team: 'research', territories: [], tier: 'gold' };
      raw.customFields = { Contact: { Loyalty_Id__c: 'IDENTIFIER' } };
      raw.untrustedAction = 'drop';
    });
    stack = bridgeStack(config);
    const template = Template.fromStack(stack).toJSON();
    env = template.Resources[stack.getLogicalId(stack.agentApi.proxy.node.defaultChild as CfnJson)].Properties.Environment.Variables;
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

  test('the proxy gets every environment variable its handler requires', () => {
    // Prepare
    const required = [
      ENV.CONFIG_JSON,
      ENV.POLICY_DIR,
      ENV.HMAC_SECRET_ARN,
      ENV.CRM_READ_SECRET_ARN,
      ENV.REQUESTS_TABLE,
      ENV.KILL_SWITCH_PARAMETER,
      VAULT_ENV.TABLE,
      VAULT_ENV.KMS_KEY_ID,
      AUDIT_ENV.BUCKET,
      AUDIT_ENV.KMS_KEY_ID,
    ];

    // Act
    const missing = required.filter((name) => env[name] === undefined);

    // Assess
    expect(missing).toEqual([]);
    expect(env[ENV.POLICY_DIR]).toBe(POLICY_DIR_IN_BUNDLE);
    expect(env[ENV.CRM_WRITE_SECRET_ARN]).toBeUndefined();
  });

  test('the API routes are the handler’s AGENT_ROUTES', () => {
    // Prepare / Act / Assess
    expect(AGENT_API_ROUTES).toEqual(AGENT_ROUTES);
  });

  test('the request model bounds are the query limits', () => {
    // Prepare
    const keys = Object.keys(QUERY_MODEL_LIMITS) as (keyof typeof QUERY_MODEL_LIMITS)[];

    // Act
    const runtime = Object.fromEntries(keys.map((k) => [k, QUERY_LIMITS[k]]));

    // Assess
    expect(QUERY_MODEL_LIMITS).toEqual(runtime);
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
      namespace: /namespace: '([^']+)'/.exec(source)?.[1],
      service: /serviceName: '([^']+)'/.exec(source)?.[1],
      metricName: /addMetric\('(AuditDigestsWritten)'/.exec(source)?.[1],
    };

    // Assess
    expect(published).toEqual({ namespace: DIGEST_METRIC.namespace, service: DIGEST_METRIC.service, metricName: DIGEST_METRIC.metricName });
  });
});
