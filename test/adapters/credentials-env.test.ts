import { defaultProvider } from '../../lambda/adapters/credentials-env';

const ENV_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CREDENTIAL_EXPIRATION'] as const;

describe('env-only credential provider (the bundles\' default chain)', () => {
  const saved: Partial<Record<(typeof ENV_NAMES)[number], string>> = {};
  beforeEach(() => {
    for (const n of ENV_NAMES) {
      saved[n] = process.env[n];
      delete process.env[n];
    }
  });
  afterEach(() => {
    for (const n of ENV_NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });

  it('returns the role session credentials Lambda puts in the environment', async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLEKEY';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret';
    process.env.AWS_SESSION_TOKEN = 'example-session-token';

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLEKEY', secretAccessKey: 'example-secret', sessionToken: 'example-session-token' });
  });

  it('fails rather than fall back to a profile, SSO or instance metadata when the environment has no credentials', async () => {
    // Prepare
    process.env.AWS_PROFILE = 'someone-elses-profile';

    // Act
    const act = defaultProvider()();

    // Assess
    await expect(act).rejects.toThrow(/environment variable credentials/);
  });
});
