import { parseRuntimeConfig } from '../../lambda/core/runtime-config';

const valid = {
  crm: { kind: 'hubspot', instanceHost: 'api.hubapi.com' },
  agents: {
    support: { principals: ['arn:aws:iam::123456789012:role/support'], actions: ['Read'], team: 'support', territories: ['EMEA'], tier: 'gold' },
  },
};

describe('parseRuntimeConfig', () => {
  it('fills secure defaults for what the stack may omit', () => {
    // Act
    const config = parseRuntimeConfig(JSON.stringify(valid));
    // Assess
    expect(config).toEqual({ ...valid, approvers: {}, customFields: {}, untrustedAction: 'neutralise' });
  });

  it.each([undefined, ''])('fails loudly when the config is missing (%p)', (json) => {
    // Act
    const parse = () => parseRuntimeConfig(json);
    // Assess
    expect(parse).toThrow('runtime config is missing');
  });

  it('names every invalid path and rejects unknown keys', () => {
    // Prepare
    const broken = {
      ...valid,
      crm: { kind: 'dynamics', instanceHost: '' },
      agents: { support: { ...valid.agents.support, actions: ['DeleteEverything'] } },
      debug: true,
    };
    // Act
    const parse = () => parseRuntimeConfig(JSON.stringify(broken));
    // Assess
    expect(parse).toThrow(/^runtime config is invalid: /);
    expect(parse).toThrow(/crm\.kind/);
    expect(parse).toThrow(/crm\.instanceHost/);
    expect(parse).toThrow(/agents\.support\.actions\.0/);
    expect(parse).toThrow(/\(root\): Unrecognized key.*debug/);
  });

  it('rejects an agent without principals', () => {
    // Prepare
    const broken = { ...valid, agents: { support: { ...valid.agents.support, principals: [] } } };
    // Act
    const parse = () => parseRuntimeConfig(JSON.stringify(broken));
    // Assess
    expect(parse).toThrow(/agents\.support\.principals/);
  });

  it('says that the runtime config is not JSON instead of surfacing a bare parser error', () => {
    // Act
    const parse = () => parseRuntimeConfig('{"crm": ');
    // Assess
    expect(parse).toThrow('runtime config is not JSON');
  });
});
