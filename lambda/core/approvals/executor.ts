/**
 * The action executor: the only code that writes to the CRM. In this order, so nothing unverified reaches the CRM:
 * 1. the decision token is verified for exactly (act, res, params) — signature, expiry, audience, ahash — and its
 *    jti burned (single use);
 * 2. the token must be the executing agent's (sub);
 * 3. every written field must be in the token's `flds` (TOKEN_INVALID otherwise: the token does not cover it) and
 *    none may be a field the CRM maintains itself (FORBIDDEN);
 * 4. `{TYPE_n}` placeholders in string values are re-identified from the vault, in the request's scope only; one
 *    that does not resolve fails the write (VALIDATION_FAILED), it is never written as literal text;
 * 5. one create or update with the write integration user.
 */
import { BridgeError } from '../errors';
import { placeholdersIn } from '../redaction/placeholders';
import type { RuntimeConfig } from '../runtime-config';
import type { Scalar } from '../types';
import { actionToWrite, assertWritable } from './crm-writes';
import type { CrmWriterPort, TokenVerifierPort, VaultReaderPort, WriteOutcome } from './ports';
import type { BridgeAction, CrmWrite } from './schemas';

export { actionToWrite, REFUND_FIELDS, SYSTEM_FIELDS } from './crm-writes';

export interface ExecutorDeps {
  readonly verifier: TokenVerifierPort;
  readonly writer: CrmWriterPort;
  readonly vault: VaultReaderPort;
  readonly config: RuntimeConfig;
}

const tokenInvalid = (reason: string) => new BridgeError('TOKEN_INVALID', `Decision token rejected: ${reason}`, { reason });

export async function executeAction(
  deps: ExecutorDeps,
  args: { readonly token: string; readonly action: BridgeAction; readonly agent: string; readonly scope: string },
): Promise<WriteOutcome> {
  const { action } = args;
  const crm = deps.config.crm.kind;
  const write = actionToWrite(action, crm);
  const claims = await deps.verifier.verify(args.token, {
    act: action.action,
    res: { type: write.object, ...(write.recordId !== undefined ? { id: write.recordId } : {}) },
    params: action.params,
  });
  if (claims.sub !== args.agent) throw tokenInvalid(`issued to ${claims.sub}, not ${args.agent}`);
  const names = Object.keys(write.fields);
  if (!claims.flds) throw tokenInvalid('a write token must name the fields it allows (flds)');
  const uncovered = names.filter((f) => !claims.flds!.includes(f));
  if (uncovered.length > 0) throw tokenInvalid(`the token does not allow writing ${uncovered.join(', ')}`);
  assertWritable(write, crm);
  const fields = await reidentifyFields(deps.vault, write, args.scope);
  const recordId = write.op === 'create' ? await deps.writer.create(write.object, fields) : await update(deps.writer, write, fields);
  return { op: write.op, object: write.object, recordId, fields: names };
}

async function update(writer: CrmWriterPort, write: CrmWrite, fields: Record<string, Scalar>): Promise<string> {
  const id = write.recordId as string;
  await writer.update(write.object, id, fields);
  return id;
}

/** Replaces placeholders in every string value; all must resolve in `scope`, or nothing is written. */
async function reidentifyFields(vault: VaultReaderPort, write: CrmWrite, scope: string): Promise<Record<string, Scalar>> {
  const out: Record<string, Scalar> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(write.fields)) {
    const wanted = typeof value === 'string' ? placeholdersIn(value) : [];
    if (wanted.length === 0) {
      out[name] = value;
      continue;
    }
    const resolved = await vault.reidentify(value as string, scope);
    const left = placeholdersIn(resolved).filter((p) => wanted.includes(p));
    if (left.length > 0) unresolved.push(...left.map((p) => `${p} in ${name}`));
    out[name] = resolved;
  }
  if (unresolved.length > 0) {
    throw new BridgeError(
      'VALIDATION_FAILED',
      `placeholder(s) ${unresolved.join(', ')} do not resolve in this conversation (unknown, expired or from another one); nothing was written`,
      { placeholders: unresolved },
    );
  }
  return out;
}
