import type { BridgeError } from '../../lambda/core/errors';

/** Awaits a promise that must reject and returns its error (a resolved promise fails the test). */
export async function failure(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error('expected a failure');
}
