/**
 * The typed, validated model of a keepalived.conf (keepalived 2.2.7, keepalived.conf(5)).
 *
 * Every value is plain data so the whole model is JSON-serialisable (`vigil -t --json`).
 * Durations carry their unit in the name (`advertIntMs`, `delayLoopMs`). Each entity keeps the
 * SourcePos of its opening keyword (`pos`) and of each keyword that set a field (`keyPos`), so
 * validation and later stages can point at the exact line.
 */
import type { SourcePos } from './diagnostics.js';

export type AddressFamily = 4 | 6;

/** Where each field of an entity was set: field name -> position of its keyword. */
export type KeyPositions = Record<string, SourcePos>;

export interface Located {
  readonly pos: SourcePos;
  readonly keyPos: KeyPositions;
}

/** A script invocation: notify_*, vrrp_script `script`, MISC_CHECK `misc_path`... */
export interface ScriptSpec {
  /** The command split into words as keepalived does (the first word is the executable path). */
  readonly argv: string[];
  /** The command as written. */
  readonly command: string;
  readonly user?: string;
  readonly group?: string;
  readonly pos: SourcePos;
}

export interface FifoOwner {
  readonly user: string;
  readonly group?: string;
}

/** An address in virtual_ipaddress / static_ipaddress. */
export interface IpAddressSpec {
  readonly address: string;
  readonly family: AddressFamily;
  /** Prefix length; /32 or /128 when not given. */
  readonly prefixLen: number;
  readonly dev?: string;
  readonly label?: string;
  readonly scope?: string;
  readonly broadcast?: string;
  readonly peer?: string;
  /** Other options (`home`, `-nodad`, `noprefixroute`, `no_track`...) as written. */
  readonly flags: string[];
  readonly pos: SourcePos;
}

/** A route in virtual_routes / static_routes, kept close to `ip route` syntax. */
export interface RouteSpec {
  /** Route type (`unicast` unless blackhole/unreachable/prohibit/throw...). */
  readonly type: string;
  readonly destination: string;
  readonly family: AddressFamily;
  readonly src?: string;
  readonly via?: string;
  readonly dev?: string;
  readonly table?: string;
  /** `protocol` as written (keepalived tracks only routes of its own protocol). */
  readonly protocol?: string;
  /** All words after the destination, as written. */
  readonly options: string[];
  readonly pos: SourcePos;
}

/** A rule in virtual_rules / static_rules, kept close to `ip rule` syntax. */
export interface RuleSpec {
  readonly from?: string;
  readonly to?: string;
  readonly table?: string;
  readonly preference?: number;
  readonly family: AddressFamily;
  readonly options: string[];
  readonly pos: SourcePos;
}

export interface NotifyScripts {
  readonly notifyMaster?: ScriptSpec;
  readonly notifyBackup?: ScriptSpec;
  readonly notifyFault?: ScriptSpec;
  readonly notifyStop?: ScriptSpec;
  readonly notify?: ScriptSpec;
  readonly notifyMasterRxLowerPri?: ScriptSpec;
  readonly notifyDeleted?: ScriptSpec;
}

