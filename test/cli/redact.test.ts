import { PassThrough } from 'node:stream';
import { main, redactStream } from '../../cli/redact';

async function runLines(lines: string[], tokenize = false): Promise<unknown[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (c) => (out += c));
  input.end(lines.join('\n') + '\n');
  await redactStream(input, output, tokenize);
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

describe('bridge redact --jsonl', () => {
  it('writes one line per input line with offsets into the input', async () => {
    // Prepare
    const text = 'Mail ann@x.io, SSN 123-45-6789';
    // Act
    const [line] = await runLines([JSON.stringify({ text })]);
    // Assess
    expect(line).toEqual({
      text: 'Mail [EMAIL], SSN [US_SSN]',
      entities: [{ type: 'EMAIL', start: 5, end: 13 }, { type: 'US_SSN', start: 19, end: 30 }],
    });
  });

  it('uses known_names and stable placeholders with --tokenize', async () => {
    // Act
    const [line] = await runLines([JSON.stringify({ text: 'okafor called; okafor again', known_names: ['Chidi Okafor'] })], true);
    // Assess
    expect(line).toMatchObject({ text: '{PERSON_1} called; {PERSON_1} again' });
  });

  it('answers a bad line with an error line and keeps going', async () => {
    // Act
    const out = await runLines(['not json', '{"text": 3}', '{"text":"a","known_names":[1]}', '{"text":"fine"}']);
    // Assess
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).every((l) => (l as { error?: { code: string } }).error?.code === 'VALIDATION_FAILED')).toBe(true);
    expect(out[3]).toEqual({ text: 'fine', entities: [] });
  });

  it('prints help and rejects unknown options', async () => {
    // Prepare
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // Act
    const help = await main(['--help']);
    const bad = await main(['--jsonl', '--nope']);
    // Assess
    expect(help).toBe(0);
    expect(bad).toBe(2);
    write.mockRestore();
    err.mockRestore();
  });
});
