/**
 * Approval notices by SNS: one Publish to the approvals topic (CMK-encrypted; approvers' e-mail addresses
 * subscribe to it). The SDK's own retries cover throttling and transient errors.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { noticeLines, noticeSubject } from '../core/approvals/notice';
import type { ApprovalNotice, NotifierPort } from '../core/approvals/ports';

export class SnsNotifier implements NotifierPort {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(notice: ApprovalNotice): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: noticeSubject(notice), Message: noticeLines(notice).join('\n') }));
  }
}
