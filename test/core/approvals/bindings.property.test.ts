import fc from 'fast-check';
import type { PolicyPort } from '../../../lambda/core/agent-service';
import { actionToWrite, REFUND_FIELDS, SYSTEM_FIELDS } from '../../../lambda/core/approvals/crm-writes';
import { issueDecision } from '../../../lambda/core/approvals/issuer';
import type { BridgeAction } from '../../../lambda/core/approvals/schemas';
import { CRM_KINDS, CRM_OBJECT_TYPES } from '../../../lambda/core/constants';
import { BridgeError } from '../../../lambda/core/errors';
import type { Scalar } from '../../../lambda/core/types';
import { agentOf, testConfig, tokenKit } from './flow-fakes';

const config = testConfig();
const agent = agentOf(config, 'support-agent');
const allowAll: PolicyPort = { evaluate: () => ({ decision: 'allow', reasons: [], obligations: {}, policyVersion: 'pv', decisionId: 'did' }) };

const objectArb = fc.constantFrom(...CRM_OBJECT_TYPES);
const refundObjectArb = fc.constantFrom('Case' as const, 'Account' as const, 'Opportunity' as const);
const recordIdArb = fc.stringMatching(/^[A-Za-z0-9]{15}$/);
const fieldNameArb = fc
  .stringMatching(/^[A-Z][a-z]{2,12}(__c)?$/)
  .filter((f) => !CRM_KINDS.some((k) => SYSTEM_FIELDS[k].has(f.toLowerCase())));
const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null));
const fieldsArb = fc.dictionary(fieldNameArb, scalarArb, { minKeys: 1, maxKeys: 6 });
const amountArb = fc.integer({ min: 1, max: 100_000 }).map((n) => n / 100);
const currencyArb = fc.constantFrom('EUR', 'USD', 'GBP', 'JPY');

const actionArb: fc.Arbitrary<BridgeAction> = fc.oneof(
  fc.record({ object: objectArb, fields: fieldsArb }).map((params) => ({ action: 'ProposeCreate' as const, params })),
  fc.record({ object: objectArb, recordId: recordIdArb, fields: fieldsArb }).map((params) => ({ action: 'ProposeUpdate' as const, params })),
  fc
    .record({ object: refundObjectArb, recordId: recordIdArb, amount: amountArb, currency: currencyArb, reason: fc.string({ minLength: 1, maxLength: 40 }) })
    .map((params) => ({ action: 'IssueRefund' as const, params })),
);

/** Every way an action can be changed after approval: object, record, field name, field value, amount, currency. */
function mutations(a: BridgeAction): BridgeAction[] {
  const otherObject = (o: string) => CRM_OBJECT_TYPES.find((x) => x !== o)!;
  const out: BridgeAction[] = [];
  if (a.action === 'IssueRefund') {
    const p = a.params;
    out.push({ ...a, params: { ...p, amount: Math.round((p.amount + 0.01) * 100) / 100 } });
    out.push({ ...a, params: { ...p, currency: p.currency === 'EUR' ? 'USD' : 'EUR' } });
    out.push({ ...a, params: { ...p, recordId: `${p.recordId.slice(0, -1)}${p.recordId.endsWith('x') ? 'y' : 'x'}` } });
    out.push({ ...a, params: { ...p, object: p.object === 'Case' ? 'Account' : 'Case' } });
    return out;
  }
  const p = a.params;
  const [first] = Object.keys(p.fields);
  const { [first]: value, ...rest } = p.fields;
  const withFields = (fields: Record<string, Scalar>): BridgeAction => ({ ...a, params: { ...p, fields } } as BridgeAction);
  out.push(withFields({ ...rest, [`${first}X`]: value }));
  out.push(withFields({ ...p.fields, [first]: typeof value === 'string' ? `${value}!` : value === 1 ? 2 : 1 }));
  out.push(withFields({ ...p.fields, Extra__c: 'added' }));
  out.push({ ...a, params: { ...p, object: otherObject(p.object) } } as BridgeAction);
  if (a.action === 'ProposeUpdate') out.push({ ...a, params: { ...a.params, recordId: `${a.params.recordId}0` } });
  return out;
}

const executed = (a: BridgeAction) => {
  const w = actionToWrite(a, 'salesforce');
  return { act: a.action, res: { type: w.object, ...(w.recordId ? { id: w.recordId } : {}) }, params: a.params };
};

describe('actionToWrite', () => {
  it('writes exactly the proposed fields to the proposed record, or the refund fields of the CRM', () => {
    fc.assert(
      fc.property(actionArb, fc.constantFrom(...CRM_KINDS), (a, crm) => {
        const w = actionToWrite(a, crm);
        expect(w.object).toBe(a.params.object);
        if (a.action === 'IssueRefund') {
          const f = REFUND_FIELDS[crm];
          expect(w).toEqual({ op: 'update', object: a.params.object, recordId: a.params.recordId, fields: { [f.amount]: a.params.amount, [f.currency]: a.params.currency, [f.reason]: a.params.reason } });
        } else {
          expect(w.op).toBe(a.action === 'ProposeCreate' ? 'create' : 'update');
          expect(w.recordId).toBe(a.action === 'ProposeUpdate' ? a.params.recordId : undefined);
          expect(w.fields).toEqual(a.params.fields);
          expect(w.fields).not.toBe(a.params.fields);
        }
      }),
    );
  });
});

describe('decision token binding', () => {
  it('verifies for exactly the issued action, and any change of object, record, field or amount breaks it', async () => {
    const { signer, verifier } = await tokenKit();
    await fc.assert(
      fc.asyncProperty(actionArb, async (a) => {
        const issued = await issueDecision({ policy: allowAll, signer, config }, { agent, action: a });
        for (const changed of mutations(a)) {
          const e = await verifier.verify(issued.token!, executed(changed)).catch((x: unknown) => x);
          expect(e).toBeInstanceOf(BridgeError);
          expect((e as BridgeError).code).toBe('TOKEN_INVALID');
        }
        await expect(verifier.verify(issued.token!, executed(a))).resolves.toMatchObject({ sub: 'support-agent', act: a.action });
      }),
      { numRuns: 40 },
    );
  });
});
