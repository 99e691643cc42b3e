/**
 * Approval notices to a Slack incoming webhook. The URL is a credential: it sits in a Secrets Manager secret
 * (`{"webhookUrl": "https://hooks.slack.com/..."}`), is read when a notice goes out (so a replaced URL applies at
 * once), and only `https://hooks.slack.com/` URLs are accepted, so a tampered secret cannot send notices elsewhere.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { noticeLines, noticeSubject } from '../core/approvals/notice';
import type { ApprovalNotice, NotifierPort } from '../core/approvals/ports';

export const SLACK_WEBHOOK_HOST = 'hooks.slack.com';
/** Slack answers within a second or two; a notice must not hold the step near its own timeout. */
export const SLACK_TIMEOUT_MS = 5_000;

export interface SlackNotifierOptions {
  /** Resolves the webhook URL (see `slackWebhookFromSecret`). */
  readonly webhookUrl: () => Promise<string>;
  /** @default SLACK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** The HTTP client. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Throws unless `raw` is an https URL on hooks.slack.com with no credentials or port. */
export function assertSlackWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('the Slack webhook secret does not hold a URL');
  }
  if (url.protocol !== 'https:' || url.hostname !== SLACK_WEBHOOK_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`the Slack webhook URL must start with https://${SLACK_WEBHOOK_HOST}/`);
  }
  return url;
}

/** Slack mrkdwn treats &, < and > as control characters. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class SlackNotifier implements NotifierPort {
  constructor(private readonly opts: SlackNotifierOptions) {}

  async notify(notice: ApprovalNotice): Promise<void> {
    const url = assertSlackWebhookUrl(await this.opts.webhookUrl());
    const text = [`*${noticeSubject(notice)}*`, ...noticeLines(notice)].map(escape).join('\n');
    const res = await (this.opts.fetch ?? fetch)(url.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      redirect: 'error',
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? SLACK_TIMEOUT_MS),
    });
    // Drain the body so the connection is released; Slack's answer is a short status word.
    await res.text().catch(() => undefined);
    if (!res.ok) throw new Error(`Slack answered HTTP ${res.status}`);
  }
}

/** The webhook URL from the secret APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN names. */
export function slackWebhookFromSecret(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  return async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    let parsed: unknown;
    try {
      parsed = JSON.parse(out.SecretString ?? '');
    } catch {
      throw new Error('the Slack webhook secret is not JSON {"webhookUrl": "..."}');
    }
    const url = (parsed as { webhookUrl?: unknown } | null)?.webhookUrl;
    if (typeof url !== 'string') throw new Error('the Slack webhook secret has no webhookUrl');
    return url;
  };
}
