/**
 * The connection flags every CLI that calls the API shares (`bridge mcp`, `bridge approvals`): SigV4 with the
 * environment's AWS credentials against a deployed stage, or the local runtime's principal header.
 */
import type { BridgeClientOptions } from './bridge-client';

export const CONNECTION_HELP = `  --endpoint URL          API base URL with its stage, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/live (required)
  --region R              AWS region (default: taken from an execute-api endpoint's host name)
  --api-id ID             REST API id, when the endpoint is the VPC endpoint's own DNS name
  --local-principal ARN   local runtime only: act as this role (refused for endpoints not on this machine)
  --accept-remote-principal-header-risk
                          send --local-principal to another machine anyway (a test runtime you control: the
                          header is unauthenticated, anyone can forge it)
  --timeout-ms N          time budget of one call in milliseconds (default 30000)`;

const CONNECTION_FLAGS = ['--endpoint', '--region', '--api-id', '--local-principal', '--timeout-ms'] as const;
const RISK_FLAG = '--accept-remote-principal-header-risk';

export type Flags = Record<string, string>;

/**
 * Parses `--name value` / `--name=value` flags (connection flags plus `extra` value flags and `switches`), and
 * positional arguments. Unknown flags, missing values and repeats are errors.
 */
export function parseFlags(args: readonly string[], extra: readonly string[] = [], switches: readonly string[] = []): { flags: Flags; positional: string[] } {
  const valued = new Set<string>([...CONNECTION_FLAGS, ...extra]);
  const booleans = new Set<string>([RISK_FLAG, ...switches]);
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    if (booleans.has(arg)) {
      flags[arg] = 'true';
      continue;
    }
    const eq = arg.indexOf('=');
    const [name, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (!valued.has(name)) throw new Error(`unknown argument ${arg}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new Error(`${name} needs a value`);
    if (flags[name] !== undefined) throw new Error(`${name} given twice`);
    flags[name] = value;
  }
  return { flags, positional };
}

/** The client options the connection flags describe. */
export function clientOptions(flags: Flags): BridgeClientOptions {
  if (!flags['--endpoint']) throw new Error('--endpoint is required');
  const timeoutMs = flags['--timeout-ms'] === undefined ? undefined : Number(flags['--timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error('--timeout-ms must be a positive integer');
  const principal = flags['--local-principal'];
  if (principal && (flags['--region'] || flags['--api-id'])) throw new Error('--local-principal does not sign requests: drop --region and --api-id');
  if (!principal && flags[RISK_FLAG]) throw new Error(`${RISK_FLAG} only goes with --local-principal`);
  return {
    endpoint: flags['--endpoint'],
    timeoutMs,
    auth: principal
      ? { mode: 'local', principal, acceptRemotePrincipalHeaderRisk: flags[RISK_FLAG] === 'true' }
      : { mode: 'sigv4', region: flags['--region'], apiId: flags['--api-id'] },
  };
}