export interface GlobalDefs extends Located {
  readonly routerId?: string;
  readonly notificationEmail: string[];
  readonly notificationEmailFrom?: string;
  readonly smtpServer?: { readonly host: string; readonly port: number };
  readonly smtpHeloName?: string;
  readonly smtpConnectTimeoutMs: number;
  readonly smtpAlert?: boolean;
  /** smtp_alert_checker: the checkers' smtp_alert default, before smtp_alert (keepalived validate_check_config). */
  readonly smtpAlertChecker?: boolean;
  /** checker_log_all_failures: every checker logs each failed attempt, as its own log_all_failures. */
  readonly checkerLogAllFailures?: boolean;
  /** no_checker_emails: a checker verdict is mailed only when its real server changed. */
  readonly noCheckerEmails?: boolean;
  /** rs_init_notifies: real servers in service from the start notify up. */
  readonly rsInitNotifies?: boolean;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  readonly defaultInterface?: string;
  readonly vrrpGarpMasterDelayMs: number;
  readonly vrrpGarpMasterRepeat: number;
  readonly vrrpGarpLowerPrioDelayMs?: number;
  readonly vrrpGarpLowerPrioRepeat?: number;
  readonly vrrpGarpMasterRefreshMs: number;
  readonly vrrpGarpMasterRefreshRepeat: number;
  /** Delay between gratuitous ARPs, microseconds (0 = not set). */
  readonly vrrpGarpIntervalUs: number;
  readonly vrrpGnaIntervalUs: number;
  readonly vrrpVersion: 2 | 3;
  readonly vrrpCheckUnicastSrc: boolean;
  readonly vrrpSkipCheckAdvAddr: boolean;
  readonly vrrpStrict: boolean;
  readonly vrrpDownTimerAdverts?: number;
  readonly vrrpLowerPrioNoAdvert?: boolean;
  readonly vrrpHigherPrioSendAdvert?: boolean;
  /** Default for notify_priority_changes. */
  readonly vrrpNotifyPriorityChanges?: boolean;
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly enableScriptSecurity: boolean;
  readonly notifyFifo?: string;
  readonly vrrpNotifyFifo?: string;
  readonly lvsNotifyFifo?: string;
  /** `notify_fifo FILE user [group]`: who owns a FIFO vigil creates. */
  readonly notifyFifoOwner?: FifoOwner;
  readonly vrrpNotifyFifoOwner?: FifoOwner;
  readonly lvsNotifyFifoOwner?: FifoOwner;
  /** `*_fifo_script`: started with the FIFO's name appended, reads the FIFO while vigil runs. */
  readonly notifyFifoScript?: ScriptSpec;
  readonly vrrpNotifyFifoScript?: ScriptSpec;
  readonly lvsNotifyFifoScript?: ScriptSpec;
  readonly fifoWriteVrrpStatesOnReload: boolean;
  readonly vrrpStartupDelayMs?: number;
  /** `dynamic_interfaces [allow_if_changes]`: true bare, or the option word. */
  readonly dynamicInterfaces?: boolean | 'allow_if_changes';
  /** `lvs_flush`: keepalived flushes the whole IPVS table at start; vigil only what is its own. */
  readonly lvsFlush: boolean;
  /** `lvs_flush_on_stop [VS]`: true bare, or 'VS'. */
  readonly lvsFlushOnStop?: boolean | 'VS';
  /** `nftables [TABLE]`: the table for the drop rules of instances not in accept mode. */
  readonly nftables?: string;
  /** `nftables_priority`: the base chains' priority (keepalived: -1). */
  readonly nftablesPriority?: number;
  /** `vrrp_priority` / `checker_priority`: the nice value (-20..19) of the VRRP / checker thread. */
  readonly vrrpPriority?: number;
  readonly checkerPriority?: number;
  /** `vrrp_rt_priority`: SCHED_RR priority (1..99) of the VRRP thread; the nice value is then not set. */
  readonly vrrpRtPriority?: number;
  /** `checker_rt_priority`: SCHED_RR priority (1..99) of the checker thread; its nice value is then not set. */
  readonly checkerRtPriority?: number;
  readonly nftablesCounters: boolean;
  /** `nftables_ifindex`: link-local VIPs always matched by interface index, never by name. */
  readonly nftablesIfindex: boolean;
  /** `vrrp_iptables [IN [OUT]]`: keepalived built without iptables (Debian) uses nftables instead. */
  readonly vrrpIptables?: readonly string[];
  /** Keywords accepted but not implemented by vigil, with their raw arguments. */
  readonly unimplemented: Record<string, string[]>;
}

export type VrrpState = 'MASTER' | 'BACKUP';
export type AuthType = 'PASS' | 'AH';

export interface TrackRef {
  readonly name: string;
  /** Weight override given in the track list; undefined = the tracked object's own weight. */
  readonly weight?: number;
  readonly reverse: boolean;
  readonly pos: SourcePos;
}

