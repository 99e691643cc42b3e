import * as z from 'zod/mini';
import type { StructuredQuery } from '../../core/query/soql';
import type { CrmKind, CrmObjectType, CrmRecord } from '../../core/types';
import '../../core/validation';  // zod's English messages

/** A query as connectors run it: validated, with the policy's row filter already joined in. */
export type CrmQuery = StructuredQuery;

/** One CRM integration user, as JSON in a Secrets Manager secret (rotated by the rotation Lambda). */
export const CrmCredentialsSchema = z.strictObject({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
  /** OAuth 2.0 token endpoint (`…/services/oauth2/token` or `…/oauth/v1/token`). */
  tokenUrl: z.url({ protocol: /^https?$/ }),
  /** The CRM's API base URL; the connector's own `baseUrl`, when set, takes precedence. */
  instanceUrl: z.url({ protocol: /^https?$/ }),
  /** When present the refresh-token grant is used instead of client credentials. */
  refreshToken: z.optional(z.string().check(z.minLength(1))),
});
export type CrmCredentials = z.infer<typeof CrmCredentialsSchema>;
/** Loads an integration user's credentials; `fresh` asks for the stored value now, past any cache (after a refusal). */
export type CredentialsLoader = (read?: { readonly fresh?: boolean }) => Promise<CrmCredentials>;

export interface CrmConnector {
  readonly kind: CrmKind;
  query(q: CrmQuery): Promise<CrmRecord[]>;
  /** The record, or undefined when the CRM has no such id. */
  get(object: CrmObjectType, id: string, fields: readonly string[]): Promise<CrmRecord | undefined>;
  /** Creates a record; returns its id. */
  create(object: CrmObjectType, fields: Record<string, unknown>): Promise<string>;
  update(object: CrmObjectType, id: string, fields: Record<string, unknown>): Promise<void>;
}
