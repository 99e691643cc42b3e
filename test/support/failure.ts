import { BridgeError } from '../../lambda/core/errors';

/** Awaits a promise that must reject and returns its error (a resolved promise fails the test). */
export async function failure(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error('expected a failure');
}

/** Runs a function that must throw a BridgeError and returns it (anything else fails the test). */
export function caught(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  throw new Error('expected a BridgeError');
}
