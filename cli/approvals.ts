/**
 * `bridge approvals list | show | approve | reject | edit`: the approver's side of the approval flow, against a
 * deployed API (SigV4 with the caller's AWS credentials, who must be a configured approver) or the local runtime.
 */
import type { Writable } from 'node:stream';
import { BridgeClient, isBridgeClientError, type JsonObject } from '../client/bridge-client';
import { clientOptions, CONNECTION_HELP, parseFlags } from '../client/connection-flags';

const HELP = `Usage:
  bridge approvals list [--status S] [--limit N] [--cursor C]   (connection flags)
  bridge approvals show ID
  bridge approvals approve ID --comment TEXT
  bridge approvals reject ID --comment TEXT
  bridge approvals edit ID --set FIELD=VALUE [--set FIELD=VALUE …] --comment TEXT

list shows requests waiting for a person (or --status approved|rejected|completed|failed|expired); show prints the
redacted proposal, the current CRM values of the fields it changes (redacted the same way) and the deadline. A
decision is final; edits are checked by policy again; you cannot decide a request you made. Add --json for the API's
JSON instead of text.

Connection:
${CONNECTION_HELP}
`;

type Io = { stdout: Writable; stderr: Writable };

/** `--set NAME=VALUE` values: numbers, true/false and null keep their JSON type; anything else is text. */
export function parseEdits(sets: readonly string[]): Record<string, string | number | boolean | null> {
  const edits: Record<string, string | number | boolean | null> = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq < 1) throw new Error(`--set takes FIELD=VALUE, got ${JSON.stringify(set)}`);
    const [name, raw] = [set.slice(0, eq), set.slice(eq + 1)];
    if (name in edits) throw new Error(`--set names ${name} twice`);
    edits[name] = raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return edits;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function renderList(body: JsonObject): string {
  const items = (body.items ?? []) as JsonObject[];
  if (items.length === 0) return 'no requests\n';
  const rows = items.map((i) => [i.requestId, i.agent, i.action, `${text(i.object)}${i.recordId ? `/${text(i.recordId)}` : ''}`, i.approvalDeadline ?? '-', i.summary].map((c) => text(c ?? '')));
  const header = ['REQUEST', 'AGENT', 'ACTION', 'OBJECT', 'DEADLINE', 'SUMMARY'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ');
  return [line(header), ...rows.map(line), ...(body.cursor ? [`more: --cursor ${text(body.cursor)}`] : [])].join('\n') + '\n';
}

function renderRequest(body: JsonObject): string {
  const review = (body.review ?? {}) as JsonObject;
  const out = [
    `request   ${text(body.requestId)} (${text(body.status)})`,
    `agent     ${text(body.agent)} asks ${text(body.action)} on ${text(body.object)}${body.recordId ? `/${text(body.recordId)}` : ''}`,
    ...(body.reason ? [`reason    ${text(body.reason)}`] : []),
    `summary   ${text(review.summary ?? '')}`,
    `deadline  ${text(body.approvalDeadline ?? '-')}`,
    `policy    ${((body.policy as JsonObject | undefined)?.reasons as JsonObject[] | undefined)?.map((r) => text(r.policyId)).join(', ') ?? '-'}`,
  ];
  const diff = (body.diff as JsonObject | undefined)?.fields as JsonObject[] | undefined;
  if (diff) {
    out.push('', 'field                      current  →  proposed');
    for (const d of diff) out.push(`${text(d.field).padEnd(26)} ${text(d.current)}  →  ${text(d.proposed)}`);
  } else if (review.proposed) {
    out.push('', 'proposed');
    for (const [k, v] of Object.entries(review.proposed as JsonObject)) out.push(`  ${k.padEnd(24)} ${text(v)}`);
  }
  if (review.query) out.push('', `query     ${text(review.query)}`);
  if (body.approval) out.push('', `decided   ${text(body.approval)}`);
  return out.join('\n') + '\n';
}

export async function main(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [verb, ...rest] = args;
  if (!verb || verb === '--help' || verb === '-h' || rest.includes('--help')) {
    io.stdout.write(HELP);
    return verb ? 0 : 2;
  }
  let client: BridgeClient;
  let flags: Record<string, string>;
  let positional: string[];
  const sets: string[] = [];
  try {
    // --set repeats, so it is collected before the common parser (which refuses repeats).
    const others: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--set') sets.push(rest[++i] ?? '');
      else if (rest[i].startsWith('--set=')) sets.push(rest[i].slice('--set='.length));
      else others.push(rest[i]);
    }
    ({ flags, positional } = parseFlags(others, ['--status', '--limit', '--cursor', '--comment'], ['--json']));
    client = new BridgeClient(clientOptions(flags));
  } catch (e) {
    io.stderr.write(`bridge approvals: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const json = flags['--json'] === 'true';
  const id = positional[0];
  try {
    let body: JsonObject;
    let render: (b: JsonObject) => string;
    switch (verb) {
      case 'list':
        body = await client.listApprovals({
          ...(flags['--status'] ? { status: flags['--status'] as 'approval_required' } : {}),
          ...(flags['--limit'] ? { limit: Number(flags['--limit']) } : {}),
          ...(flags['--cursor'] ? { cursor: flags['--cursor'] } : {}),
        });
        render = renderList;
        break;
      case 'show':
        if (!id) throw new Error('show needs a request id');
        body = await client.getApproval(id);
        render = renderRequest;
        break;
      case 'approve':
      case 'reject':
      case 'edit': {
        if (!id) throw new Error(`${verb} needs a request id`);
        if (!flags['--comment']) throw new Error(`${verb} needs --comment (it goes to the audit log with your identity)`);
        if (verb === 'edit' && sets.length === 0) throw new Error('edit needs at least one --set FIELD=VALUE');
        if (verb !== 'edit' && sets.length > 0) throw new Error('--set goes with edit only');
        const decision = verb === 'edit' ? { decision: 'edit' as const, edits: parseEdits(sets), comment: flags['--comment'] } : { decision: verb, comment: flags['--comment'] };
        body = await client.decide(id, decision);
        render = (b) => `${text(b.requestId)}: ${text(b.status)} (${text(b.decision)} at ${text(b.decidedAt)})\n`;
        break;
      }
      default:
        io.stderr.write(`bridge approvals: unknown command ${verb}\n\n${HELP}`);
        return 2;
    }
    io.stdout.write(json ? JSON.stringify(body, null, 2) + '\n' : render(body));
    return 0;
  } catch (e) {
    if (isBridgeClientError(e)) {
      io.stderr.write(`bridge approvals: ${e.code}: ${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}\n`);
      return e.status === 0 ? 2 : 1;
    }
    io.stderr.write(`bridge approvals: ${(e as Error).message}\n`);
    return 2;
  }
}
