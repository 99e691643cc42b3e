import type { CrmKind } from '../../core/types';
import type { ConnectorOptions } from './http';
import { HubSpotConnector } from './hubspot';
import { SalesforceConnector } from './salesforce';
import type { CrmConnector } from './types';

export { type CrmConnector, type CrmCredentials, CrmCredentialsSchema, type CrmQuery } from './types';
export { type ConnectorOptions, CrmHttp, type CrmRequest, type CrmResponse } from './http';
export { SalesforceConnector, SALESFORCE_API_VERSION } from './salesforce';
export { HubSpotConnector } from './hubspot';
export { secretsManagerCredentials, type SecretCredentialsOptions } from './secrets';
export {
  backoffDelay,
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  type Clock,
  DEFAULT_BREAKER,
  DEFAULT_RETRY,
  parseRetryAfter,
  type RetryPolicy,
  systemClock,
} from './resilience';

/** The connector for the deployment's CRM kind. */
export function connectorFor(kind: CrmKind, options: ConnectorOptions): CrmConnector {
  return kind === 'salesforce' ? new SalesforceConnector(options) : new HubSpotConnector(options);
}
