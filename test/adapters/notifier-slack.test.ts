import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { assertSlackWebhookUrl, SlackNotifier, slackWebhookFromSecret } from '../../lambda/adapters/notifier-slack';
import type { ApprovalNotice } from '../../lambda/core/approvals/ports';

const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX';
const notice: ApprovalNotice = {
  requestId: 'req-42',
  agent: 'support-agent',
  action: 'IssueRefund',
  object: 'Case',
  recordId: '5005g00000000001AAA',
  summary: 'support-agent asks to issue a refund on Case 5005g00000000001AAA (fields: Refund_Amount__c) <b>&',
  deadline: '2025-05-05T10:00:00.000Z',
};

/** A local stand-in for Slack: records each request and answers with the configured status (or never). */
let server: Server;
let base: string;
let answer: { status: number; hang?: boolean };
const received: { method?: string; path?: string; type?: string; body: string }[] = [];
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method, path: req.url, type: req.headers['content-type'], body });
      if (answer.hang) return;
      res.writeHead(answer.status).end(answer.status === 200 ? 'ok' : 'invalid_payload');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  received.length = 0;
  answer = { status: 200 };
});

/** The real HTTP client, pointed at the local server in place of hooks.slack.com (after the URL check passed). */
const toLocal: typeof fetch = (url, init) => fetch(`${base}${new URL(String(url)).pathname}`, init);
const notifier = (url = WEBHOOK, timeoutMs?: number) => new SlackNotifier({ webhookUrl: async () => url, fetch: toLocal, timeoutMs });

describe('SlackNotifier', () => {
  it('posts the notice as JSON to the webhook path, with Slack control characters escaped', async () => {
    // Act
    await notifier().notify(notice);
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', path: '/services/T000/B000/XXXXXXXX', type: 'application/json' });
    const { text } = JSON.parse(received[0].body);
    expect(text).toContain('*Approval needed: IssueRefund Case (req-42)*');
    expect(text).toContain('npx bridge approvals show req-42');
    expect(text).toContain('(fields: Refund_Amount__c) &lt;b&gt;&amp;');
  });

  it.each([
    'http://hooks.slack.com/services/T/B/X',
    'https://hooks.slack.com.attacker.example/services/T/B/X',
    'https://attacker.example/hooks.slack.com/services',
    'https://user:pw@hooks.slack.com/services/T/B/X',
    'https://hooks.slack.com:8443/services/T/B/X',
    'REPLACE_WITH_THE_SLACK_INCOMING_WEBHOOK_URL',
  ])('refuses %s before sending anything', async (url) => {
    await expect(notifier(url).notify(notice)).rejects.toThrow(/Slack webhook/);
    expect(received).toHaveLength(0);
  });

  it('fails when Slack answers with an error status', async () => {
    answer = { status: 400 };
    await expect(notifier().notify(notice)).rejects.toThrow('Slack answered HTTP 400');
  });

  it('gives up after its timeout when Slack does not answer', async () => {
    answer = { status: 200, hang: true };
    await expect(notifier(WEBHOOK, 150).notify(notice)).rejects.toThrow(/abort|timeout/i);
  });
});

describe('slackWebhookFromSecret', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('reads the webhook URL from the secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'slack-secret' }).resolves({ SecretString: JSON.stringify({ webhookUrl: WEBHOOK }) });
    await expect(slackWebhookFromSecret(new SecretsManagerClient({}), 'slack-secret')()).resolves.toBe(WEBHOOK);
  });

  it.each([['not json', /not JSON/], [JSON.stringify({ url: WEBHOOK }), /no webhookUrl/]])('refuses a malformed secret %s', async (value, message) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });
    await expect(slackWebhookFromSecret(new SecretsManagerClient({}), 'slack-secret')()).rejects.toThrow(message);
  });
});

describe('assertSlackWebhookUrl', () => {
  it('accepts an incoming-webhook URL', () => {
    expect(assertSlackWebhookUrl(WEBHOOK).pathname).toBe('/services/T000/B000/XXXXXXXX');
  });
});
