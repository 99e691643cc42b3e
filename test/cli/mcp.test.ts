import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { main } from '../../cli/mcp';
import { LOCAL_PRINCIPALS, startLocalBridge } from '../../local/runtime';

const ROOT = join(__dirname, '..', '..');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const pending = main(args, { stdin, stdout, stderr });
  // A serving command runs until the host closes its stdin.
  setImmediate(() => stdin.end());
  return { code: await pending, out, err };
}

describe('bridge mcp', () => {
  it('prints its help on stdout', async () => {
    // Act
    const { code, out } = await run(['--help']);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('bridge mcp --endpoint URL');
    expect(out).toContain('--local-principal ARN');
  });

  it.each([
    { args: [], says: '--endpoint is required' },
    { args: ['--endpoint', 'http://127.0.0.1:8787', '--bogus'], says: 'unknown argument --bogus' },
    { args: ['--endpoint'], says: '--endpoint needs a value' },
    { args: ['--endpoint', 'https://bridge.example.com/live'], says: 'pass a region' },
    { args: ['--endpoint', 'https://bridge.example.com', '--local-principal', LOCAL_PRINCIPALS.support], says: 'anyone can forge' },
    { args: ['--endpoint', 'http://127.0.0.1:8787', '--local-principal', LOCAL_PRINCIPALS.support, '--region', 'eu-west-1'], says: 'does not sign' },
    { args: ['--endpoint=http://127.0.0.1:8787', '--timeout-ms=soon'], says: '--timeout-ms must be a positive integer' },
  ])('refuses $args with exit code 2 and says why', async ({ args, says }) => {
    // Act
    const { code, out, err } = await run(args);

    // Assess
    expect(code).toBe(2);
    expect(err).toContain(says);
    expect(out).toBe('');
  });

  it('ends with exit code 0 when the host closes its stdin', async () => {
    // Act
    const { code, out, err } = await run(['--endpoint', 'http://127.0.0.1:8787', '--local-principal', LOCAL_PRINCIPALS.support]);

    // Assess
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toContain('serving http://127.0.0.1:8787 over stdio (local principal');
  });

  it("serves the tools to the SDK's stdio client in a separate process, with nothing but the protocol on stdout", async () => {
    // Prepare
    const bridge = await startLocalBridge();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', '-e', "require('./cli/mcp').main(process.argv.slice(1)).then((c) => { process.exitCode = c; })", '--', '--endpoint', bridge.url, '--local-principal', LOCAL_PRINCIPALS.support],
      cwd: ROOT,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c) => (stderr += String(c)));
    const host = new Client({ name: 'stdio-test-host', version: '1.0.0' });
    const protocolErrors: Error[] = [];
    host.onerror = (e) => protocolErrors.push(e);
    try {
      // Act
      await host.connect(transport);
      const { tools } = await host.listTools();
      const result = (await host.callTool({ name: 'crm_query', arguments: { object: 'Contact', fields: ['Id', 'Email'], limit: 2, purpose: 'support' } })) as CallToolResult;

      // Assess
      expect(tools.map((t) => t.name)).toContain('crm_query');
      expect(result.isError ? JSON.stringify(result.content) : 'ok').toBe('ok');
      expect((result.structuredContent as { provenance: { records: unknown[] } }).provenance.records).toHaveLength(2);
      expect(protocolErrors).toEqual([]);
      expect(stderr).toContain('bridge mcp: serving');
    } finally {
      await host.close();
      await bridge.close();
    }
  });
});
