/**
 * Applies the firewall ruleset (src/daemon/firewall.ts) with Debian's `nft`: every change is one
 * `nft -f -` transaction, so the kernel sees all of it or none of it. Only tables vigil created
 * are ever named, and they are deleted at stop.
 */
import { spawn } from 'node:child_process';
import {
  desiredTables,
  type FirewalledInstance,
  type FirewallSettings,
  type NftTable,
  nftTransaction,
} from './firewall.js';

/** Runs one `nft -f -` transaction; rejects with nft's message. */
export function runNft(script: string, nft = 'nft'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(nft, ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT' ? new Error(`${nft} not found (Debian package nftables)`) : new Error(e.message),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`nft exited with ${code}: ${stderr.trim()}`)),
    );
    child.stdin.on('error', () => {}); // an early exit is reported by 'close'
    child.stdin.end(script);
  });
}

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