export interface VrrpInstance extends Located, NotifyScripts {
  readonly kind: 'vrrp_instance';
  readonly name: string;
  /** Initial state; undefined when not configured (keepalived starts in BACKUP). */
  readonly state?: VrrpState;
  readonly interface?: string;
  readonly virtualRouterId?: number;
  /** 1..255; defaults to 255 with `state MASTER` and 100 otherwise (keepalived 2.2.7). */
  readonly priority: number;
  readonly advertIntMs: number;
  /** VRRP version; from the instance or global vrrp_version, and always 3 for IPv6. */
  readonly version: 2 | 3;
  /** Where `version` came from: `ipv6` = upgraded from 2 because the instance is IPv6. */
  readonly versionSource: 'instance' | 'global' | 'ipv6';
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  readonly authentication?: { readonly type: AuthType; readonly pass?: string };
  readonly virtualIpaddress: IpAddressSpec[];
  readonly virtualIpaddressExcluded: IpAddressSpec[];
  readonly virtualRoutes: RouteSpec[];
  readonly virtualRules: RuleSpec[];
  readonly trackInterface: TrackRef[];
  readonly trackScript: TrackRef[];
  readonly trackFile: TrackRef[];
  readonly trackProcess: TrackRef[];
  readonly trackBfd: TrackRef[];
  readonly mcastSrcIp?: string;
  readonly unicastSrcIp?: string;
  readonly unicastPeer: {
    readonly address: string;
    readonly family: AddressFamily;
    readonly pos: SourcePos;
  }[];
  readonly mcastDstIp?: string;
  readonly unicastTtl?: number;
  readonly garpMasterDelayMs?: number;
  readonly garpMasterRepeat?: number;
  readonly garpMasterRefreshMs?: number;
  readonly garpMasterRefreshRepeat?: number;
  readonly garpLowerPrioDelayMs?: number;
  readonly garpLowerPrioRepeat?: number;
  readonly downTimerAdverts?: number;
  readonly dontTrackPrimary: boolean;
  readonly accept?: boolean;
  readonly skipCheckAdvAddr?: boolean;
  readonly strictMode?: boolean;
  readonly checkUnicastSrc: boolean;
  readonly smtpAlert?: boolean;
  readonly notifyPriorityChanges?: boolean;
  /** use_vmac [NAME] [MAC]: `mac` is six octets, or five (the VRID is the sixth), lower case. */
  readonly useVmac?: { readonly name?: string; readonly mac?: string };
  /** vmac_xmit_base: adverts go out of (and are read on) the base interface, VIPs stay on the VMAC. */
  readonly vmacXmitBase: boolean;
  readonly promoteSecondaries: boolean;
  readonly unicastFaultNoPeer: boolean;
  readonly lowerPrioNoAdvert?: boolean;
  readonly higherPrioSendAdvert?: boolean;
  readonly unimplemented: Record<string, string[]>;
}

export interface VrrpScript extends Located {
  readonly kind: 'vrrp_script';
  readonly name: string;
  readonly script?: ScriptSpec;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly user?: string;
  readonly group?: string;
  readonly initFail: boolean;
}

export interface TrackFile extends Located {
  readonly kind: 'track_file';
  readonly name: string;
  readonly file?: string;
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly initFile?: string[];
}

export interface TrackProcess extends Located {
  readonly kind: 'vrrp_track_process';
  readonly name: string;
  readonly process?: string[];
  readonly paramMatch?: 'initial' | 'partial';
  readonly weight: number;
  readonly weightReverse: boolean;
  readonly quorum: number;
  readonly quorumMax?: number;
  readonly forkDelayMs?: number;
  readonly terminateDelayMs?: number;
  readonly delayMs?: number;
  readonly fullCommand: boolean;
}

export interface SyncGroup extends Located, NotifyScripts {
  readonly kind: 'vrrp_sync_group';
  readonly name: string;
  readonly group: { readonly name: string; readonly pos: SourcePos }[];
  readonly trackInterface: TrackRef[];
  readonly trackScript: TrackRef[];
  readonly trackFile: TrackRef[];
  readonly trackProcess: TrackRef[];
  readonly trackBfd: TrackRef[];
  readonly smtpAlert?: boolean;
  readonly globalTracking: boolean;
  readonly syncGroupTrackingWeight: boolean;
  readonly notifyPriorityChanges?: boolean;
}

export type CheckerType =
  | 'HTTP_GET'
  | 'SSL_GET'
  | 'TCP_CHECK'
  | 'SMTP_CHECK'
  | 'MISC_CHECK'
  | 'DNS_CHECK'
  | 'UDP_CHECK'
  | 'PING_CHECK'
  | 'FILE_CHECK'
  | 'BFD_CHECK';

