/**
 * The text of an approval notice, shared by every channel (SNS e-mail, Slack). It names the request and how to
 * decide; it never carries field values (the summary holds names only, see review.ts).
 */
import type { ApprovalNotice } from './ports';

/** SNS subjects: printable ASCII, one line, at most 100 characters. */
const SUBJECT_MAX = 100;

export function noticeSubject(n: ApprovalNotice): string {
  const subject = `Approval needed: ${n.action} ${n.object} (${n.requestId})`.replace(/[^\x20-\x7e]/g, '?');
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
}

export function noticeLines(n: ApprovalNotice): string[] {
  return [
    'A request to the CRM agent bridge waits for an approver.',
    '',
    `Request:   ${n.requestId}`,
    `Agent:     ${n.agent}`,
    `Action:    ${n.action} on ${n.object}${n.recordId ? ` ${n.recordId}` : ''}`,
    `Summary:   ${n.summary}`,
    `Decide by: ${n.deadline} (unanswered, the request is denied)`,
    '',
    'To see the redacted proposal and decide:',
    `  npx bridge approvals show ${n.requestId}`,
    `  npx bridge approvals approve | edit | reject ${n.requestId}`,
  ];
}
