/**
 * Names shared by infrastructure (lib/) and runtime (lambda/): environment variables and
 * table keys. The only module of lambda/ that lib/ may import.
 */
export const ENV = {
  CONFIG_JSON: 'BRIDGE_CONFIG',
} as const;

export const TABLE_KEYS = {
  PARTITION: 'pk',
  SORT: 'sk',
  TTL: 'expiresAt',
} as const;
