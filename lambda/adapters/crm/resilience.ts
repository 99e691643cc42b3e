import { BridgeError } from '../../core/errors';

/** Time and randomness, injectable so retry and breaker timing is testable without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

/**
 * Delay before retry number `retry` (1-based): "full jitter" exponential backoff, and never
 * less than the server's Retry-After when it sent one.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.floor(random * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly coolDownMs: number;
}
export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, coolDownMs: 30_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Circuit breaker: after N consecutive failures calls fail fast for a cool-down, then a
 * single trial call decides between closing again and another cool-down. One instance per
 * CRM per container, shared by every connector that talks to that CRM.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.options.coolDownMs ? 'half-open' : 'open';
  }

  /** Admits a call or throws CRM_UNAVAILABLE; every admitted call must end in success() or failure(). */
  acquire(): void {
    const state = this.state();
    if (state === 'closed') return;
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    const waitMs = Math.max(0, (this.openedAt as number) + this.options.coolDownMs - this.now());
    throw new BridgeError('CRM_UNAVAILABLE', `the CRM is failing; calls are paused for ${Math.ceil(waitMs / 1000)} s (circuit open)`, {
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    });
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  /** Ends an admitted call that says nothing about the CRM's health (e.g. the secret could not be read). */
  release(): void {
    this.trialInFlight = false;
  }

  failure(): void {
    this.failures++;
    if (this.trialInFlight || this.failures >= this.options.failureThreshold) this.openedAt = this.now();
    this.trialInFlight = false;
  }
}
