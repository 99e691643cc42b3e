/**
 * `npm start [-- --crm hubspot] [--port 8787]`: the bridge on this machine, no AWS account needed.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_PRINCIPALS, startLocalBridge } from './runtime';
import { LOCAL_PRINCIPAL_HEADER } from './http-front';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { crm: { type: 'string', default: 'salesforce' }, port: { type: 'string', default: '8787' } } });
  if (values.crm !== 'salesforce' && values.crm !== 'hubspot') throw new Error(`--crm must be salesforce or hubspot, got '${values.crm}'`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
  const bridge = await startLocalBridge({ crm: values.crm, port, log: (line) => process.stdout.write(`${line.replace('<url>', bridge.url)}\n`) });
  // The deployed digest job runs on an EventBridge schedule; locally, every minute over one-minute periods.
  const publicKey = join(tmpdir(), `bridge-local-signing-${process.pid}.pem`);
  writeFileSync(publicKey, await bridge.signer.publicKeyPem());
  const digests = setInterval(() => {
    bridge.runDigestJob().catch((e: unknown) => process.stderr.write(`digest job: ${e instanceof Error ? e.message : String(e)}\n`));
  }, 60_000);
  const taskFields = values.crm === 'salesforce' ? '{"Subject":"Call back","Description":"asked for a call"}' : '{"hs_task_subject":"Call back","hs_task_body":"asked for a call"}';
  // A refund in the approval band (over 100, at most 1000 EUR) on a seeded case (a HubSpot ticket).
  const caseId = values.crm === 'salesforce' ? bridge.sandbox.store.rows('Case')[1].Id : bridge.sandbox.store.objects('tickets')[1].id;
  const fields = values.crm === 'salesforce' ? '["Id","FirstName","LastName","Email","Phone"]' : '["firstname","lastname","email","phone"]';
  process.stdout.write(
    [
      `crm-agent-bridge (local, ${bridge.crmKind} sandbox) listening on ${bridge.url}`,
      '',
      'Try a read as the support agent:',
      `  curl -s ${bridge.url}/v1/records/query \\`,
      `    -H 'content-type: application/json' -H '${LOCAL_PRINCIPAL_HEADER}: ${LOCAL_PRINCIPALS.support}' \\`,
      `    -d '{"object":"Contact","fields":${fields},"limit":5,"purpose":"support"}'`,
      '',
      'Propose a write as the sales agent (it waits for a person, in the synthesized approval state machine):',
      `  curl -s ${bridge.url}/v1/records/propose \\`,
      `    -H 'content-type: application/json' -H '${LOCAL_PRINCIPAL_HEADER}: ${LOCAL_PRINCIPALS.sales}' \\`,
      `    -d '{"object":"Task","op":"create","fields":${taskFields},"reason":"follow-up"}'`,
      'or a refund as the support agent (refunds in USD, EUR or GBP; up to 1000 with approval):',
      `  curl -s ${bridge.url}/v1/records/propose \\`,
      `    -H 'content-type: application/json' -H '${LOCAL_PRINCIPAL_HEADER}: ${LOCAL_PRINCIPALS.support}' \\`,
      `    -d '{"object":"Case","op":"refund","recordId":"${caseId}","amount":250,"currency":"EUR","reason":"parcel arrived late"}'`,
      'Decide it as the approver:',
      `  npx bridge approvals list --endpoint ${bridge.url} --local-principal ${LOCAL_PRINCIPALS.approver}`,
      `  npx bridge approvals approve <requestId> --comment 'ok' --endpoint ${bridge.url} --local-principal ${LOCAL_PRINCIPALS.approver}`,
      '',
      `Incidents:  npx bridge incident freeze --local ${bridge.url}   (read-only | resume | rotate-now | status)`,
      `Sandbox CRM: ${bridge.sandbox.url}   Audit S3 (s3rver): ${bridge.s3Endpoint}, bucket bridge-audit`,
      `Verify the audit log (digests every minute):`,
      `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER npx bridge audit verify --bucket bridge-audit --endpoint ${bridge.s3Endpoint} --public-key ${publicKey}`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  const stop = () => {
    clearInterval(digests);
    bridge.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
