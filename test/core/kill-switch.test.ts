import fc from 'fast-check';
import { BRIDGE_MODES, enforceMode, parseMode } from '../../lambda/core/kill-switch';

describe('parseMode', () => {
  it('reads each known mode, ignoring surrounding whitespace', () => {
    // Act
    const parsed = BRIDGE_MODES.map((m) => parseMode(` ${m}\n`));
    // Assess
    expect(parsed).toEqual([...BRIDGE_MODES]);
  });

  it('fails closed to frozen for anything that is not exactly a known mode', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('Normal', 'NORMAL', 'read_only', 'readonly', 'off', 'resume', '', 'normal,frozen')),
        (raw) => {
          fc.pre(!(BRIDGE_MODES as readonly string[]).includes(raw.trim()));
          // Act
          const mode = parseMode(raw);
          // Assess
          expect(mode).toBe('frozen');
        },
      ),
    );
  });

  it('treats a missing parameter value as frozen', () => {
    // Act
    const mode = parseMode(undefined);
    // Assess
    expect(mode).toBe('frozen');
  });
});

describe('enforceMode', () => {
  it.each([
    { mode: 'normal', intent: 'read', code: undefined },
    { mode: 'normal', intent: 'write', code: undefined },
    { mode: 'read-only', intent: 'read', code: undefined },
    { mode: 'read-only', intent: 'write', code: 'BRIDGE_READ_ONLY' },
    { mode: 'frozen', intent: 'read', code: 'BRIDGE_FROZEN' },
    { mode: 'frozen', intent: 'write', code: 'BRIDGE_FROZEN' },
  ] as const)('in $mode mode a $intent gets $code', ({ mode, intent, code }) => {
    // Act
    let thrown: unknown;
    try {
      enforceMode(mode, intent);
    } catch (e) {
      thrown = e;
    }
    // Assess
    expect((thrown as { code?: string } | undefined)?.code).toBe(code);
  });
});
