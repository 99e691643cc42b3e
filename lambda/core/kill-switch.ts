import { BridgeError } from './errors';

/** The bridge's operating mode, set by `bridge incident freeze | read-only | resume`. */
export const BRIDGE_MODES = ['normal', 'read-only', 'frozen'] as const;
export type BridgeMode = (typeof BRIDGE_MODES)[number];

export interface KillSwitch {
  mode(): Promise<BridgeMode>;
}

/** Unknown values fail closed: a typo in the parameter must never reopen the bridge. */
export function parseMode(raw: string | undefined): BridgeMode {
  const value = raw?.trim();
  return (BRIDGE_MODES as readonly string[]).includes(value ?? '') ? (value as BridgeMode) : 'frozen';
}

/** Throws the typed error a mode imposes on a request that reads or writes. */
export function enforceMode(mode: BridgeMode, intent: 'read' | 'write'): void {
  if (mode === 'frozen') throw new BridgeError('BRIDGE_FROZEN', 'The bridge is frozen by an operator; no CRM access is possible.');
  if (mode === 'read-only' && intent === 'write') {
    throw new BridgeError('BRIDGE_READ_ONLY', 'The bridge is read-only by an operator; proposals and writes are refused.');
  }
}
