/**
 * Notifies every channel (SNS e-mail, Slack when configured) independently: one channel failing never keeps the
 * notice from the others. If any failed, one error names them after all were tried (the flow logs it; it never
 * resends, so channels that worked do not notify twice).
 */
import type { ApprovalNotice, NotifierPort } from '../core/approvals/ports';

export class CompositeNotifier implements NotifierPort {
  constructor(private readonly channels: Readonly<Record<string, NotifierPort>>) {}

  async notify(notice: ApprovalNotice): Promise<void> {
    const names = Object.keys(this.channels);
    const results = await Promise.allSettled(names.map((n) => this.channels[n].notify(notice)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${names[i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
    if (failed.length > 0) throw new Error(`approval notice failed on ${failed.join('; ')}`);
  }
}
