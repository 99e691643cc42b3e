/**
 * Field catalog: the sensitivity class of each standard field of the Salesforce and
 * HubSpot objects the bridge serves. Custom fields are classified in config. A field the
 * catalog does not know is never treated as harmless: it falls into UNKNOWN_FIELD_CLASS,
 * whose default action is drop.
 */
import type { CrmKind, CrmObjectType, FieldClass } from '../types';

/** Per CRM and object, field API name → class (custom fields from config). */
export type CustomFieldCatalog = Partial<Record<CrmObjectType, Readonly<Record<string, FieldClass>>>>;

export const UNKNOWN_FIELD_CLASS: FieldClass = 'GOVERNMENT_ID';

type Spec = Partial<Record<FieldClass, string>>;
const build = (spec: Spec): Record<string, FieldClass> =>
  Object.fromEntries(
    Object.entries(spec).flatMap(([cls, names]) => (names ?? '').split(/\s+/).filter(Boolean).map((n) => [n, cls as FieldClass])),
  );

const SF_COMMON = 'Id OwnerId CreatedById LastModifiedById RecordTypeId MasterRecordId';
const SF_META = 'CreatedDate LastModifiedDate SystemModstamp IsDeleted LastActivityDate LastViewedDate LastReferencedDate CurrencyIsoCode';
const SF_MAILING = 'MailingStreet MailingCity MailingState MailingPostalCode MailingCountry MailingAddress OtherStreet OtherCity OtherState OtherPostalCode OtherCountry OtherAddress';

const SALESFORCE: Record<CrmObjectType, Record<string, FieldClass>> = {
  Contact: build({
    IDENTIFIER: `${SF_COMMON} AccountId ReportsToId`,
    NON_SENSITIVE: `${SF_META} LeadSource Department Title Salutation HasOptedOutOfEmail DoNotCall`,
    PERSON_NAME: 'Name FirstName LastName MiddleName Suffix AssistantName',
    EMAIL: 'Email',
    PHONE: 'Phone MobilePhone HomePhone OtherPhone Fax AssistantPhone',
    POSTAL_ADDRESS: SF_MAILING,
    DATE_OF_BIRTH: 'Birthdate',
    FREE_TEXT: 'Description',
  }),
  Lead: build({
    IDENTIFIER: `${SF_COMMON} ConvertedAccountId ConvertedContactId ConvertedOpportunityId`,
    NON_SENSITIVE: `${SF_META} Company Title Salutation Status LeadSource Industry Rating AnnualRevenue NumberOfEmployees IsConverted ConvertedDate HasOptedOutOfEmail DoNotCall Website`,
    PERSON_NAME: 'Name FirstName LastName MiddleName Suffix',
    EMAIL: 'Email',
    PHONE: 'Phone MobilePhone Fax',
    POSTAL_ADDRESS: 'Street City State PostalCode Country Address',
    FREE_TEXT: 'Description',
  }),
  Account: build({
    IDENTIFIER: `${SF_COMMON} ParentId AccountNumber`,
    NON_SENSITIVE: `${SF_META} Name Type Industry AnnualRevenue NumberOfEmployees Ownership Rating Site TickerSymbol Website Sic AccountSource`,
    PHONE: 'Phone Fax',
    POSTAL_ADDRESS: 'BillingStreet BillingCity BillingState BillingPostalCode BillingCountry BillingAddress ShippingStreet ShippingCity ShippingState ShippingPostalCode ShippingCountry ShippingAddress',
    FREE_TEXT: 'Description',
  }),
  Opportunity: build({
    IDENTIFIER: `${SF_COMMON} AccountId CampaignId ContactId Pricebook2Id`,
    NON_SENSITIVE: `${SF_META} Name StageName Amount Probability ExpectedRevenue CloseDate Type LeadSource IsClosed IsWon ForecastCategory ForecastCategoryName TotalOpportunityQuantity`,
    FREE_TEXT: 'Description NextStep',
  }),
  Case: build({
    IDENTIFIER: `${SF_COMMON} CaseNumber AccountId ContactId ParentId AssetId`,
    NON_SENSITIVE: `${SF_META} Status Priority Origin Reason Type IsClosed ClosedDate IsEscalated Subject`,
    PERSON_NAME: 'SuppliedName',
    EMAIL: 'SuppliedEmail ContactEmail',
    PHONE: 'SuppliedPhone ContactPhone ContactMobile ContactFax',
    FREE_TEXT: 'Description Comments',
  }),
  Task: build({
    IDENTIFIER: `${SF_COMMON} WhoId WhatId AccountId`,
    NON_SENSITIVE: `${SF_META} Subject Status Priority ActivityDate IsClosed TaskSubtype Type CallType CallDurationInSeconds`,
    FREE_TEXT: 'Description CallDisposition',
  }),
  Note: build({
    IDENTIFIER: `${SF_COMMON} ParentId LatestPublishedVersionId`,
    NON_SENSITIVE: `${SF_META} IsPrivate FileType FileExtension ContentSize`,
    FREE_TEXT: 'Title Body Content TextPreview',
  }),
  User: build({
    IDENTIFIER: `${SF_COMMON} ProfileId UserRoleId ManagerId ContactId AccountId FederationIdentifier`,
    NON_SENSITIVE: `${SF_META} IsActive UserType Department Division Title CompanyName TimeZoneSidKey LocaleSidKey LanguageLocaleKey`,
    PERSON_NAME: 'Name FirstName LastName MiddleName Alias CommunityNickname',
    EMAIL: 'Email Username SenderEmail',
    PHONE: 'Phone MobilePhone Fax',
    POSTAL_ADDRESS: 'Street City State PostalCode Country Address',
    FREE_TEXT: 'AboutMe Signature',
  }),
};

