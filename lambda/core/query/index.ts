export { QUERY_LIMITS } from './limits';
export { type FieldAllowlist, isIdentifier } from './identifiers';
export { andFilters } from './filter';
export { fieldsTouched } from './fields';
export { type QueryRequest, QueryRequestSchema, FilterSchema, OrderBySchema, parseQueryRequest } from './schema';
export { type StructuredQuery, buildSoql, soqlLiteral, soqlString } from './soql';
export {
  type HubSpotFilter,
  type HubSpotOperator,
  type HubSpotSearchBody,
  HUBSPOT_OBJECTS,
  HUBSPOT_SEARCH_LIMITS,
  buildHubSpotSearch,
  hubSpotObject,
  toDnf,
} from './hubspot';
