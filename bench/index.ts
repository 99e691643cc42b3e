/**
 * `npm run bench -- <name> [--json]`: runs one benchmark, or all of them without a name.
 * Each prints figures and ratios; with --json the results are one JSON object on stdout.
 */
type Bench = { run(opts: { json: boolean }): Promise<Record<string, unknown>> };

const BENCHES: Record<string, () => Promise<Bench>> = {
  policy: () => import('./policy'),
  redaction: () => import('./redaction'),
  injection: () => import('./injection'),
  proxy: () => import('./proxy'),
};

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const results: Record<string, unknown> = {};
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    results[name] = await (await BENCHES[name]()).run({ json });
  }
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