const HS_META = 'hs_object_id hs_createdate createdate lastmodifieddate hs_lastmodifieddate hs_pipeline hubspot_owner_id';
const HUBSPOT: Record<CrmObjectType, Record<string, FieldClass>> = {
  Contact: build({
    IDENTIFIER: `id ${HS_META} associatedcompanyid`,
    NON_SENSITIVE: 'lifecyclestage hs_lead_status jobtitle company industry hs_analytics_source website',
    PERSON_NAME: 'firstname lastname',
    EMAIL: 'email hs_additional_emails work_email',
    PHONE: 'phone mobilephone fax hs_whatsapp_phone_number',
    POSTAL_ADDRESS: 'address city state zip country',
    DATE_OF_BIRTH: 'date_of_birth',
    FREE_TEXT: 'message notes_last_contacted',
  }),
  Lead: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'hs_lead_name hs_lead_status hs_lead_type',
    FREE_TEXT: 'hs_lead_notes',
  }),
  Account: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'name domain industry numberofemployees annualrevenue type lifecyclestage website',
    PHONE: 'phone',
    POSTAL_ADDRESS: 'address address2 city state zip country',
    FREE_TEXT: 'description',
  }),
  Opportunity: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'dealname amount dealstage closedate pipeline dealtype hs_priority',
    FREE_TEXT: 'description',
  }),
  Case: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'subject hs_pipeline_stage hs_ticket_priority hs_ticket_category source_type closed_date',
    FREE_TEXT: 'content',
  }),
  Task: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'hs_task_subject hs_task_status hs_task_priority hs_task_type hs_timestamp',
    FREE_TEXT: 'hs_task_body',
  }),
  Note: build({
    IDENTIFIER: `id ${HS_META}`,
    NON_SENSITIVE: 'hs_timestamp hs_attachment_ids',
    FREE_TEXT: 'hs_note_body',
  }),
  User: build({
    IDENTIFIER: 'id userId',
    NON_SENSITIVE: 'teams archived',
    PERSON_NAME: 'firstName lastName',
    EMAIL: 'email',
  }),
};

const CATALOGS: Record<CrmKind, Record<CrmObjectType, Record<string, FieldClass>>> = { salesforce: SALESFORCE, hubspot: HUBSPOT };

export function classifyField(crm: CrmKind, object: CrmObjectType, field: string, custom?: CustomFieldCatalog): FieldClass {
  const fromConfig = custom?.[object];
  if (fromConfig && Object.prototype.hasOwnProperty.call(fromConfig, field)) return fromConfig[field];
  const std = CATALOGS[crm]?.[object];
  return std && Object.prototype.hasOwnProperty.call(std, field) ? std[field] : UNKNOWN_FIELD_CLASS;
}

/** The fields of a record that hold the record's own person names (known names for its free text). */
export function nameFields(crm: CrmKind, object: CrmObjectType, fields: Readonly<Record<string, unknown>>, custom?: CustomFieldCatalog): string[] {
  return Object.entries(fields).flatMap(([k, v]) => (typeof v === 'string' && v.trim() !== '' && classifyField(crm, object, k, custom) === 'PERSON_NAME' ? [v] : []));
}
