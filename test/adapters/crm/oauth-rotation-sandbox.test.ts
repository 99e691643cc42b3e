import { BridgeError } from '../../../lambda/core/errors';
import { crmCredentialsCodec, OAuthCredentialRotator, type OAuthRotatorOptions } from '../../../lambda/adapters/crm/oauth-rotation';
import type { CrmCredentials } from '../../../lambda/adapters/crm/types';
import { startSandboxCrm, type SandboxCrm } from '../../../local/sandbox-crm';
import { failure } from '../../support/failure';

describe('OAuthCredentialRotator against the sandbox CRM over HTTP', () => {
  let sandbox: SandboxCrm;
  const rotator = (over: Partial<OAuthRotatorOptions> & Pick<OAuthRotatorOptions, 'kind'>) =>
    new OAuthCredentialRotator({ baseUrl: sandbox.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...over });

  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 3 });
  });
  afterAll(() => sandbox.close());

  describe('Salesforce: staged consumer credentials', () => {
    const salesforce = () => rotator({ kind: 'salesforce', admin: async () => sandbox.clients.credentials('salesforce', 'admin') });

    it('stages a second consumer that works alongside the first, then deletes the first', async () => {
      // Prepare
      const current = sandbox.clients.credentials('salesforce', 'read');
      const r = salesforce();

      // Act
      const pending = await r.issue(current);
      await Promise.all([r.verify(current), r.verify(pending)]);
      await r.revoke(current, pending);
      const oldAfter = await failure(r.verify(current));
      await r.verify(pending);
      await r.revoke(current, pending);

      // Assess
      expect(pending.clientId).not.toBe(current.clientId);
      expect(pending.clientSecret).not.toBe(current.clientSecret);
      expect({ ...pending, clientId: '', clientSecret: '' }).toEqual({ ...current, clientId: '', clientSecret: '' });
      expect(oldAfter).toMatchObject({ code: 'CRM_REJECTED', details: { status: 400, crmCode: 'invalid_client' } });
      expect(sandbox.clients.credentials('salesforce', 'read')).toEqual(pending);
    });

    it('never deletes the consumer that is current', async () => {
      // Prepare
      const current = sandbox.clients.credentials('salesforce', 'write');

      // Act
      await salesforce().revoke(current, { ...current, clientSecret: 'another-secret-of-the-same-key' });

      // Assess
      await salesforce().verify(current);
    });

    it('needs the credentials administrator: none configured, or an integration user instead', async () => {
      // Prepare
      const current = sandbox.clients.credentials('salesforce', 'read');

      // Act
      const missing = await failure(rotator({ kind: 'salesforce' }).issue(current));
      const notAdmin = await failure(rotator({ kind: 'salesforce', admin: async () => sandbox.clients.credentials('salesforce', 'write') }).issue(current));

      // Assess
      expect(missing.code).toBe('VALIDATION_FAILED');
      expect(notAdmin).toMatchObject({ code: 'CRM_REJECTED', details: { status: 403, crmCode: 'INSUFFICIENT_ACCESS' } });
    });
  });

  describe('HubSpot: refresh tokens', () => {
    it('exchanges the refresh token for a new one, then revokes the old one', async () => {
      // Prepare
      const current = sandbox.clients.authorize('hubspot', 'read');
      const r = rotator({ kind: 'hubspot' });

      // Act
      const pending = await r.issue(current);
      const bothValid = [sandbox.clients.refreshTokenValid(current.refreshToken!), sandbox.clients.refreshTokenValid(pending.refreshToken!)];
      await r.verify(pending);
      await r.revoke(current, pending);
      const oldAfter = await failure(r.verify(current));
      await r.revoke(current, pending);

      // Assess
      expect(pending).toEqual({ ...current, refreshToken: expect.any(String) });
      expect(pending.refreshToken).not.toBe(current.refreshToken);
      expect(bothValid).toEqual([true, true]);
      expect(sandbox.clients.refreshTokenValid(current.refreshToken!)).toBe(false);
      expect(oldAfter).toMatchObject({ code: 'CRM_REJECTED', details: { crmCode: 'invalid_grant' } });
      await r.verify(pending);
    });

    it('refuses to rotate a secret without a refresh token, and a revoked refresh token', async () => {
      // Prepare
      const r = rotator({ kind: 'hubspot' });
      const revoked = sandbox.clients.authorize('hubspot', 'read');
      await r.revoke(revoked, { ...revoked, refreshToken: undefined });

      // Act
      const none = await failure(r.issue(sandbox.clients.credentials('hubspot', 'read')));
      const stale = await failure(r.issue(revoked));

      // Assess
      expect(none.code).toBe('VALIDATION_FAILED');
      expect(stale).toMatchObject({ code: 'CRM_REJECTED', message: 'HubSpot refused the refresh-token exchange (HTTP 400 invalid_grant)' });
    });
  });

  it.each(['salesforce', 'hubspot'] as const)('%s: verify refuses a wrong client secret without echoing it', async (kind) => {
    // Prepare
    const bad: CrmCredentials = { ...sandbox.clients.credentials(kind, 'read'), clientSecret: 'wrong-secret-value-123' };

    // Act
    const error = await failure(rotator({ kind }).verify(bad));

    // Assess
    expect(error.code).toBe('CRM_REJECTED');
    expect(error.message).not.toContain('wrong-secret-value-123');
  });

  it('reports an unreachable token endpoint as CRM_UNAVAILABLE', async () => {
    // Prepare
    const current = { ...sandbox.clients.authorize('hubspot', 'read'), tokenUrl: 'http://127.0.0.1:1/oauth/v1/token' };

    // Act
    const error = await failure(rotator({ kind: 'hubspot' }).issue(current));

    // Assess
    expect(error.code).toBe('CRM_UNAVAILABLE');
  });
});

describe('crmCredentialsCodec', () => {
  it('round-trips credentials and names only the invalid path of a bad secret', () => {
    // Prepare
    const creds: CrmCredentials = { clientId: 'c', clientSecret: 's3cr3t-value', tokenUrl: 'https://x.example/oauth/v1/token', instanceUrl: 'https://x.example', refreshToken: 'r' };

    // Act
    const back = crmCredentialsCodec.parse(crmCredentialsCodec.format(creds));
    let error: BridgeError | undefined;
    try {
      crmCredentialsCodec.parse(JSON.stringify({ ...creds, clientId: '' }));
    } catch (e) {
      error = e as BridgeError;
    }

    // Assess
    expect(back).toEqual(creds);
    expect(error?.message).toBe('the CRM credentials secret is invalid at: clientId');
    expect(error?.message).not.toContain('s3cr3t');
  });
});
