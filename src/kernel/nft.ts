/**
 * Debian's `nft` as a child process, shared by everything vigil writes with nftables (the VRRP
 * firewall, src/daemon/nft.ts; the LVS data plane, src/lvs/nft-driver.ts): a transaction is one
 * `nft -f -` (the kernel sees all of it or none of it); reads are `nft -j …` (JSON).
 */
import { spawn } from 'node:child_process';

function runChild(nft: string, args: readonly string[], input: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(nft, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT' ? new Error(`${nft} not found (Debian package nftables)`) : new Error(e.message),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`nft exited with ${code}: ${stderr.trim()}`)),
    );
    if (input !== undefined && child.stdin !== null) {
      child.stdin.on('error', () => {}); // an early exit is reported by 'close'
      child.stdin.end(input);
    }
  });
}

/** Runs one `nft -f -` transaction; rejects with nft's message. */
export async function runNft(script: string, nft = 'nft'): Promise<void> {
  await runChild(nft, ['-f', '-'], script);
}

/** `nft -j ARGS…` parsed (e.g. `list counters table inet vigil_lvs`); rejects with nft's message. */
export async function nftJson(args: readonly string[], nft = 'nft'): Promise<unknown> {
  return JSON.parse(await runChild(nft, ['-j', ...args], undefined));
}
