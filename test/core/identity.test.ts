import fc from 'fast-check';
import { parsePrincipal, PrincipalDirectory } from '../../lambda/core/identity';

const ACCOUNT = '123456789012';
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-'.split('');
const iamName = (min: number, max: number) => fc.array(fc.constantFrom(...NAME_CHARS), { minLength: min, maxLength: max }).map((c) => c.join(''));
const roleName = iamName(1, 64);
const sessionName = iamName(2, 64);
const rolePath = fc.array(iamName(1, 12), { maxLength: 3 }).map((segments) => segments.map((s) => `${s}/`).join(''));
const account = fc.array(fc.constantFrom(...'0123456789'.split('')), { minLength: 12, maxLength: 12 }).map((d) => d.join(''));
const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');

const directoryFor = (roleArn: string) => new PrincipalDirectory({ agent: { principals: [roleArn] } });

describe('PrincipalDirectory', () => {
  it('maps every assumed-role session of a configured role to it, whatever the session name and role path', () => {
    fc.assert(
      fc.property(partition, account, rolePath, roleName, sessionName, (p, acct, path, name, session) => {
        // Prepare
        const directory = directoryFor(`arn:${p}:iam::${acct}:role/${path}${name}`);
        // Act
        const resolved = directory.resolve(`arn:${p}:sts::${acct}:assumed-role/${name}/${session}`);
        // Assess
        expect(resolved).toBe('agent');
      }),
    );
  });

  it('never maps a session of another account, partition or role name', () => {
    fc.assert(
      fc.property(
        fc.record({ p: partition, acct: account, name: roleName }),
        fc.record({ p: partition, acct: account, name: roleName }),
        sessionName,
        (configured, caller, session) => {
          fc.pre(configured.p !== caller.p || configured.acct !== caller.acct || configured.name !== caller.name);
          // Prepare
          const directory = directoryFor(`arn:${configured.p}:iam::${configured.acct}:role/${configured.name}`);
          // Act
          const resolved = directory.resolve(`arn:${caller.p}:sts::${caller.acct}:assumed-role/${caller.name}/${session}`);
          // Assess
          expect(resolved).toBeUndefined();
        },
      ),
    );
  });

  it('never lets an IAM user stand in for a role of the same name, nor the reverse', () => {
    fc.assert(
      fc.property(roleName, (name) => {
        // Prepare
        const roles = directoryFor(`arn:aws:iam::${ACCOUNT}:role/${name}`);
        const users = directoryFor(`arn:aws:iam::${ACCOUNT}:user/${name}`);
        // Act
        const userAsRole = roles.resolve(`arn:aws:iam::${ACCOUNT}:user/${name}`);
        const sessionAsUser = users.resolve(`arn:aws:sts::${ACCOUNT}:assumed-role/${name}/session`);
        // Assess
        expect(userAsRole).toBeUndefined();
        expect(sessionAsUser).toBeUndefined();
      }),
    );
  });

  it('never throws on garbage callers and maps none of them', () => {
    // Prepare
    const directory = directoryFor(`arn:aws:iam::${ACCOUNT}:role/agent`);
    const garbage = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(null, undefined, ''),
      fc.string().map((s) => `arn:aws:sts::${ACCOUNT}:assumed-role/agent${s.replace(/[\w+=,.@-]/g, '')}/`),
    );
    fc.assert(
      fc.property(garbage, (caller) => {
        // Act
        const resolved = directory.resolve(caller);
        // Assess
        expect(resolved).toBeUndefined();
      }),
    );
  });

  it('refuses a session whose name or role smuggles extra path segments', () => {
    // Prepare
    const directory = directoryFor(`arn:aws:iam::${ACCOUNT}:role/agent`);
    // Act
    const resolved = [
      `arn:aws:sts::${ACCOUNT}:assumed-role/agent/s1/extra`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/other/agent/s1`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/agent/x`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/agent/s1 `,
      ` arn:aws:sts::${ACCOUNT}:assumed-role/agent/s1`,
    ].map((arn) => directory.resolve(arn));
    // Assess
    expect(resolved).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('rejects configuration that is not a role or user ARN, or that gives one principal to two identities', () => {
    // Prepare
    const role = `arn:aws:iam::${ACCOUNT}:role/shared`;
    // Act
    const notArn = () => new PrincipalDirectory({ a: { principals: ['shared'] } });
    const shared = () => new PrincipalDirectory({ a: { principals: [role] }, b: { principals: [`arn:aws:iam::${ACCOUNT}:role/team/shared`] } });
    // Assess
    expect(notArn).toThrow("identity 'a': 'shared' is not an IAM role or user ARN");
    expect(shared).toThrow("identities 'a' and 'b' share the principal");
  });
});

describe('parsePrincipal', () => {
  it('reads partition, account, kind and name from role, session and user ARNs', () => {
    // Act
    const parsed = [
      parsePrincipal(`arn:aws-us-gov:iam::${ACCOUNT}:role/a/b/support`),
      parsePrincipal(`arn:aws:sts::${ACCOUNT}:assumed-role/support/i-0abc`),
      parsePrincipal(`arn:aws-cn:iam::${ACCOUNT}:user/ops/alice`),
    ];
    // Assess
    expect(parsed).toEqual([
      { partition: 'aws-us-gov', account: ACCOUNT, kind: 'role', name: 'support' },
      { partition: 'aws', account: ACCOUNT, kind: 'role', name: 'support' },
      { partition: 'aws-cn', account: ACCOUNT, kind: 'user', name: 'alice' },
    ]);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        // Act
        const run = () => parsePrincipal(s);
        // Assess
        expect(run).not.toThrow();
      }),
    );
  });
});
