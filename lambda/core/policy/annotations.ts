/**
 * Policy annotations: how a Cedar permit/forbid says more than allow/deny.
 *
 * - `@id` (required, unique) and `@reason` (required) name the policy in every decision.
 * - `@approval("required")` on a permit: it grants only with a human approval.
 *   On a forbid: the action is forbidden unattended, and allowed after approval when a
 *   permit grants it (an escalation). A forbid without it always wins.
 * - On permits only: `@allowedFields`, `@maxRecords`, `@rowFilter`, `@mask` are obligations
 *   the connector and redaction enforce. `@allowedFields` and `@maxRecords` also become
 *   conditions of the permit, so a request outside them is not granted by it.
 *
 * Unknown annotations are rejected: a typo such as `@maxRecord` must not silently drop a limit.
 */
import { BridgeError } from '../errors';
import { COMPARISON_OPS, FIELD_CLASSES, REDACTION_ACTIONS } from '../types';
import type { ComparisonOp, FieldClass, RedactionAction, Scalar } from '../types';
import type { AgentProfile } from './types';

export const KNOWN_ANNOTATIONS = ['id', 'reason', 'approval', 'allowedFields', 'maxRecords', 'rowFilter', 'mask'] as const;
const OBLIGATION_ANNOTATIONS = ['allowedFields', 'maxRecords', 'rowFilter', 'mask'] as const;

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;

/** The principal attributes a row filter may reference, and whether each is a list. */
const PRINCIPAL_REFS = { id: false, team: false, tier: false, territories: true } as const;
type PrincipalRef = keyof typeof PRINCIPAL_REFS;

/** A row-filter condition whose value may come from the agent at evaluation time. */
export interface RowCondition {
  field: string;
  op: ComparisonOp;
  value: { principal: PrincipalRef } | { literal: Scalar };
}

export interface PolicyMeta {
  id: string;
  file: string;
  effect: 'permit' | 'forbid';
  reason: string;
  approval: boolean;
  allowedFields?: string[];
  maxRecords?: number;
  rowFilter?: RowCondition[];
  mask?: Partial<Record<FieldClass, RedactionAction>>;
}

const invalid = (file: string, id: string, message: string): BridgeError =>
  new BridgeError('VALIDATION_FAILED', `${file}: policy "${id}": ${message}`, { file, policyId: id });

function parseRowFilter(text: string, fail: (m: string) => BridgeError): RowCondition[] {
  return text.split(/\s+and\s+/).map((part) => {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s+([A-Za-z]+)\s+(.+)$/.exec(part.trim());
    if (!m) throw fail(`@rowFilter "${part}" is not "<Field> <op> <principal.attr | 'text' | number | true | false>"`);
    const [, field, op, operand] = m;
    if (!(COMPARISON_OPS as readonly string[]).includes(op)) {
      throw fail(`@rowFilter operator "${op}" is not one of ${COMPARISON_OPS.join(', ')}`);
    }
    const ref = /^principal\.(\w+)$/.exec(operand);
    let value: RowCondition['value'];
    if (ref) {
      if (!(ref[1] in PRINCIPAL_REFS)) throw fail(`@rowFilter references unknown principal.${ref[1]} (known: ${Object.keys(PRINCIPAL_REFS).join(', ')})`);
      value = { principal: ref[1] as PrincipalRef };
    } else if (/^'[^']*'$/.test(operand)) value = { literal: operand.slice(1, -1) };
    else if (/^-?\d+(\.\d+)?$/.test(operand)) value = { literal: Number(operand) };
    else if (operand === 'true' || operand === 'false') value = { literal: operand === 'true' };
    else throw fail(`@rowFilter operand "${operand}" is not principal.<attr>, a 'quoted string', a number or a boolean`);
    const isList = 'principal' in value && PRINCIPAL_REFS[value.principal];
    if ((op === 'in') !== isList) throw fail(`@rowFilter "${part}": "in" takes principal.territories, other operators a single value`);
    return { field, op: op as ComparisonOp, value };
  });
}

function parseMask(text: string, fail: (m: string) => BridgeError): Partial<Record<FieldClass, RedactionAction>> {
  const out: Partial<Record<FieldClass, RedactionAction>> = {};
  for (const pair of text.split(/[\s,]+/).filter(Boolean)) {
    const [cls, action] = pair.split('=');
    if (!(FIELD_CLASSES as readonly string[]).includes(cls)) throw fail(`@mask field class "${cls}" is not one of ${FIELD_CLASSES.join(', ')}`);
    if (!(REDACTION_ACTIONS as readonly string[]).includes(action)) throw fail(`@mask action "${action}" is not one of ${REDACTION_ACTIONS.join(', ')}`);
    out[cls as FieldClass] = action as RedactionAction;
  }
  if (Object.keys(out).length === 0) throw fail('@mask is empty');
  return out;
}

/** Reads and checks a policy's annotations. Throws VALIDATION_FAILED naming file and policy. */
export function parsePolicyMeta(file: string, effect: 'permit' | 'forbid', annotations: Record<string, string>, ordinal: number): PolicyMeta {
  const id = annotations.id ?? `#${ordinal + 1}`;
  const fail = (m: string) => invalid(file, id, m);
  if (annotations.id === undefined) throw fail('has no @id("...") annotation');
  if (!POLICY_ID.test(id)) throw fail('@id must be 1-128 characters of letters, digits, "_", ".", ":" or "-"');
  const unknown = Object.keys(annotations).filter((k) => !(KNOWN_ANNOTATIONS as readonly string[]).includes(k));
  if (unknown.length) throw fail(`unknown annotation @${unknown[0]} (known: ${KNOWN_ANNOTATIONS.map((k) => '@' + k).join(', ')})`);
  const reason = annotations.reason?.trim();
  if (!reason) throw fail('has no @reason("...") annotation');
  if (annotations.approval !== undefined && annotations.approval !== 'required') throw fail('@approval takes only "required"');
  if (effect === 'forbid') {
    const misplaced = OBLIGATION_ANNOTATIONS.find((k) => annotations[k] !== undefined);
    if (misplaced) throw fail(`@${misplaced} is an obligation and belongs on a permit, not a forbid`);
  }
  const meta: PolicyMeta = { id, file, effect, reason, approval: annotations.approval === 'required' };
  if (annotations.allowedFields !== undefined) {
    const fields = annotations.allowedFields.split(/[\s,]+/).filter(Boolean);
    const bad = fields.find((f) => !FIELD_NAME.test(f));
    if (bad !== undefined || fields.length === 0) throw fail(`@allowedFields must list field API names${bad ? `, not "${bad}"` : ''}`);
    meta.allowedFields = [...new Set(fields)].sort();
  }
  if (annotations.maxRecords !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(annotations.maxRecords)) throw fail('@maxRecords must be an integer from 1 to 999999');
    meta.maxRecords = Number(annotations.maxRecords);
  }
  if (annotations.rowFilter !== undefined) meta.rowFilter = parseRowFilter(annotations.rowFilter, fail);
  if (annotations.mask !== undefined) meta.mask = parseMask(annotations.mask, fail);
  return meta;
}

/** Resolves a row filter's principal references against the requesting agent. */
export function resolveRowCondition(c: RowCondition, agent: AgentProfile): { field: string; op: ComparisonOp; value: Scalar | readonly Scalar[] } {
  const value = 'literal' in c.value ? c.value.literal : agent[c.value.principal];
  return { field: c.field, op: c.op, value: Array.isArray(value) ? [...value] : value };
}
