import fc from 'fast-check';
import { BridgeError } from '../../../lambda/core/errors';
import { backoffDelay, CircuitBreaker, DEFAULT_RETRY, parseRetryAfter } from '../../../lambda/adapters/crm/resilience';

describe('CircuitBreaker', () => {
  const setup = () => {
    let now = 1_000;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000 }, () => now);
    return { breaker, advance: (ms: number) => (now += ms) };
  };

  it('opens after N consecutive failures and fails fast with CRM_UNAVAILABLE', () => {
    // Prepare
    const { breaker } = setup();

    // Act
    for (let i = 0; i < 3; i++) {
      breaker.acquire();
      breaker.failure();
    }

    // Assess
    expect(breaker.state()).toBe('open');
    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ code: 'CRM_UNAVAILABLE', details: { retryAfterSeconds: 10 } }));
  });

  it('resets the count on success, so only consecutive failures open it', () => {
    // Prepare
    const { breaker } = setup();

    // Act
    for (const ok of [false, false, true, false, false]) {
      breaker.acquire();
      if (ok) breaker.success();
      else breaker.failure();
    }

    // Assess
    expect(breaker.state()).toBe('closed');
  });

  it('lets one trial through after the cool-down; success closes, failure re-opens', () => {
    // Prepare
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.failure();
    advance(10_000);

    // Act
    breaker.acquire();
    const second = (() => {
      try {
        breaker.acquire();
        return undefined;
      } catch (e) {
        return e as BridgeError;
      }
    })();
    breaker.failure();
    const reopened = breaker.state();
    advance(10_000);
    breaker.acquire();
    breaker.success();

    // Assess
    expect(second?.code).toBe('CRM_UNAVAILABLE');
    expect(reopened).toBe('open');
    expect(breaker.state()).toBe('closed');
  });

  it('frees the half-open trial slot on release without changing state', () => {
    // Prepare
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.failure();
    advance(10_000);
    breaker.acquire();

    // Act
    breaker.release();

    // Assess
    expect(breaker.state()).toBe('half-open');
    expect(() => breaker.acquire()).not.toThrow();
  });
});

describe('backoffDelay', () => {
  it('property: stays within the exponential ceiling and never below Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }), (retry, random, retryAfter) => {
        // Act
        const delay = backoffDelay(DEFAULT_RETRY, retry, random, retryAfter);

        // Assess
        const ceiling = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (retry - 1));
        expect(delay).toBeGreaterThanOrEqual(retryAfter ?? 0);
        if (retryAfter === undefined) expect(delay).toBeLessThan(ceiling);
        else expect(delay).toBeLessThanOrEqual(Math.max(ceiling, retryAfter));
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    // Prepare
    const now = Date.parse('2025-01-01T00:00:00Z');

    // Act / Assess
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
