import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, DEFAULTS, configJsonSchema, loadConfig, parseConfig } from '../../lib/config';
import { CfnJson, DEFAULT_CONFIG, ROOT } from './bridge-fixtures';

const SOURCE = 'bridge.config.json';

function minimal(): Record<string, unknown> {
  return {
    crm: { kind: 'salesforce', instanceHost: 'acme.my.salesforce.com' },
    connectivity: { mode: 'none' },
    agents: { support: { roleArns: ['arn:aws:iam::123456789012:role/SupportAgent'], actions: ['Read'], team: 'support', territories: ['EMEA'] } },
  };
}

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input, SOURCE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

function withPatch(patch: (c: Record<string, CfnJson>) => void): Record<string, unknown> {
  const c = minimal() as Record<string, CfnJson>;
  patch(c);
  return c;
}

describe('deployment config', () => {
  test('the committed example config is valid', () => {
    // Prepare / Act
    const config = loadConfig(DEFAULT_CONFIG);

    // Assess
    expect(config.crm.kind).toBe('salesforce');
    expect(Object.keys(config.agents).length).toBeGreaterThan(0);
  });

  test('a minimal config receives every secure default from DEFAULTS', () => {
    // Prepare / Act
    const config = parseConfig(minimal(), SOURCE);

    // Assess
    expect(config.stackName).toBe(DEFAULTS.stackName);
    expect(config.audit.retentionMode).toBe('COMPLIANCE');
    expect(config.audit.retentionDays).toBe(DEFAULTS.audit.retentionDays);
    expect(config.audit.transitionToInfrequentAccessDays).toBe(DEFAULTS.audit.transitionToInfrequentAccessDays);
    expect(config.logs.retentionDays).toBe(DEFAULTS.logs.retentionDays);
    expect(config.network).toEqual(DEFAULTS.network);
    expect(config.agents.support.tier).toBe(DEFAULTS.agentTier);
    expect(config.approvers).toEqual({});
    expect(config.audit.digestPeriodMinutes).toBe(DEFAULTS.audit.digestPeriodMinutes);
    expect(config.api).toEqual(DEFAULTS.api);
    expect(config.untrustedAction).toBe(DEFAULTS.untrustedAction);
  });

  test.each<[string, Record<string, unknown> | unknown, string]>([
    [
      'a role ARN that is not an ARN',
      withPatch((c) => (c.agents.support.roleArns = ['abc'])),
      'bridge.config.json: agents.support.roleArns[0]: found "abc", expected an IAM role ARN like arn:aws:iam::123456789012:role/Name',
    ],
    ['an unknown top-level key', withPatch((c) => (c.regoin = 'eu-west-1')), 'bridge.config.json: regoin: found unknown key "regoin", expected one of the keys'],
    ['an unknown nested key', withPatch((c) => (c.crm.token = 's3cr3t')), 'bridge.config.json: crm.token: found unknown key "token"'],
    ['a wrong type', withPatch((c) => (c.network = { maxAzs: '2' })), 'bridge.config.json: network.maxAzs: found "2", expected a number'],
    ['a single AZ', withPatch((c) => (c.network = { maxAzs: 1 })), 'bridge.config.json: network.maxAzs: found 1, expected a number >= 2'],
    [
      'egress without the risk flag',
      withPatch((c) => (c.connectivity = { mode: 'allowlistedEgress', domains: ['acme.my.salesforce.com'] })),
      'bridge.config.json: connectivity.acceptPublicEgressRisk: found nothing, expected true: allowlistedEgress adds an internet gateway',
    ],
    [
      'GOVERNANCE without the risk flag',
      withPatch((c) => (c.audit = { retentionMode: 'GOVERNANCE' })),
      'bridge.config.json: audit.acceptGovernanceModeRisk: found nothing, expected true when retentionMode is GOVERNANCE',
    ],
    [
      'a log retention CloudWatch does not offer',
      withPatch((c) => (c.logs = { retentionDays: 100 })),
      'bridge.config.json: logs.retentionDays: found 100, expected one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365',
    ],
    ['no agents', withPatch((c) => (c.agents = {})), 'bridge.config.json: agents: found {}, expected at least one agent'],
    [
      'a URL instead of a hostname',
      withPatch((c) => (c.crm.instanceHost = 'https://acme.my.salesforce.com/')),
      'bridge.config.json: crm.instanceHost: found "https://acme.my.salesforce.com/", expected a bare lower-case hostname',
    ],
    [
      'a wildcard in the middle of an allowlisted domain',
      withPatch((c) => (c.connectivity = { mode: 'allowlistedEgress', domains: ['acme.*.com'], acceptPublicEgressRisk: true })),
      'bridge.config.json: connectivity.domains[0]: found "acme.*.com", expected a hostname like acme.my.salesforce.com, wildcards only as a leading "*."',
    ],
    [
      'both roleArns and createRole',
      withPatch((c) => (c.agents.support.createRole = true)),
      'bridge.config.json: agents.support.roleArns: found ["arn:aws:iam::123456789012:role/SupportAgent"], expected exactly one of "roleArns"',
    ],
    [
      'an unknown connectivity mode',
      withPatch((c) => (c.connectivity = { mode: 'vpn' })),
      'bridge.config.json: connectivity.mode: found "vpn", expected one of "privateLink", "allowlistedEgress", "none"',
    ],
    [
      'an unknown agent action',
      withPatch((c) => (c.agents.support.actions = ['Read', 'DeleteAll'])),
      'bridge.config.json: agents.support.actions[1]: found "DeleteAll", expected one of "Read", "ProposeCreate", "ProposeUpdate", "IssueRefund"',
    ],
    [
      'write actions with no approver',
      withPatch((c) => (c.agents.support.actions = ['ProposeUpdate'])),
      'bridge.config.json: approvers: found nothing, expected at least one approver, because agent(s) support may propose writes',
    ],
    [
      'audit retention beyond the limit',
      withPatch((c) => (c.audit = { retentionDays: 40000 })),
      'bridge.config.json: audit.retentionDays: found 40000, expected a number <= 36500',
    ],
    [
      'a Glacier transition before the infrequent-access one',
      withPatch((c) => (c.audit = { transitionToGlacierDays: 60 })),
      'bridge.config.json: audit.transitionToGlacierDays: found 60, expected a number of days greater than transitionToInfrequentAccessDays (90)',
    ],
    [
      'an unknown object type in customFields',
      withPatch((c) => (c.customFields = { Invoice: { Total__c: 'FINANCIAL' } })),
      'bridge.config.json: customFields.Invoice: found unknown key "Invoice", expected one of the keys Contact, Lead',
    ],
    [
      'a digest period that does not divide a day',
      withPatch((c) => (c.audit = { digestPeriodMinutes: 7 })),
      'bridge.config.json: audit.digestPeriodMinutes: found 7, expected a number of minutes that divides a day (1440)',
    ],
    [
      'a digest period too long for the two-period missing-digest alarm',
      withPatch((c) => (c.audit = { digestPeriodMinutes: 1440 })),
      'bridge.config.json: audit.digestPeriodMinutes: found 1440, expected a number <= 720',
    ],
    [
      'assumedBy on an agent whose role is not created',
      withPatch((c) => (c.agents.support.assumedBy = 'arn:aws:iam::123456789012:root')),
      'bridge.config.json: agents.support.assumedBy: found "arn:aws:iam::123456789012:root", expected only with "createRole": true',
    ],
    [
      'a WAF rate limit below what WAF accepts',
      withPatch((c) => (c.api = { wafRateLimit: 5 })),
      'bridge.config.json: api.wafRateLimit: found 5, expected a number >= 10',
    ],
    [
      'an unknown untrusted-content action',
      withPatch((c) => (c.untrustedAction = 'ignore')),
      'bridge.config.json: untrustedAction: found "ignore", expected one of "flag", "neutralise", "drop"',
    ],
    ['a missing crm section', withPatch((c) => delete c.crm), 'bridge.config.json: crm: found nothing, expected an object'],
    ['an array instead of an object', [], 'bridge.config.json: (root): found [], expected an object'],
  ])('rejects %s with a message naming path, found and expected', (_name, input, expected) => {
    // Prepare / Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(expected)).toBe(true);
  });

  test('reports every problem of a config, one line each', () => {
    // Prepare
    const input = withPatch((c) => {
      c.crm.kind = 'dynamics';
      c.network = { cidr: '10.0.0/16' };
      c.extra = true;
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'bridge.config.json: crm.kind: found "dynamics", expected one of "salesforce", "hubspot"',
      'bridge.config.json: network.cidr: found "10.0.0/16", expected an IPv4 CIDR block like 10.40.0.0/16',
      expect.stringMatching(/^bridge\.config\.json: extra: found unknown key "extra"/),
    ]);
  });

  test('loadConfig names the file when it is missing or not JSON', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "crm": ');

    // Act / Assess
    expect(() => loadConfig(join(dir, 'absent.json'))).toThrow(/absent\.json: cannot read the config file .*-c config=PATH/);
    expect(() => loadConfig(broken)).toThrow(/broken\.json: not valid JSON/);
  });

  test('accepts any well-formed IAM role ARN and rejects it with a scheme-like prefix', () => {
    // Prepare
    const roleName = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/);
    const account = fc.stringMatching(/^\d{12}$/);

    // Act / Assess
    fc.assert(
      fc.property(account, roleName, (acct, name) => {
        const arn = `arn:aws:iam::${acct}:role/${name}`;
        expect(() => parseConfig(withPatch((c) => (c.agents.support.roleArns = [arn])), SOURCE)).not.toThrow();
        expect(problemsOf(withPatch((c) => (c.agents.support.roleArns = [`iam:${arn}`])))[0]).toContain('agents.support.roleArns[0]');
      }),
      { numRuns: 50 },
    );
  });

  test('accepts generated hostnames and rejects them with a scheme, port or path', () => {
    // Prepare
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
    const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/)).map(([ls, tld]) => [...ls, tld].join('.'));
    const decoration = fc.constantFrom((h: string) => `https://${h}`, (h: string) => `${h}:443`, (h: string) => `${h}/services`);

    // Act / Assess
    fc.assert(
      fc.property(host, decoration, (h, decorate) => {
        expect(parseConfig(withPatch((c) => (c.crm.instanceHost = h)), SOURCE).crm.instanceHost).toBe(h);
        expect(problemsOf(withPatch((c) => (c.crm.instanceHost = decorate(h))))[0]).toContain('crm.instanceHost');
      }),
      { numRuns: 50 },
    );
  });

  test('the committed bridge.config.schema.json equals the schema generated from lib/config.ts', () => {
    // Prepare
    const committed = JSON.parse(readFileSync(join(ROOT, 'bridge.config.schema.json'), 'utf8'));

    // Act
    const generated = configJsonSchema();

    // Assess — on failure run `npm run schema`
    expect(committed).toEqual(generated);
  });
});
