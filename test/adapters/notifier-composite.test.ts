import { CompositeNotifier } from '../../lambda/adapters/notifier-composite';
import type { ApprovalNotice, NotifierPort } from '../../lambda/core/approvals/ports';

const notice: ApprovalNotice = { requestId: 'req-1', agent: 'a', action: 'ProposeCreate', object: 'Task', summary: 's', deadline: '2025-01-01T00:00:00.000Z' };

class Channel implements NotifierPort {
  readonly sent: ApprovalNotice[] = [];
  constructor(private readonly failure?: string) {}
  async notify(n: ApprovalNotice): Promise<void> {
    if (this.failure) throw new Error(this.failure);
    this.sent.push(n);
  }
}

describe('CompositeNotifier', () => {
  it('notifies every channel', async () => {
    const [sns, slack] = [new Channel(), new Channel()];
    await new CompositeNotifier({ sns, slack }).notify(notice);
    expect([sns.sent, slack.sent]).toEqual([[notice], [notice]]);
  });

  it('still notifies the other channels when one fails, then names the failed one', async () => {
    const sns = new Channel();
    await expect(new CompositeNotifier({ slack: new Channel('Slack answered HTTP 500'), sns }).notify(notice)).rejects.toThrow(
      'approval notice failed on slack: Slack answered HTTP 500',
    );
    expect(sns.sent).toEqual([notice]);
  });
});