export interface HttpUrl extends Located {
  readonly path?: string;
  /** MD5 digests (hex) of the page; the check passes when any matches. */
  readonly digests: string[];
  /** Status code ranges, inclusive: [[200, 299]]. */
  readonly statusCode?: [number, number][];
  readonly virtualhost?: string;
  readonly regex?: string;
  readonly regexNoMatch: boolean;
}

/** Options every checker has (keepalived: connect_ip..log_all_failures). */
export interface CheckerCommon extends Located {
  readonly connectIp?: string;
  readonly connectPort?: number;
  readonly bindto?: string;
  readonly bindIf?: string;
  readonly bindPort?: number;
  readonly fwmark?: number;
  readonly alpha?: boolean;
  readonly connectTimeoutMs?: number;
  readonly retry?: number;
  readonly delayBeforeRetryMs?: number;
  readonly warmupMs?: number;
  readonly delayLoopMs?: number;
  readonly logAllFailures?: boolean;
}

export interface HttpChecker extends CheckerCommon {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly url: HttpUrl[];
  readonly httpProtocol?: string;
  readonly virtualhost?: string;
  readonly fastRecovery?: boolean;
  readonly enableSni?: boolean;
}
export interface TcpChecker extends CheckerCommon {
  readonly type: 'TCP_CHECK';
}
export interface SmtpChecker extends CheckerCommon {
  readonly type: 'SMTP_CHECK';
  readonly heloName?: string;
  /** `host { ... }` sub-blocks (older syntax): each one is a separate target. */
  readonly hosts: CheckerCommon[];
}
export interface MiscChecker extends CheckerCommon {
  readonly type: 'MISC_CHECK';
  readonly miscPath?: ScriptSpec;
  readonly miscTimeoutMs?: number;
  readonly miscDynamic: boolean;
  readonly user?: string;
  readonly group?: string;
}
export interface DnsChecker extends CheckerCommon {
  readonly type: 'DNS_CHECK';
  readonly queryType: string;
  readonly name: string;
}
export interface UdpChecker extends CheckerCommon {
  readonly type: 'UDP_CHECK';
  readonly payload?: string;
  readonly requireReply?: string | true;
  readonly minReplyLength: number;
  readonly maxReplyLength: number;
}
export interface PingChecker extends CheckerCommon {
  readonly type: 'PING_CHECK';
}
export interface FileChecker extends CheckerCommon {
  readonly type: 'FILE_CHECK';
  readonly trackFile?: string;
  readonly dynamic: boolean;
  readonly weight?: number;
  readonly weightReverse: boolean;
}
export interface BfdChecker extends CheckerCommon {
  readonly type: 'BFD_CHECK';
  readonly name?: string;
}
export type Checker =
  | HttpChecker
  | TcpChecker
  | SmtpChecker
  | MiscChecker
  | DnsChecker
  | UdpChecker
  | PingChecker
  | FileChecker
  | BfdChecker;

export type LvsMethod = 'NAT' | 'DR' | 'TUN';
/** IPVS tunnel encapsulation (keepalived 2.2.7 `lvs_method TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`). */
export type LvsTunnelType = 'ipip' | 'gue' | 'gre';
export type LvsTunnelChecksum = 'nocsum' | 'csum' | 'remcsum';
export interface LvsTunnel {
  readonly type: LvsTunnelType;
  /** gue only (required there): the real server's GUE UDP port. */
  readonly port?: number;
  readonly checksum: LvsTunnelChecksum;
}
export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export const LVS_SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'sh',
  'mh',
  'dh',
  'fo',
  'ovf',
  'lblcr',
  'sed',
  'nq',
  'twos',
] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];

/** Options shared by virtual and real servers that become checker defaults. */
export interface CheckerDefaults {
  readonly connectTimeoutMs?: number;
  readonly retry?: number;
  readonly delayBeforeRetryMs?: number;
  readonly warmupMs?: number;
  readonly delayLoopMs?: number;
  readonly inhibitOnFailure?: boolean;
  readonly alpha?: boolean;
  readonly smtpAlert?: boolean;
  readonly virtualhost?: string;
}

