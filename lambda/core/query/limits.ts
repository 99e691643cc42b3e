/**
 * Bounds on an agent's structured query. They keep every query cheap to validate, to
 * build and to run, and keep the produced SOQL far below Salesforce's 100,000-character cap.
 */
export const QUERY_LIMITS = {
  maxFields: 50,
  maxIdentifierLength: 80,
  /** Levels of and/or nesting below the top of `where`. */
  maxFilterDepth: 4,
  maxConditions: 20,
  maxStringLength: 256,
  maxInListSize: 50,
  maxOrderBy: 3,
  maxLimit: 200,
  /** Records an agent gets when it names no limit: the shipped policies run up to 10 unattended. */
  defaultLimit: 10,
  maxPurposeLength: 500,
  maxConversationIdLength: 128,
  /** Salesforce rejects longer SOQL statements. */
  maxSoqlLength: 100_000,
} as const;
