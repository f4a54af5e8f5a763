/**
 * tcpdump inside a test namespace: start a capture to a temporary pcap file, wait until tcpdump is
 * listening (its stderr says "listening on"), then poll the file for frames. The file and its
 * directory are removed by stop(); the process is tracked by the topology.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Topology, waitFor } from './topology.js';

export interface Capture {
  readonly path: string;
  /** Frames captured so far (link-layer bytes). */
  frames(): Buffer[];
  /** Waits for a frame satisfying `match`. */
  waitForFrame(match: (frame: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  stop(): Promise<void>;
}

/** Parses a classic pcap file, tolerating a record still being written at the end. */
export function pcapFrames(file: Buffer): Buffer[] {
  if (file.length < 24) return [];
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const frames: Buffer[] = [];
  for (let off = 24; off + 16 <= file.length; ) {
    const caplen = u32(off + 8);
    if (off + 16 + caplen > file.length) break;
    frames.push(file.subarray(off + 16, off + 16 + caplen));
    off += 16 + caplen;
  }
  return frames;
}

export async function startCapture(
  topo: Topology,
  host: string,
  ifname: string,
  filter: string,
): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cap-'));
  const path = join(dir, 'capture.pcap');
  // -U: write each packet at once; -Z root: keep privileges so the file in our 0700 directory is writable.
  const child: ChildProcess = topo.spawn(host, 'tcpdump', [
    '-i',
    ifname,
    '-U',
    '-n',
    '-Z',
    'root',
    '-w',
    path,
    filter,
  ]);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`tcpdump exited: ${stderr}`);
        return stderr.includes('listening on');
      },
      { timeoutMs: 10000, message: 'tcpdump listening' },
    );
  } catch (e) {
    child.kill('SIGKILL');
    cleanup();
    throw e;
  }
  const frames = () => {
    try {
      return pcapFrames(readFileSync(path));
    } catch {
      return [];
    }
  };
  return {
    path,
    frames,
    waitForFrame: (match, timeoutMs = 5000) =>
      waitFor(() => frames().find(match), { timeoutMs, message: `a captured frame on ${host}/${ifname}` }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}
