import { Writable } from 'node:stream';
import { main, parseEdits } from '../../cli/approvals';
import { LOCAL_PRINCIPALS, startLocalBridge, type LocalBridge } from '../../local/runtime';
import { call } from '../support/local-http';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

async function run(bridge: LocalBridge, args: string[], principal: string = LOCAL_PRINCIPALS.approver) {
  const stdout = sink();
  const stderr = sink();
  const code = await main([...args, '--endpoint', bridge.url, '--local-principal', principal], { stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

async function proposeTask(bridge: LocalBridge, subject: string): Promise<string> {
  const reply = await call(bridge, '/v1/records/propose', {
    body: { object: 'Task', op: 'create', fields: { Subject: subject, Description: 'draft' }, reason: 'follow-up' },
    principal: LOCAL_PRINCIPALS.sales,
  });
  const id = reply.body.requestId as string;
  for (let i = 0; i < 200 && !bridge.notifier.notices.some((n) => n.requestId === id); i++) await new Promise((r) => setTimeout(r, 25));
  return id;
}

describe('parseEdits', () => {
  it('keeps numbers, booleans and null typed and everything else as text', () => {
    // Act
    const edits = parseEdits(['Priority=High', 'Amount=12.5', 'IsClosed=false', 'NextStep=null', 'Description=a=b']);
    // Assess
    expect(edits).toEqual({ Priority: 'High', Amount: 12.5, IsClosed: false, NextStep: null, Description: 'a=b' });
  });

  it('refuses a value without a field and a field set twice', () => {
    // Act / Assess
    expect(() => parseEdits(['=x'])).toThrow(/FIELD=VALUE/);
    expect(() => parseEdits(['A=1', 'A=2'])).toThrow(/twice/);
  });
});

describe('bridge approvals against the local runtime', () => {
  let bridge: LocalBridge;
  beforeAll(async () => {
    bridge = await startLocalBridge();
  });
  afterAll(() => bridge.close());

  it('lists a waiting request, shows it redacted, and approves it so the task is written', async () => {
    // Prepare
    const id = await proposeTask(bridge, 'CLI approve');
    // Act
    const listed = await run(bridge, ['list']);
    const shown = await run(bridge, ['show', id]);
    const approved = await run(bridge, ['approve', id, '--comment', 'looks right']);
    await bridge.stepFunctions.execution(id);
    // Assess
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(id);
    expect(shown.out).toMatch(/sales-agent asks ProposeCreate on Task/);
    expect(shown.out).toContain('deadline');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toContain('approved');
    expect(bridge.sandbox.store.rows('Task').filter((r) => r.Subject === 'CLI approve')).toHaveLength(1);
  });

  it('edits with --set and rejects, each with the comment the audit log needs', async () => {
    // Prepare
    const edited = await proposeTask(bridge, 'CLI edit');
    const rejected = await proposeTask(bridge, 'CLI reject');
    // Act
    const edit = await run(bridge, ['edit', edited, '--set', 'Description=checked', '--comment', 'reworded']);
    const reject = await run(bridge, ['reject', rejected, '--comment', 'no']);
    await Promise.all([bridge.stepFunctions.execution(edited), bridge.stepFunctions.execution(rejected)]);
    // Assess
    expect([edit.code, reject.code]).toEqual([0, 0]);
    expect(bridge.sandbox.store.rows('Task').find((r) => r.Subject === 'CLI edit')?.Description).toBe('checked');
    expect(bridge.sandbox.store.rows('Task').filter((r) => r.Subject === 'CLI reject')).toHaveLength(0);
  });

  it('exits 2 without a comment and 1 with the bridge error code for a non-approver', async () => {
    // Prepare
    const id = await proposeTask(bridge, 'CLI refused');
    // Act
    const noComment = await run(bridge, ['approve', id]);
    const agent = await run(bridge, ['approve', id, '--comment', 'self'], LOCAL_PRINCIPALS.sales);
    // Assess
    expect(noComment.code).toBe(2);
    expect(noComment.err).toMatch(/--comment/);
    expect(agent.code).toBe(1);
    expect(agent.err).toMatch(/FORBIDDEN|UNKNOWN/);
  });
});
