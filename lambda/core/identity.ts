/**
 * Who is calling: API Gateway (AWS_IAM auth) gives the caller's ARN, which for an agent is
 * an STS assumed-role session. Sessions are matched to configured role ARNs by partition,
 * account and role name (an assumed-role ARN drops the role's path, so the path cannot count).
 */
export interface Principal {
  readonly partition: string;
  readonly account: string;
  readonly kind: 'role' | 'user';
  readonly name: string;
}

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]{2,64}$/;
const IAM_ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const IAM_USER = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;

/** Parses a caller ARN (assumed-role session, IAM role or IAM user); undefined when it is none of them. */
export function parsePrincipal(arn: string): Principal | undefined {
  const session = ASSUMED_ROLE.exec(arn) ?? IAM_ROLE.exec(arn);
  if (session) return { partition: session[1], account: session[2], kind: 'role', name: session[3] };
  const user = IAM_USER.exec(arn);
  if (user) return { partition: user[1], account: user[2], kind: 'user', name: user[3] };
  return undefined;
}

const principalKey = (p: Principal): string => `${p.partition}:${p.account}:${p.kind}:${p.name}`;

/** Maps caller ARNs to the names of configured identities (agents or approvers). */
export class PrincipalDirectory {
  private readonly byKey = new Map<string, string>();

  constructor(identities: Record<string, { readonly principals: readonly string[] }>) {
    for (const [name, identity] of Object.entries(identities)) {
      for (const arn of identity.principals) {
        const principal = parsePrincipal(arn);
        if (!principal) throw new Error(`identity '${name}': '${arn}' is not an IAM role or user ARN`);
        const key = principalKey(principal);
        const existing = this.byKey.get(key);
        if (existing && existing !== name) throw new Error(`identities '${existing}' and '${name}' share the principal '${arn}'`);
        this.byKey.set(key, name);
      }
    }
  }

  /** The configured identity name for a caller ARN, or undefined for anyone else. */
  resolve(callerArn: string | null | undefined): string | undefined {
    const principal = callerArn ? parsePrincipal(callerArn) : undefined;
    return principal ? this.byKey.get(principalKey(principal)) : undefined;
  }
}