export interface RealServer extends Located, CheckerDefaults {
  readonly kind: 'real_server';
  readonly address: string;
  readonly family: AddressFamily;
  readonly port?: number;
  readonly weight: number;
  readonly lvsMethod?: LvsMethod;
  /** Tunnel options written with lvs_method (default the virtual server's). */
  readonly tunnel?: LvsTunnel;
  readonly notifyUp?: ScriptSpec;
  readonly notifyDown?: ScriptSpec;
  readonly uthreshold?: number;
  readonly lthreshold?: number;
  readonly checkers: Checker[];
}

export type VirtualServerAddress =
  | { readonly kind: 'ip'; readonly address: string; readonly family: AddressFamily; readonly port?: number }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

export interface VirtualServer extends Located, CheckerDefaults {
  readonly kind: 'virtual_server';
  readonly address: VirtualServerAddress;
  readonly lvsSched: LvsScheduler;
  readonly lvsMethod: LvsMethod;
  /** Tunnel options written with lvs_method/lb_kind; absent = ipip. */
  readonly tunnel?: LvsTunnel;
  readonly protocol: LvsProtocol;
  readonly persistenceTimeoutS?: number;
  readonly persistenceGranularity?: string;
  readonly persistenceEngine?: string;
  /** IPVS service flags as written: flag-1..3, sh-/mh-port, sh-/mh-fallback, ops (one-packet scheduling). */
  readonly flag1?: boolean;
  readonly flag2?: boolean;
  readonly flag3?: boolean;
  readonly shPort?: boolean;
  readonly shFallback?: boolean;
  readonly mhPort?: boolean;
  readonly mhFallback?: boolean;
  readonly ops?: boolean;
  readonly haSuspend: boolean;
  readonly omega: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
  readonly ipFamily?: 'inet' | 'inet6';
  readonly sorryServer?: { readonly address: string; readonly port?: number; readonly pos: SourcePos };
  readonly sorryServerInhibit: boolean;
  /** The sorry server's forwarding method; default the virtual server's lvs_method. */
  readonly sorryServerLvsMethod?: LvsMethod;
  /** Tunnel options written with sorry_server_lvs_method. */
  readonly sorryServerTunnel?: LvsTunnel;
  readonly realServers: RealServer[];
  readonly unimplemented: Record<string, string[]>;
}

export interface VirtualServerGroup extends Located {
  readonly kind: 'virtual_server_group';
  readonly name: string;
  /** Members as written: `IP [PORT]`, `IP-RANGE PORT` or `fwmark N`. */
  readonly members: { readonly words: string[]; readonly pos: SourcePos }[];
}

/** A block vigil reads but does not model in detail yet (bfd_instance, garp_group...). */
export interface OpaqueBlock extends Located {
  readonly keyword: string;
  readonly args: string[];
}

export interface SslOptions extends Located {
  readonly password?: string;
  readonly ca?: string;
  readonly certificate?: string;
  readonly key?: string;
}

export interface KeepalivedConfig {
  readonly globalDefs: GlobalDefs;
  readonly staticIpaddress: IpAddressSpec[];
  readonly staticRoutes: RouteSpec[];
  readonly staticRules: RuleSpec[];
  readonly vrrpScripts: VrrpScript[];
  readonly trackFiles: TrackFile[];
  readonly trackProcesses: TrackProcess[];
  readonly syncGroups: SyncGroup[];
  readonly instances: VrrpInstance[];
  readonly virtualServerGroups: VirtualServerGroup[];
  readonly virtualServers: VirtualServer[];
  /** The `SSL { }` block (client certificate for SSL_GET), when present. */
  readonly ssl?: SslOptions;
  /** Top-level blocks accepted but not implemented (bfd_instance, garp_group, track_group...). */
  readonly opaque: OpaqueBlock[];
  /** The names of the `bfd_instance` blocks (not implemented; kept for references). */
  readonly bfdInstances?: { readonly name: string; readonly pos: SourcePos }[];
  /** Interfaces named by linkbeat_interfaces / interface_up_down_delays (not implemented; checked to exist). */
  readonly opaqueInterfaces?: { readonly name: string; readonly block: string; readonly pos: SourcePos }[];
}
