/** What `vigil status --json` prints: the running daemon's view of its instances. */
export interface InstanceStatus {
  readonly name: string;
  readonly state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly interface: string;
  readonly effectivePriority: number;
  readonly basePriority: number;
  readonly vips: readonly string[];
  /** The master's address as last seen in an advert (ours when we are master), or null. */
  readonly masterAddress: string | null;
  readonly lastTransition: { readonly at: string; readonly reason: string } | null;
  /** Adverts sent/received and receive drops counted by reason. */
  readonly counters: Readonly<Record<string, number>>;
}

export interface StatusReport {
  readonly pid: number;
  readonly configFile: string;
  readonly startedAt: string;
  readonly instances: readonly InstanceStatus[];
}

/** The status socket sits beside the pid file: /run/vigil.pid -> /run/vigil.sock. */
export function statusSocketPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -4)}.sock` : `${pidFile}.sock`;
}

export const DEFAULT_PID_FILE = '/run/vigil.pid';
