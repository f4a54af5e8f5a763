/**
 * Applies the firewall ruleset (src/daemon/firewall.ts) with Debian's `nft`: every change is one
 * `nft -f -` transaction, so the kernel sees all of it or none of it. Only tables vigil created
 * are ever named, and they are deleted at stop. The runner is shared (src/kernel/nft.ts).
 */
import { runNft } from '../kernel/nft.js';
import {
  desiredTables,
  type FirewalledInstance,
  type FirewallSettings,
  type NftTable,
  nftTransaction,
} from './firewall.js';

export class NftFirewall {
  /** What vigil has created, as last applied successfully. */
  private applied: NftTable[] = [];

  constructor(
    private settings: FirewallSettings | null,
    private readonly run: (script: string) => Promise<void> = runNft,
  ) {}

  /** New settings (reload): applied with the next `apply`, replacing tables of another name. */
  configure(settings: FirewallSettings | null): void {
    this.settings = settings;
  }

  /** Makes the ruleset the desired one for these instances; null removes every table of ours. */
  async apply(instances: readonly FirewalledInstance[] | null): Promise<void> {
    const desired =
      this.settings === null || instances === null || instances.length === 0
        ? []
        : desiredTables(this.settings, instances);
    const script = nftTransaction(this.applied, desired);
    if (script === '') return;
    await this.run(script);
    this.applied = desired;
  }
}
