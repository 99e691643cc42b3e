/**
 * `bridge mcp`: serves the bridge's agent tools to an MCP host over stdio. stdout carries only the protocol;
 * everything for people goes to stderr.
 */
import { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BridgeClient, isBridgeClientError, type BridgeClientOptions } from '../client/bridge-client';
import { createBridgeMcpServer } from '../mcp/server';

const HELP = `Usage: bridge mcp --endpoint URL [--region R] [--api-id ID] [--timeout-ms N]
       bridge mcp --endpoint http://127.0.0.1:8787 --local-principal ARN

Serves the bridge's agent tools (crm_query, crm_propose, request_authorization, execute_action,
request_status) to an MCP host over stdio. Calls are signed with SigV4 using the AWS credentials of the
environment (AWS_PROFILE, SSO, AWS_ACCESS_KEY_ID…, container or instance role); against the local runtime
(npm start) they carry the role ARN given with --local-principal instead.

Options:
  --endpoint URL          API base URL with its stage, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/live (required)
  --region R              AWS region (default: taken from an execute-api endpoint's host name)
  --api-id ID             REST API id, when the endpoint is the VPC endpoint's own DNS name
  --local-principal ARN   local runtime only: act as this role (refused for endpoints not on this machine)
  --accept-remote-principal-header-risk
                          send --local-principal to another machine anyway (a test runtime you control: the
                          header is unauthenticated, anyone can forge it)
  --timeout-ms N          time budget of one call in milliseconds (default 30000)
  --help                  show this help
`;

const FLAGS = ['--endpoint', '--region', '--api-id', '--local-principal', '--timeout-ms'] as const;
const RISK_FLAG = '--accept-remote-principal-header-risk';
type Flag = (typeof FLAGS)[number] | typeof RISK_FLAG;

function parseArgs(args: string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === RISK_FLAG) {
      out[RISK_FLAG] = 'true';
      continue;
    }
    const [name, inline] = args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    if (!(FLAGS as readonly string[]).includes(name)) throw new Error(`unknown argument ${args[i]}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new Error(`${name} needs a value`);
    if (out[name as Flag] !== undefined) throw new Error(`${name} given twice`);
    out[name as Flag] = value;
  }
  return out;
}

function clientOptions(flags: Partial<Record<Flag, string>>): BridgeClientOptions {
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

export async function main(
  args: string[],
  io: { stdin: Readable; stdout: Writable; stderr: Writable } = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(HELP);
    return 0;
  }
  let client: BridgeClient;
  try {
    client = new BridgeClient(clientOptions(parseArgs(args)));
  } catch (e) {
    const message = isBridgeClientError(e) || e instanceof Error ? e.message : String(e);
    io.stderr.write(`bridge mcp: ${message}\n\n${HELP}`);
    return 2;
  }
  const server = createBridgeMcpServer(client);
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  // The host ends the session by closing our stdin.
  io.stdin.once('end', () => void server.close());
  await server.connect(new StdioServerTransport(io.stdin, io.stdout));
  const { target } = client;
  const how = target.mode === 'local' ? `local principal ${target.principal}` : `SigV4, region ${target.region}`;
  io.stderr.write(`bridge mcp: serving ${target.endpoint} over stdio (${how})\n`);
  await closed;
  return 0;
}
