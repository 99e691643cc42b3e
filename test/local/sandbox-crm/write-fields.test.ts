import { connectorFor } from '../../../lambda/adapters/crm';
import { REFUND_FIELDS } from '../../../lambda/core/approvals/crm-writes';
import type { CrmKind, CrmObjectType } from '../../../lambda/core/types';
import { startSandboxCrm, type SandboxCrm } from '../../../local/sandbox-crm';

describe('sandbox CRM: fields the approval write path sets', () => {
  let sandbox: SandboxCrm;
  beforeAll(async () => {
    sandbox = await startSandboxCrm({ seed: 1 });
  });
  afterAll(() => sandbox.close());

  const writer = (crm: CrmKind) => connectorFor(crm, { baseUrl: sandbox.url, credentials: async () => sandbox.clients.credentials(crm, 'write') });

  it.each(['Case', 'Account', 'Opportunity'] as CrmObjectType[])('Salesforce %s takes the refund fields and returns them', async (object) => {
    // Prepare
    const id = sandbox.store.rows(object)[0].Id;
    const f = REFUND_FIELDS.salesforce;
    // Act
    await writer('salesforce').update(object, id, { [f.amount]: 99.5, [f.currency]: 'EUR', [f.reason]: 'late' });
    // Assess
    expect((await writer('salesforce').get(object, id, Object.values(f)))?.fields).toEqual({ Id: id, [f.amount]: 99.5, [f.currency]: 'EUR', [f.reason]: 'late' });
  });

  it.each([
    ['Case', 'tickets'],
    ['Account', 'companies'],
    ['Opportunity', 'deals'],
  ] as [CrmObjectType, string][])('HubSpot %s (%s) takes the refund properties', async (object, type) => {
    const row = sandbox.store.objects(type)[0];
    const f = REFUND_FIELDS.hubspot;
    await writer('hubspot').update(object, row.id, { [f.amount]: 12, [f.currency]: 'USD', [f.reason]: 'goodwill' });
    expect(row.properties).toMatchObject({ [f.amount]: '12', [f.currency]: 'USD', [f.reason]: 'goodwill' });
  });

  it('Salesforce takes NextStep on Opportunities and WhatId on Tasks, as the shipped proposal policies allow', async () => {
    const opp = sandbox.store.rows('Opportunity')[1];
    await writer('salesforce').update('Opportunity', opp.Id, { NextStep: 'Send the quote' });
    const task = await writer('salesforce').create('Task', { Subject: 'Call', WhatId: opp.Id });
    expect(opp.NextStep).toBe('Send the quote');
    expect(sandbox.store.rows('Task').find((r) => r.Id === task)?.WhatId).toBe(opp.Id);
  });

  it('still refuses a field no object has', async () => {
    const id = sandbox.store.rows('Case')[0].Id;
    await expect(writer('salesforce').update('Case', id, { Refund_Colour__c: 'red' })).rejects.toMatchObject({ code: 'CRM_REJECTED' });
  });
});
