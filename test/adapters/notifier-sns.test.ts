import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SnsNotifier } from '../../lambda/adapters/notifier-sns';
import type { ApprovalNotice } from '../../lambda/core/approvals/ports';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:bridge-approvals';
const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

const notice: ApprovalNotice = {
  requestId: 'c0ffee00-1111-2222-3333-444455556666',
  agent: 'sales-agent',
  action: 'ProposeUpdate',
  object: 'Opportunity',
  recordId: '0065g00000000001AAA',
  summary: 'sales-agent asks to update Opportunity 0065g00000000001AAA (fields: NextStep)',
  deadline: '2025-05-05T10:00:00.000Z',
};

describe('SnsNotifier', () => {
  it('publishes one notice to the approvals topic with the request, deadline and how to decide', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // Act
    await new SnsNotifier(new SNSClient({}), TOPIC).notify(notice);
    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(`Approval needed: ProposeUpdate Opportunity (${notice.requestId})`);
    for (const part of [notice.requestId, notice.agent, notice.recordId!, notice.summary, notice.deadline, `npx bridge approvals show ${notice.requestId}`]) {
      expect(input.Message).toContain(part);
    }
  });

  it('keeps the subject within what SNS accepts: one line of printable ASCII, at most 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await new SnsNotifier(new SNSClient({}), TOPIC).notify({ ...notice, requestId: `${'é'.repeat(10)}\n${'x'.repeat(120)}` });
    const subject = sns.commandCalls(PublishCommand)[0].args[0].input.Subject!;
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('passes a publish failure to the caller', async () => {
    sns.on(PublishCommand).rejects(new Error('AuthorizationError'));
    await expect(new SnsNotifier(new SNSClient({}), TOPIC).notify(notice)).rejects.toThrow('AuthorizationError');
  });
});
