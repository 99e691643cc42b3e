/**
 * The `bridge` CLI: one entry point, one module per command under cli/.
 * Modules load lazily so `bridge scan` never pays for Cedar or the AWS SDK.
 */
type CommandModule = { main(args: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  policy: { summary: 'test, validate and version Cedar policy bundles', load: () => import('../cli/policy') },
  redact: { summary: 'redact PII from JSON lines (stdin → stdout)', load: () => import('../cli/redact') },
  scan: { summary: 'score JSON lines for prompt injection (stdin → stdout)', load: () => import('../cli/scan') },
  audit: { summary: 'verify the audit log (signatures, chain, hashes, retention) and query events', load: () => import('../cli/audit') },
  approvals: { summary: 'list, show, approve, reject or edit requests waiting for a person (approvers)', load: () => import('../cli/approvals') },
  incident: { summary: 'kill switch (freeze, read-only, resume) and immediate credential rotation, deployed or local', load: () => import('../cli/incident') },
  mcp: { summary: 'serve the agent tools to an MCP host over stdio (SigV4, or the local runtime)', load: () => import('../cli/mcp') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['usage: bridge <command> [options]', '', 'commands:', ...rows, '', "Run 'bridge <command> --help' for a command's options."].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`bridge: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  return (await command.load()).main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bridge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
