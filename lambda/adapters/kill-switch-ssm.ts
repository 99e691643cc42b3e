import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BridgeMode, KillSwitch, parseMode } from '../core/kill-switch';

/**
 * Reads the mode from an SSM parameter, cached briefly so a freeze takes effect within
 * `cacheMs` without an SSM call per request. If SSM cannot be read, the bridge freezes.
 */
export class SsmKillSwitch implements KillSwitch {
  private cached?: { mode: BridgeMode; at: number };

  constructor(
    private readonly client: SSMClient,
    private readonly parameterName: string,
    private readonly cacheMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async mode(): Promise<BridgeMode> {
    if (this.cached && this.now() - this.cached.at < this.cacheMs) return this.cached.mode;
    let mode: BridgeMode;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: this.parameterName }));
      mode = parseMode(out.Parameter?.Value);
    } catch {
      mode = 'frozen';
    }
    this.cached = { mode, at: this.now() };
    return mode;
  }
}
