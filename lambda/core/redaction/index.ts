/** Redaction engine: field catalog, free-text recognizers, actions, output guard. */
export * from './entities';
export { neutralizePlaceholders, placeholdersIn, reidentify } from './placeholders';
export { findEntities, resolveOverlaps, type FindOptions } from './find';
export { classifyField, nameFields, UNKNOWN_FIELD_CLASS, type CustomFieldCatalog } from './catalog';
export {
  DEFAULT_FIELD_POLICY,
  DEFAULT_TEXT_POLICY,
  mask,
  outputGuard,
  Redactor,
  type GuardAllowance,
  type RedactorOptions,
} from './redactor';
