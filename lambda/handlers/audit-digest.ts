/**
 * Scheduled (EventBridge) digest job: thin wiring of the S3 audit store, the KMS signer and
 * runDigestJob. It may only read audit objects and write digests. Failures throw, so the
 * on-failure destination and the Errors alarm fire; `AuditDigestsWritten` feeds the alarm that
 * fires when a period passes without a digest.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AUDIT_ENV, METRICS } from '../core/constants';
import { BridgeError } from '../core/errors';
import { DEFAULT_DIGEST_JOB_CONFIG, type DigestJobConfig, type DigestJobResult, runDigestJob } from '../core/audit/digest-job';
import type { AuditObjectReader, DigestWriter } from '../core/audit/ports';
import type { Signer } from '../core/signer';
import { KmsSigner } from '../adapters/kms-signer';
import { auditStoreFromEnv, requiredEnv } from './env';

const logger = new Logger({ serviceName: 'audit-digest' });
const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: 'audit-digest' });

/** Reads the job's settings; a bad value is a deployment error with a clear message. */
export function digestConfigFromEnv(env: NodeJS.ProcessEnv): DigestJobConfig {
  const minutes = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new BridgeError('VALIDATION_FAILED', `${name} must be a positive whole number of minutes, got '${raw}'`);
    return n;
  };
  return {
    ...DEFAULT_DIGEST_JOB_CONFIG,
    periodMinutes: minutes(AUDIT_ENV.DIGEST_PERIOD_MINUTES, DEFAULT_DIGEST_JOB_CONFIG.periodMinutes),
    lookbackMinutes: minutes(AUDIT_ENV.DIGEST_LOOKBACK_MINUTES, DEFAULT_DIGEST_JOB_CONFIG.lookbackMinutes),
    bridgeVersion: env[AUDIT_ENV.BRIDGE_VERSION] || 'unknown',
  };
}

export function makeDigestHandler(deps: {
  store: AuditObjectReader & DigestWriter;
  signer: Signer;
  config: DigestJobConfig;
  now?: () => Date;
}): () => Promise<DigestJobResult> {
  return async () => {
    const result = await runDigestJob({ store: deps.store, signer: deps.signer, config: deps.config, now: (deps.now ?? (() => new Date()))() });
    for (const w of result.written) logger.info('digest written', { ...w });
    if (result.vanished.length > 0) logger.error('listed audit objects vanished before they could be digested', { vanished: result.vanished });
    if (!result.caughtUp) logger.warn('digest job is catching up; the next run continues', { head: result.head });
    metrics.addMetric('AuditDigestsWritten', MetricUnit.Count, result.written.length);
    metrics.addMetric('AuditObjectsDigested', MetricUnit.Count, result.written.reduce((n, w) => n + w.objects, 0));
    metrics.addMetric('AuditObjectsVanished', MetricUnit.Count, result.vanished.length);
    metrics.publishStoredMetrics();
    return result;
  };
}

let cached: (() => Promise<DigestJobResult>) | undefined;

export const handler = async (): Promise<DigestJobResult> => {
  if (!cached) {
    cached = makeDigestHandler({
      store: auditStoreFromEnv(),
      signer: new KmsSigner(new KMSClient({}), requiredEnv(AUDIT_ENV.SIGNING_KEY_ID)),
      config: digestConfigFromEnv(process.env),
    });
  }
  return cached();
};
