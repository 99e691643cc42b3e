/**
 * What an action writes to the CRM: one create or update of one record. The issuer signs the field names this
 * yields and the executor writes exactly them, so both derive them here, from the action alone.
 */
import { BridgeError } from '../errors';
import type { CrmKind, Scalar } from '../types';
import type { ActionName, BridgeAction, CrmWrite } from './schemas';

/** Policy purpose codes of writes (the policy purpose alphabet is lowercase; see policy/request.ts). */
export const WRITE_PURPOSE: Readonly<Record<ActionName, string>> = {
  ProposeCreate: 'propose-create',
  ProposeUpdate: 'propose-update',
  IssueRefund: 'issue-refund',
};

/** Where a refund lands on the Case / Account / Opportunity, per CRM (custom fields the deployment adds). */
export const REFUND_FIELDS: Readonly<Record<CrmKind, { readonly amount: string; readonly currency: string; readonly reason: string }>> = {
  salesforce: { amount: 'Refund_Amount__c', currency: 'Refund_Currency__c', reason: 'Refund_Reason__c' },
  hubspot: { amount: 'refund_amount', currency: 'refund_currency', reason: 'refund_reason' },
};

/**
 * Fields the CRM maintains itself: the record's own id, audit stamps, auto-numbers, deletion flags. No decision
 * token may carry them, whatever a policy's allowlist says. Lookups (WhoId, AccountId, …) stay writable: the
 * policy's @allowedFields decides those. Salesforce names are case-insensitive, so names compare lower-cased.
 */
export const SYSTEM_FIELDS: Readonly<Record<CrmKind, ReadonlySet<string>>> = {
  salesforce: new Set(
    [
      'Id',
      'CreatedById',
      'CreatedDate',
      'LastModifiedById',
      'LastModifiedDate',
      'SystemModstamp',
      'IsDeleted',
      'MasterRecordId',
      'LastActivityDate',
      'LastViewedDate',
      'LastReferencedDate',
      'CaseNumber',
    ].map((f) => f.toLowerCase()),
  ),
  hubspot: new Set(['id', 'hs_object_id', 'createdate', 'hs_createdate', 'lastmodifieddate', 'hs_lastmodifieddate', 'archived']),
};

/** The CRM write an action turns into. */
export function actionToWrite(action: BridgeAction, crm: CrmKind): CrmWrite {
  switch (action.action) {
    case 'ProposeCreate':
      return { op: 'create', object: action.params.object, fields: { ...action.params.fields } };
    case 'ProposeUpdate':
      return { op: 'update', object: action.params.object, recordId: action.params.recordId, fields: { ...action.params.fields } };
    case 'IssueRefund': {
      const f = REFUND_FIELDS[crm];
      const { amount, currency, reason } = action.params;
      const fields: Record<string, Scalar> = { [f.amount]: amount, [f.currency]: currency, [f.reason]: reason };
      return { op: 'update', object: action.params.object, recordId: action.params.recordId, fields };
    }
  }
}

/** Throws FORBIDDEN naming every system field a write would set. */
export function assertWritable(write: CrmWrite, crm: CrmKind): void {
  const system = Object.keys(write.fields).filter((f) => SYSTEM_FIELDS[crm].has(f.toLowerCase()));
  if (system.length > 0) {
    throw new BridgeError('FORBIDDEN', `the CRM maintains ${system.join(', ')} itself; the bridge never writes it`, { fields: system });
  }
}
