/**
 * Adverts as the network sees them: `tcpdump -tt` in the lab's client namespace timestamps every
 * VRRPv3 advert of one VRID. Shared by the benchmarks that measure advert timing.
 */
import type { Lab } from '../test/integration/daemon/lab.js';
import { waitFor } from '../test/integration/harness/topology.js';

export interface AdvertCapture {
  /** Every advert time so far (ms since the epoch), in order. */
  readonly stamps: readonly number[];
  /** Advert times within [from, to). */
  between(from: number, to: number): number[];
  stop(): void;
}

/** Starts the capture and resolves once tcpdump listens. */
export async function captureAdverts(lab: Lab, vrid: number): Promise<AdvertCapture> {
  const dump = lab.topo.spawn('client', 'tcpdump', ['-i', 'eth0', '-n', '-tt', '-l', '-p', 'ip proto 112']);
  const stamps: number[] = [];
  const ours = new RegExp(`VRRPv3.*vrid ${vrid}\\b`);
  let buf = '';
  let listening = false;
  dump.stderr?.on('data', (x: Buffer) => {
    if (x.toString().includes('listening on')) listening = true;
  });
  dump.stdout?.on('data', (x: Buffer) => {
    buf += x.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (ours.test(l)) stamps.push(Number(l.split(' ')[0]) * 1000);
  });
  try {
    await waitFor(() => listening, { timeoutMs: 10000, message: 'tcpdump listening' });
  } catch (e) {
    dump.kill('SIGKILL');
    throw e;
  }
  return {
    stamps,
    between: (from, to) => stamps.filter((t) => t >= from && t < to),
    stop: () => dump.kill('SIGKILL'),
  };
}
