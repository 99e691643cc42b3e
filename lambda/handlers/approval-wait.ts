/**
 * WaitForApproval (`.waitForTaskToken`): seals and stores the task token with the approval deadline, then notifies
 * approvers by SNS e-mail and, when a webhook secret is configured, Slack (lambda/core/approvals/flow.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { CompositeNotifier } from '../adapters/notifier-composite';
import { SlackNotifier, slackWebhookFromSecret } from '../adapters/notifier-slack';
import { SnsNotifier } from '../adapters/notifier-sns';
import type { ApprovalStepDeps } from '../core/approvals/flow-kit';
import { waitForApprovalStep } from '../core/approvals/step-wait';
import type { NotifierPort } from '../core/approvals/ports';
import { APPROVAL_ENV } from '../core/constants';
import { baseDeps, stepHandler } from './approval-aws';
import { dataKeySealer, requiredEnv as required } from './wiring';

/** SNS always; Slack beside it when the stack created the webhook secret. */
export function notifierFromEnv(): NotifierPort {
  const sns = new SnsNotifier(new SNSClient({}), required(APPROVAL_ENV.TOPIC_ARN));
  const slackSecret = process.env[APPROVAL_ENV.SLACK_WEBHOOK_SECRET_ARN];
  if (!slackSecret) return sns;
  const slack = new SlackNotifier({ webhookUrl: slackWebhookFromSecret(new SecretsManagerClient({}), slackSecret) });
  return new CompositeNotifier({ sns, slack });
}

export async function waitDeps(): Promise<ApprovalStepDeps> {
  const timeoutSeconds = Number(required(APPROVAL_ENV.TIMEOUT_SECONDS));
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new Error(`${APPROVAL_ENV.TIMEOUT_SECONDS} must be a whole number of seconds >= 1`);
  return {
    ...baseDeps(),
    wait: {
      sealer: dataKeySealer(),
      notifier: notifierFromEnv(),
      timeoutSeconds,
    },
  };
}

export const handler = stepHandler('waitForApproval', waitDeps, waitForApprovalStep);
