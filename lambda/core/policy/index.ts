export * from './types';
export { loadBundleFromSources, bundleVersion, type BundleSources, type PolicyBundle, type PolicySource } from './bundle';
export { PolicyEngine } from './engine';
export { validatePolicyRequest, policyRequestSchema, COLLECTION_ID } from './request';
export type { PolicyMeta, RowCondition } from './annotations';
