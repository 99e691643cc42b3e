/**
 * `npm run eval [-- --json]`: accuracy on the third-party corpora in ../shared/eval, this
 * engine beside its peers in the same run with the same scoring. Skips, with a message,
 * where a corpus is absent.
 */
import { run as evalInjection } from './eval-injection';
import { run as evalPii } from './eval-pii';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const results = { pii: await evalPii({ json }), injection: await evalInjection({ json }) };
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
