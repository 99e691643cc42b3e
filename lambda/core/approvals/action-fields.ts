import { fieldsTouched } from '../query';
import type { CrmKind } from '../types';
import { actionToWrite } from './crm-writes';
import type { FinalAction } from './flow-kit';

/** The field names an action reads (every field its query touches) or writes: what its audit events name. */
export const fieldsOf = (action: FinalAction, crm: CrmKind): string[] =>
  action.action === 'Read' ? fieldsTouched(action.query) : Object.keys(actionToWrite(action, crm).fields);
