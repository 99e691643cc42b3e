/**
 * Execute: idempotent per request (completed → the stored outcome; executing found → "outcome unknown", never a second
 * write), kill switch, then the write through the executor or the approved read under the signed obligations, its
 * result sealed into the request for the agent's one fetch. The vault scope of either is the conversation named by
 * what the token binds (the action's params, the read's query), never the stored request's own `conversationId`.
 */
import { sealContext, SEAL_PURPOSE, vaultScope } from '../agent-calls';
import { BridgeError } from '../errors';
import { enforceMode } from '../kill-switch';
import { fieldsTouched } from '../query';
import { readBody, runRead } from '../read-pipeline';
import type { RequestStore } from '../requests';
import { executeAction } from './executor';
import { ExecuteEventSchema, flowKit, need, type ApprovalStepDeps, type Step } from './flow-kit';
import { readTokenParams } from './issuer';

export function executeStep(deps: ApprovalStepDeps): Step<{ requestId: string; outcome: 'executed' }> {
  const kit = flowKit(deps);
  return (event) =>
    kit.step(ExecuteEventSchema, event, 'Execute', async ({ requestId, token }, trail) => {
      const x = need(deps.execute, 'Execute');
      const record = await kit.load(requestId, trail);
      trail.approval = kit.approvalOf(record);
      if (record.status === 'completed') return { requestId, outcome: 'executed' as const }; // a retry: already done
      if (record.status === 'executing') {
        throw new BridgeError('CONFLICT', `request ${requestId} was already executing: its outcome is unknown, so it is not retried`);
      }
      if (record.status !== 'approved') throw new BridgeError('CONFLICT', `request ${requestId} is ${record.status}, not approved`, { status: record.status });
      enforceMode(await x.killSwitch.mode(), record.kind === 'write' ? 'write' : 'read');
      const approved = record.approvedDecision;
      if (!approved) throw new BridgeError('CONFLICT', `request ${requestId} has no decision token issued`);
      const action = kit.finalAction(record);
      // The one move that lets a write happen: a second Execute finds `executing` or `completed` and never writes.
      await deps.requests.transition(requestId, 'approved', 'executing', { updatedAt: kit.now().toISOString() });
      let changes: Parameters<RequestStore['transition']>[3];
      if (action.action === 'Read') {
        trail.fields = fieldsTouched(action.query);
        // The token binds the query, its conversationId (the vault scope runRead stores placeholders in) included.
        const claims = await x.verifier.verify(token, { act: 'Read', res: { type: action.query.object }, params: readTokenParams(action.query, approved.obligations) });
        if (claims.sub !== record.agent) throw new BridgeError('TOKEN_INVALID', `Decision token rejected: issued to ${claims.sub}, not ${record.agent}`);
        const meta = { requestId, decisionId: approved.decisionId, policyVersion: approved.policyVersion };
        const readDeps = { config: deps.config, crm: x.reader, vault: x.vault, hmacKey: x.hmacKey };
        const records = await runRead(readDeps, { agent: record.agent, query: action.query, obligations: approved.obligations, ...meta }, trail);
        changes = { result: await x.sealer.seal(JSON.stringify(readBody(records, meta, trail)), sealContext(requestId, SEAL_PURPOSE.READ_RESULT)) };
      } else {
        // The scope comes from the token-bound params, never from the stored request's own conversationId field.
        const scope = vaultScope(record.agent, action.params.conversationId, requestId);
        const outcome = await executeAction({ verifier: x.verifier, writer: x.writer, vault: x.vault, config: deps.config }, { token, action, agent: record.agent, scope });
        trail.fields = [...outcome.fields];
        trail.recordIds = [outcome.recordId];
        changes = { writeResult: { op: outcome.op, recordId: outcome.recordId } };
      }
      await deps.requests.transition(requestId, 'executing', 'completed', { ...changes, updatedAt: kit.now().toISOString() });
      trail.outcome = 'executed';
      return { requestId, outcome: 'executed' as const };
    });
}
