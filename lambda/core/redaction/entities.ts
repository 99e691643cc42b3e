/** Free-text entity types the recognizers emit, with their overlap priority (higher wins). */
export const ENTITY_PRIORITY = {
  PRIVATE_KEY: 100,
  JWT: 95,
  AWS_ACCESS_KEY: 90,
  SLACK_TOKEN: 90,
  STRIPE_KEY: 90,
  GITHUB_TOKEN: 90,
  HUBSPOT_TOKEN: 90,
  SALESFORCE_TOKEN: 90,
  URL_CREDENTIALS: 85,
  EMAIL: 80,
  IBAN: 75,
  CREDIT_CARD: 70,
  US_SSN: 68,
  US_ITIN: 68,
  UK_NINO: 66,
  CA_SIN: 64,
  IP_ADDRESS: 60,
  SECRET: 55,
  DATE_OF_BIRTH: 50,
  PHONE: 45,
  POSTAL_ADDRESS: 40,
  PERSON: 30,
} as const;

export type EntityType = keyof typeof ENTITY_PRIORITY;
export const ENTITY_TYPES = Object.keys(ENTITY_PRIORITY) as EntityType[];

/** A recognised span: offsets are JavaScript string offsets into the scanned text, end exclusive. */
export interface Entity {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** An original value behind a placeholder, as the vault stores it (encrypted at rest). */
export interface VaultEntry {
  readonly placeholder: string;
  readonly value: string;
}
