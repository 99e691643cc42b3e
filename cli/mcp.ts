/**
 * `bridge mcp`: serves the bridge's agent tools to an MCP host over stdio. stdout carries only the protocol;
 * everything for people goes to stderr.
 */
import { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BridgeClient, isBridgeClientError } from '../client/bridge-client';
import { clientOptions, CONNECTION_HELP, parseFlags } from '../client/connection-flags';
import { createBridgeMcpServer } from '../mcp/server';

const HELP = `Usage: bridge mcp --endpoint URL [--region R] [--api-id ID] [--timeout-ms N]
       bridge mcp --endpoint http://127.0.0.1:8787 --local-principal ARN

Serves the bridge's agent tools (crm_query, crm_propose, request_authorization, execute_action,
request_status) to an MCP host over stdio. Calls are signed with SigV4 using the AWS credentials of the
environment (AWS_PROFILE, SSO, AWS_ACCESS_KEY_ID…, container or instance role); against the local runtime
(npm start) they carry the role ARN given with --local-principal instead.

Options:
${CONNECTION_HELP}
  --help                  show this help
`;

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
    const { flags, positional } = parseFlags(args);
    if (positional.length > 0) throw new Error(`unknown argument ${positional[0]}`);
    client = new BridgeClient(clientOptions(flags));
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
