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

/** One checker of a real server: its verdict and its last attempt. */
export interface CheckerStatus {
  readonly type: string;
  /** The checker's verdict (keepalived is_up): false while it counts as failed. */
  readonly ok: boolean;
  /** Why the last attempt failed, or null when it succeeded (or none ran yet). */
  readonly reason: string | null;
  readonly lastRunAt: string | null;
}

export interface RealServerStatus {
  readonly address: string;
  readonly port: number;
  /** The configured weight. */
  readonly weight: number;
  /** The configured weight moved by dynamic checkers (misc_dynamic); IPVS gets it clamped at 0. */
  readonly effectiveWeight: number;
  readonly alive: boolean;
  readonly checkers: readonly CheckerStatus[];
}

export interface VirtualServerStatus {
  /** keepalived's name for it: `[192.0.2.100]:tcp:80`, `FWM 5`, `[group]:0`. */
  readonly name: string;
  /** The address, or the group's name for a virtual_server group; '' for fwmark. */
  readonly address: string;
  readonly port: number | null;
  readonly protocol: string;
  readonly fwmark: number | null;
  readonly quorumUp: boolean;
  readonly sorryServerActive: boolean;
  readonly realServers: readonly RealServerStatus[];
}

export interface StatusReport {
  readonly pid: number;
  readonly configFile: string;
  readonly startedAt: string;
  readonly instances: readonly InstanceStatus[];
  /** The health checker's virtual servers (empty without virtual_server blocks). */
  readonly virtualServers: readonly VirtualServerStatus[];
}

/** The status socket sits beside the pid file: /run/vigil.pid -> /run/vigil.sock. */
export function statusSocketPath(pidFile: string): string {
  return pidFile.endsWith('.pid') ? `${pidFile.slice(0, -4)}.sock` : `${pidFile}.sock`;
}

export const DEFAULT_PID_FILE = '/run/vigil.pid';
