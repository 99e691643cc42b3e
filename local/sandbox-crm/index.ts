export { startSandboxCrm, SALESFORCE_API, SANDBOX_LIMITS, type SandboxCrm, type SandboxOptions, type FaultMode, type FaultOptions, type FaultState, type Access } from './server';
export { parseSoql, SoqlSyntaxError, type SoqlQuery, type SoqlFilter, type LikePart } from './soql';
export { seedRecords, prng, TERRITORIES, SEED_COUNTS } from './seed';
export { salesforceId } from './store';
