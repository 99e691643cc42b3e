/**
 * The AWS credential chain inside the bridge's Lambda bundles: HOUSE_BUNDLING (lib/constructs/bridge-function.ts)
 * aliases the SDK's default chain, `@aws-sdk/credential-provider-node`, to this module. Lambda gives a function its
 * execution role's credentials only in environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), so the chain's other links (SSO, shared ini files, credential_process, web identity,
 * container and instance metadata) and the STS/SSO clients they carry are code a function never runs.
 * Outside the bundles (tests, the local runtime, the CLI) the SDK keeps its full default chain.
 */
import { fromEnv } from '@aws-sdk/credential-providers';

/** Same name and call shape as the default chain's export, which every SDK client's runtime config imports. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> => fromEnv(init);
