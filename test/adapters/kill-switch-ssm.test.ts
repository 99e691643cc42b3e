import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SsmKillSwitch } from '../../lambda/adapters/kill-switch-ssm';

const PARAMETER = '/bridge/kill-switch';
const ssm = mockClient(SSMClient);

beforeEach(() => ssm.reset());

const parameter = (value: string) => ({ Parameter: { Name: PARAMETER, Value: value, Type: 'String' as const } });

describe('SsmKillSwitch', () => {
  it.each(['normal', 'read-only', 'frozen'] as const)('reads the mode %s from the configured parameter', async (mode) => {
    // Prepare
    ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves(parameter(mode));
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER);
    // Act
    const read = await killSwitch.mode();
    // Assess
    expect(read).toBe(mode);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: PARAMETER });
  });

  it.each(['Normal', 'on', 'unfreeze', '', 'normal please'])('fails closed to frozen on the unknown value %p', async (value) => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(value));
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER);
    // Act
    const read = await killSwitch.mode();
    // Assess
    expect(read).toBe('frozen');
  });

  it('fails closed to frozen when the parameter has no value', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({});
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER);
    // Act
    const read = await killSwitch.mode();
    // Assess
    expect(read).toBe('frozen');
  });

  it.each([
    ['a missing parameter', new ParameterNotFound({ message: 'not found', $metadata: {} })],
    ['access denied', Object.assign(new Error('denied'), { name: 'AccessDeniedException' })],
    ['a network failure', Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' })],
  ])('fails closed to frozen on %s', async (_what, error) => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(error);
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER);
    // Act
    const read = await killSwitch.mode();
    // Assess
    expect(read).toBe('frozen');
  });

  it('serves the cached mode within the cache window and asks SSM again after it', async () => {
    // Prepare
    let now = 1_000_000;
    ssm.on(GetParameterCommand).resolvesOnce(parameter('normal')).resolvesOnce(parameter('frozen'));
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER, 5_000, () => now);
    // Act
    const first = await killSwitch.mode();
    now += 4_999;
    const cached = await killSwitch.mode();
    now += 1;
    const refreshed = await killSwitch.mode();
    // Assess
    expect([first, cached, refreshed]).toEqual(['normal', 'normal', 'frozen']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('keeps a failure-induced freeze only for the cache window, then reopens when SSM answers', async () => {
    // Prepare
    let now = 0;
    ssm.on(GetParameterCommand).rejectsOnce(new Error('throttled')).resolvesOnce(parameter('normal'));
    const killSwitch = new SsmKillSwitch(new SSMClient({}), PARAMETER, 1_000, () => now);
    // Act
    const failed = await killSwitch.mode();
    now += 500;
    const stillCached = await killSwitch.mode();
    now += 500;
    const recovered = await killSwitch.mode();
    // Assess
    expect([failed, stillCached, recovered]).toEqual(['frozen', 'frozen', 'normal']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });
});
