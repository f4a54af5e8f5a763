/**
 * From the config model to what the health-check life cycle runs (pure): keepalived's
 * check_data.c validate_check_config resolution, summed up in shared/specs/checkers.md section 1.
 *
 * - checker options inherit checker -> real_server -> virtual_server -> the checker type's default
 *   (the module's `defaults` where a module exists, keepalived's table otherwise);
 * - the connect target is connect_ip/connect_port else the real server's address and its port
 *   *as written* (checkers.md G1: a real server without a port makes its checkers target port 0);
 * - real-server ports follow the virtual server's (NAT keeps its own), fwmark services have none;
 *   duplicate real servers are dropped; quorum is lowered to the weight sum and hysteresis below it;
 * - virtual_server_group members are expanded into one kernel service each.
 */
import type {
  Checker,
  CheckerCommon,
  CheckerType,
  KeepalivedConfig,
  LvsMethod,
  LvsProtocol,
  LvsScheduler,
  LvsTunnel,
  RealServer,
  ScriptSpec,
  SslOptions,
  VirtualServer,
  VirtualServerGroup,
} from '../config/model.js';
import {
  canonicalAddress,
  formatIpv4,
  formatIpv6,
  type IpFamily,
  parseIpv4,
  parseIpv6,
} from '../net/addr.js';
import type { CheckerContext, CheckerModule, ConnectTarget } from './types.js';

/** One kernel service a virtual_server stands for (a group stands for several). */
export interface ServiceAddress {
  readonly family: IpFamily;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
}

export interface CheckerPlan {
  readonly type: CheckerType;
  readonly spec: Checker;
  readonly target: ConnectTarget;
  readonly connectTimeoutMs: number;
  /** The limit given to one attempt: connect_timeout, for MISC_CHECK misc_timeout else the VS delay_loop. */
  readonly attemptTimeoutMs: number;
  readonly delayLoopMs: number;
  readonly retry: number;
  readonly delayBeforeRetryMs: number;
  readonly warmupMs: number;
  readonly alpha: boolean;
  readonly logAllFailures: boolean;
  /**
   * HTTP_GET/SSL_GET with at least one url: the url paths, walked one per attempt (checkers.md 2.3).
   * Absent: one attempt is the whole check.
   */
  readonly urls?: readonly string[];
  /** HTTP_GET/SSL_GET fast_recovery: while down with no failed url, the next url at once. */
  readonly fastRecovery?: boolean;
  /** Type + type-specific settings: a reloaded checker with the same key keeps its state. */
  readonly compareKey: string;
  /** What the checker's module gets beyond its own block (CheckerEnv). */
  readonly context: CheckerContext;
}

export interface RealServerPlan {
  /** `address port` (keepalived rs_iseq): identity across reloads. */
  readonly key: string;
  /** keepalived FMT_RS: `[198.51.100.1]:tcp:80`. */
  readonly name: string;
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly method: LvsMethod;
  /** TUN only: the encapsulation (absent = ipip). */
  readonly tunnel?: LvsTunnel;
  readonly inhibit: boolean;
  readonly smtpAlert: boolean;
  /** uthreshold / lthreshold: IPVS connection limits (0 = none). */
  readonly uThreshold?: number;
  readonly lThreshold?: number;
  readonly notifyUp?: ScriptSpec;
  readonly notifyDown?: ScriptSpec;
  readonly checkers: readonly CheckerPlan[];
}

export interface SorryServerPlan {
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly method: LvsMethod;
  /** TUN only: the encapsulation (absent = ipip). */
  readonly tunnel?: LvsTunnel;
  readonly inhibit: boolean;
}

export interface VirtualServerPlan {
  /** keepalived vs_iseq: group name + index, family + fwmark, or protocol + address + port. */
  readonly key: string;
  /** keepalived FMT_VS. */
  readonly name: string;
  /** For status: the address as configured (group name for a group). */
  readonly display: {
    readonly address: string;
    readonly port: number | null;
    readonly protocol: string;
    readonly fwmark: number | null;
  };
  readonly group?: string;
  readonly services: readonly ServiceAddress[];
  readonly protocol?: LvsProtocol;
  readonly scheduler: LvsScheduler;
  readonly persistenceTimeoutS?: number;
  readonly persistenceGranularity?: string;
  readonly persistenceEngine?: string;
  /** Scheduler flags: bit 0 flag-1 (sh/mh-fallback), bit 1 flag-2 (sh/mh-port), bit 2 flag-3. */
  readonly schedFlags?: number;
  /** ops: one-packet scheduling (UDP and fwmark services only). */
  readonly onePacket?: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
  readonly sorry?: SorryServerPlan;
  readonly omega: boolean;
  readonly haSuspend: boolean;
  readonly smtpAlert: boolean;
  readonly realServers: readonly RealServerPlan[];
}

export interface CheckPlan {
  readonly virtualServers: readonly VirtualServerPlan[];
  /** router_id for mail subjects (keepalived defaults it to the host name). */
  readonly routerId: string;
  /** global no_checker_emails: a checker verdict is mailed only when its real server changed. */
  readonly noCheckerEmails: boolean;
  /** global rs_init_notifies: real servers in service from the start notify up. */
  readonly rsInitNotifies: boolean;
  /** Things keepalived corrects or warns about at load, as log lines. */
  readonly warnings: readonly string[];
  /** global lvs_flush / lvs_flush_on_stop, as the LVS drivers read them (src/lvs/select.ts). */
  readonly lvsFlush?: boolean;
  readonly lvsFlushOnStop?: boolean;
}

/**
 * keepalived's lbflags_handler and validate: flag-N always count; sh-port/sh-fallback only with the sh
 * scheduler and mh-port/mh-fallback only with mh (else ignored, with keepalived's message); ops only
 * on UDP or fwmark services (reset otherwise). keepalived reads these in file order, so `sh-port`
 * written before `lb_algo sh` is ignored there; vigil takes the final scheduler.
 */
function serviceFlags(
  vs: VirtualServer,
  name: string,
  udpOrFwmark: boolean,
  warnings: string[],
): { schedFlags?: number; onePacket?: true } {
  let flags = (vs.flag1 ? 1 : 0) | (vs.flag2 ? 2 : 0) | (vs.flag3 ? 4 : 0);
  const scheduled: [boolean | undefined, string, 'sh' | 'mh', number][] = [
    [vs.shFallback, 'sh-fallback', 'sh', 1],
    [vs.shPort, 'sh-port', 'sh', 2],
    [vs.mhFallback, 'mh-fallback', 'mh', 1],
    [vs.mhPort, 'mh-port', 'mh', 2],
  ];
  for (const [set, keyword, scheduler, bit] of scheduled) {
    if (!set) continue;
    if (vs.lvsSched === scheduler) flags |= bit;
    else if (vs.lvsSched !== 'sh' && vs.lvsSched !== 'mh')
      warnings.push(`${keyword} only applies to sh scheduler - ignoring`);
  }
  let onePacket = vs.ops === true;
  if (onePacket && !udpOrFwmark) {
    warnings.push(`Virtual server ${name}: one packet scheduling requires UDP - resetting`);
    onePacket = false;
  }
  return { ...(flags !== 0 ? { schedFlags: flags } : {}), ...(onePacket ? { onePacket: true } : {}) };
}

/** keepalived's per-type retry and delay_before_retry defaults (checkers.md section 1). */
export const KEEPALIVED_DEFAULTS: Record<CheckerType, CheckerModule['defaults']> = {
  HTTP_GET: { retry: 1, delayBeforeRetryMs: 3000 },
  SSL_GET: { retry: 1, delayBeforeRetryMs: 3000 },
  TCP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  SMTP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  MISC_CHECK: { retry: 0, delayBeforeRetryMs: 1000 },
  DNS_CHECK: { retry: 3 },
  UDP_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  PING_CHECK: { retry: 1, delayBeforeRetryMs: 1000 },
  FILE_CHECK: { retry: 0, delayBeforeRetryMs: 1000 },
  BFD_CHECK: { retry: 0, delayBeforeRetryMs: 1000 },
};

const DEFAULT_DELAY_LOOP_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const fam = (f: 4 | 6): IpFamily => (f === 4 ? 'ipv4' : 'ipv6');
const protoWord = (p: LvsProtocol | undefined) => (p === undefined ? 'none' : p.toLowerCase());

/** keepalived inet_sockaddrtotrio: `[addr]:proto:port`. */
export function formatTrio(address: string, protocol: LvsProtocol | undefined, port: number): string {
  return `[${address}]:${protoWord(protocol)}:${port}`;
}

/** Resolves one checker's options (checkers.md section 1, G1). */
export function resolveChecker(
  vs: VirtualServer,
  rs: RealServer,
  c: Checker,
  defaults: CheckerModule['defaults'],
  globalLogAllFailures = false,
  globals: Omit<
    CheckerContext,
    'vsDelayLoopMs' | 'realServerWeight' | 'realServerVirtualhost' | 'virtualServerVirtualhost'
  > = {},
): CheckerPlan {
  const delayLoopMs = c.delayLoopMs ?? rs.delayLoopMs ?? vs.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  const connectTimeoutMs =
    c.connectTimeoutMs ?? rs.connectTimeoutMs ?? vs.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const address = c.connectIp ?? rs.address;
  const family = canonicalAddress(address)?.family ?? fam(rs.family);
  const target: ConnectTarget = {
    family,
    address,
    // G1: the port as written on the real server, not the one validation gives it later.
    port: c.connectPort ?? rs.port ?? 0,
    ...(c.bindto !== undefined ? { bindto: c.bindto } : {}),
    ...(c.bindPort !== undefined ? { bindPort: c.bindPort } : {}),
    ...(c.bindIf !== undefined ? { bindIf: c.bindIf } : {}),
    ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
  };
  const { pos: _p, keyPos: _k, ...settings } = c as Checker & { pos: unknown; keyPos: unknown };
  return {
    type: c.type,
    spec: c,
    target,
    connectTimeoutMs,
    attemptTimeoutMs:
      c.type === 'MISC_CHECK'
        ? (c.miscTimeoutMs ?? vs.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS)
        : connectTimeoutMs,
    delayLoopMs,
    retry: c.retry ?? rs.retry ?? vs.retry ?? defaults.retry,
    delayBeforeRetryMs:
      c.delayBeforeRetryMs ??
      rs.delayBeforeRetryMs ??
      vs.delayBeforeRetryMs ??
      defaults.delayBeforeRetryMs ??
      delayLoopMs,
    warmupMs: c.warmupMs ?? rs.warmupMs ?? vs.warmupMs ?? delayLoopMs,
    alpha: c.alpha ?? rs.alpha ?? vs.alpha ?? false,
    logAllFailures: (c.logAllFailures ?? false) || globalLogAllFailures,
    ...httpWalk(c),
    compareKey: JSON.stringify(stripPositions(settings)),
    context: {
      ...globals,
      vsDelayLoopMs: vs.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS,
      realServerWeight: rs.weight,
      ...(rs.virtualhost !== undefined ? { realServerVirtualhost: rs.virtualhost } : {}),
      ...(vs.virtualhost !== undefined ? { virtualServerVirtualhost: vs.virtualhost } : {}),
    },
  };
}

const CONNECTION_KEYS = [
  'connectIp',
  'connectPort',
  'bindto',
  'bindPort',
  'bindIf',
  'fwmark',
  'connectTimeoutMs',
] as const satisfies readonly (keyof CheckerCommon)[];

/**
 * SMTP_CHECK `host { }` sub-blocks (deprecated; keepalived 2.2.7 check_smtp.c smtp_check_end_handler):
 * each host is a checker of its own with the SMTP_CHECK's other settings and the host's connection
 * options. The SMTP_CHECK itself stays a checker (of the real server) when it sets a connection
 * option of its own; otherwise its first host takes its place. A host's timing keywords (retry,
 * delay_loop...) are the checker's in keepalived, so they apply to every copy. A host without
 * connect_timeout takes the real server's, else the virtual server's (keepalived leaves it 0).
 */
function smtpHostCheckers(warnings: string[]): (c: Checker) => Checker[] {
  return (c) => {
    if (c.type !== 'SMTP_CHECK' || c.hosts.length === 0) return [c];
    warnings.push('The SMTP_CHECK host block is deprecated. Please define additional checkers.');
    const base: Record<string, unknown> = { ...c, hosts: [] };
    for (const k of CONNECTION_KEYS) delete base[k];
    for (const h of c.hosts)
      for (const [k, v] of Object.entries(h))
        if (
          v !== undefined &&
          k !== 'pos' &&
          k !== 'keyPos' &&
          !(CONNECTION_KEYS as readonly string[]).includes(k)
        )
          base[k] = v;
    const copy = (h: CheckerCommon): Checker => {
      const out: Record<string, unknown> = { ...base };
      for (const k of CONNECTION_KEYS) if (h[k] !== undefined) out[k] = h[k];
      return out as unknown as Checker;
    };
    const own = CONNECTION_KEYS.some((k) => c[k] !== undefined);
    return [...(own ? [copy(c)] : []), ...c.hosts.map(copy)];
  };
}

/** HTTP_GET/SSL_GET: the urls the life cycle walks (those with a path, as keepalived keeps them). */
function httpWalk(c: Checker): Pick<CheckerPlan, 'urls' | 'fastRecovery'> {
  if (c.type !== 'HTTP_GET' && c.type !== 'SSL_GET') return {};
  const urls = c.url.flatMap((u) => (u.path !== undefined ? [u.path] : []));
  return urls.length > 0 ? { urls, fastRecovery: c.fastRecovery ?? false } : {};
}

/** The global SSL block as plain data (no positions), for SSL_GET's client certificate. */
function sslFiles(s: SslOptions): NonNullable<CheckerContext['ssl']> {
  return {
    ...(s.certificate !== undefined ? { certificate: s.certificate } : {}),
    ...(s.key !== undefined ? { key: s.key } : {}),
    ...(s.ca !== undefined ? { ca: s.ca } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
  };
}

function stripPositions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripPositions);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'pos' && k !== 'keyPos') out[k] = stripPositions(x);
  return out;
}

/** A virtual_server_group member expanded into services; undefined when it does not parse. */
export function expandGroupMember(words: readonly string[], limit = 4096): ServiceAddress[] | undefined {
  const [first = '', second, third] = words;
  if (first === 'fwmark') {
    const mark = Number(second);
    if (!Number.isInteger(mark) || mark < 0) return undefined;
    return [{ family: third === 'inet6' ? 'ipv6' : 'ipv4', fwmark: mark }];
  }
  const port = second !== undefined && /^\d+$/.test(second) ? Number(second) : 0;
  const [addrText = '', rangeEnd] = first.split('-');
  const [base = '', lenText] = addrText.split('/');
  const v4 = parseIpv4(base);
  const bytes = v4 ?? parseIpv6(base);
  if (bytes === undefined) return undefined;
  const family: IpFamily = v4 ? 'ipv4' : 'ipv6';
  const format = (b: Uint8Array) => (family === 'ipv4' ? formatIpv4(b) : formatIpv6(b));
  const out: ServiceAddress[] = [];
  const push = (b: Uint8Array) => out.push({ family, address: format(b), port });
  if (lenText !== undefined) {
    const bits = bytes.length * 8;
    const len = Number(lenText);
    if (!Number.isInteger(len) || len < 1 || len > bits) return undefined;
    const count = 2 ** Math.min(bits - len, 31);
    for (let i = 0; i < Math.min(count, limit); i++) push(addOffset(bytes, i));
    return out;
  }
  if (rangeEnd === undefined) {
    push(bytes);
    return out;
  }
  // IPv4: the last octet; IPv6: the last group (keepalived inet_stor); a full address is also accepted.
  const full = family === 'ipv4' ? parseIpv4(rangeEnd) : parseIpv6(rangeEnd);
  const start = family === 'ipv4' ? bytes[3]! : bytes[14]! * 256 + bytes[15]!;
  const end = full
    ? start + Number(toBig(full) - toBig(bytes))
    : family === 'ipv4'
      ? Number(rangeEnd)
      : Number.parseInt(rangeEnd, 16);
  if (!Number.isInteger(end) || end < start) return undefined;
  for (let i = 0; i <= Math.min(end - start, limit - 1); i++) push(addOffset(bytes, i));
  return out;
}

function toBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function addOffset(b: Uint8Array, offset: number): Uint8Array {
  let n = toBig(b) + BigInt(offset);
  const out = new Uint8Array(b.length);
  for (let i = b.length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function groupServices(g: VirtualServerGroup | undefined): ServiceAddress[] {
  const out: ServiceAddress[] = [];
  for (const m of g?.members ?? []) out.push(...(expandGroupMember(m.words) ?? []));
  return out;
}

export interface PlanOptions {
  /** The module's defaults for a type, when a module exists. */
  readonly defaultsFor?: (type: CheckerType) => CheckerModule['defaults'] | undefined;
  readonly hostname?: string;
}

/** The whole health-check plan of a config. */
export function planChecks(model: KeepalivedConfig, opts: PlanOptions = {}): CheckPlan {
  const warnings: string[] = [];
  const g = model.globalDefs;
  const globalLogAll = g.checkerLogAllFailures ?? false;
  const checkerGlobals = {
    enableScriptSecurity: g.enableScriptSecurity,
    ...(g.scriptUser !== undefined ? { scriptUser: g.scriptUser } : {}),
    ...(g.scriptGroup !== undefined ? { scriptGroup: g.scriptGroup } : {}),
    trackFiles: model.trackFiles,
    ...(model.ssl !== undefined ? { ssl: sslFiles(model.ssl) } : {}),
  };
  // smtp_alert_checker, else smtp_alert (keepalived validate_check_config).
  const smtpAlert = g.smtpAlertChecker ?? g.smtpAlert;
  const groupIndex = new Map<string, number>();
  const vss: VirtualServerPlan[] = [];
  for (const vs of model.virtualServers) {
    if (vs.realServers.length === 0) continue;
    const a = vs.address;
    let services: ServiceAddress[];
    let name: string;
    let key: string;
    let protocol: LvsProtocol | undefined = vs.protocol;
    let vsPort = 0;
    let display: VirtualServerPlan['display'];
    let group: string | undefined;
    if (a.kind === 'ip') {
      vsPort = a.port ?? 0;
      services = [{ family: fam(a.family), address: a.address, port: vsPort }];
      name = formatTrio(a.address, protocol, vsPort);
      key = `ip ${protocol} ${canonicalAddress(a.address)?.address ?? a.address} ${vsPort}`;
      display = { address: a.address, port: vsPort, protocol: protocol ?? 'none', fwmark: null };
    } else if (a.kind === 'fwmark') {
      protocol = undefined;
      const family: IpFamily = vs.ipFamily === 'inet6' ? 'ipv6' : 'ipv4';
      services = [{ family, fwmark: a.fwmark }];
      name = `FWM ${a.fwmark}`;
      key = `fwmark ${family} ${a.fwmark}`;
      display = { address: '', port: null, protocol: 'none', fwmark: a.fwmark };
    } else {
      const index = groupIndex.get(a.group) ?? 0;
      groupIndex.set(a.group, index + 1);
      group = a.group;
      services = groupServices(model.virtualServerGroups.find((x) => x.name === a.group));
      if (services.every((s) => s.fwmark !== undefined)) protocol = undefined;
      name = `[${a.group}]:${index}`;
      key = `group ${a.group} ${index}`;
      display = { address: a.group, port: null, protocol: protocol ?? 'none', fwmark: null };
    }
    const isFwmark = a.kind === 'fwmark';
    const rss: RealServerPlan[] = [];
    for (const rs of vs.realServers) {
      const method = rs.lvsMethod ?? vs.lvsMethod;
      // keepalived 2.2.7 alloc_rs copies the virtual server's tunnel; the real server's lvs_method overrides it.
      const tunnel = method === 'TUN' ? (rs.tunnel ?? vs.tunnel) : undefined;
      // keepalived: fwmark -> port 0 (NAT keeps its own); otherwise the VS port unless NAT gave one.
      let port = rs.port ?? 0;
      if (isFwmark) {
        if (method !== 'NAT') port = 0;
      } else if (a.kind === 'ip' && (port === 0 || method !== 'NAT')) port = vsPort;
      const rsKey = `${canonicalAddress(rs.address)?.address ?? rs.address} ${port}`;
      const rsName = formatTrio(rs.address, protocol, port);
      if (rss.some((x) => x.key === rsKey)) {
        warnings.push(`VS ${name}: real server ${rsName} is duplicated - removing second rs`);
        continue;
      }
      const checkers = rs.checkers.flatMap(smtpHostCheckers(warnings)).map((c) => {
        const cp = resolveChecker(
          vs,
          rs,
          c,
          opts.defaultsFor?.(c.type) ?? KEEPALIVED_DEFAULTS[c.type],
          globalLogAll,
          checkerGlobals,
        );
        if (
          cp.target.port === 0 &&
          c.type !== 'MISC_CHECK' &&
          c.type !== 'PING_CHECK' &&
          c.type !== 'FILE_CHECK' &&
          c.type !== 'BFD_CHECK'
        )
          warnings.push(
            `${c.type} of real server ${rsName} in VS ${name} targets port 0: keepalived takes the real server's port as written; add connect_port`,
          );
        return cp;
      });
      rss.push({
        key: rsKey,
        name: rsName,
        family: fam(rs.family),
        address: rs.address,
        port,
        weight: rs.weight,
        method,
        ...(tunnel !== undefined ? { tunnel } : {}),
        inhibit: rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false,
        smtpAlert: rs.smtpAlert ?? smtpAlert ?? true,
        ...(rs.uthreshold ? { uThreshold: rs.uthreshold } : {}),
        ...(rs.lthreshold ? { lThreshold: rs.lthreshold } : {}),
        ...(rs.notifyUp ? { notifyUp: rs.notifyUp } : {}),
        ...(rs.notifyDown ? { notifyDown: rs.notifyDown } : {}),
        checkers,
      });
    }
    const weightSum = rss.reduce((n, r) => n + r.weight, 0);
    const quorum = Math.min(vs.quorum, weightSum);
    const hysteresis = vs.hysteresis >= quorum ? Math.max(quorum - 1, 0) : vs.hysteresis;
    let sorry: SorryServerPlan | undefined;
    if (vs.sorryServer !== undefined) {
      const s = vs.sorryServer;
      const method = vs.sorryServerLvsMethod ?? vs.lvsMethod;
      const tunnel = method === 'TUN' ? (vs.sorryServerTunnel ?? vs.tunnel) : undefined;
      let port = s.port ?? 0;
      if (isFwmark) {
        if (method !== 'NAT') port = 0;
      } else if (a.kind === 'ip' && (port === 0 || method !== 'NAT')) port = vsPort;
      const same = rss.find((r) => r.key === `${canonicalAddress(s.address)?.address ?? s.address} ${port}`);
      sorry = {
        family: canonicalAddress(s.address)?.family ?? 'ipv4',
        address: s.address,
        port,
        name: formatTrio(s.address, protocol, port),
        method,
        ...(tunnel !== undefined ? { tunnel } : {}),
        inhibit: same !== undefined ? same.inhibit : vs.sorryServerInhibit,
      };
    }
    vss.push({
      key,
      name,
      display,
      ...(group !== undefined ? { group } : {}),
      services,
      ...(protocol !== undefined ? { protocol } : {}),
      scheduler: vs.lvsSched,
      // keepalived: port 0 without persistence gets 360 s.
      ...(vs.persistenceTimeoutS !== undefined || (a.kind === 'ip' && vsPort === 0)
        ? { persistenceTimeoutS: vs.persistenceTimeoutS ?? 360 }
        : {}),
      ...(vs.persistenceGranularity !== undefined
        ? { persistenceGranularity: vs.persistenceGranularity }
        : {}),
      ...(vs.persistenceEngine !== undefined ? { persistenceEngine: vs.persistenceEngine } : {}),
      ...serviceFlags(
        vs,
        name,
        a.kind === 'fwmark' || protocol === undefined || protocol === 'UDP',
        warnings,
      ),
      quorum,
      hysteresis,
      ...(vs.quorumUp ? { quorumUp: vs.quorumUp } : {}),
      ...(vs.quorumDown ? { quorumDown: vs.quorumDown } : {}),
      ...(sorry ? { sorry } : {}),
      omega: vs.omega,
      haSuspend: vs.haSuspend && a.kind !== 'fwmark',
      smtpAlert: vs.smtpAlert ?? smtpAlert ?? false,
      realServers: rss,
    });
  }
  return {
    virtualServers: vss,
    routerId: g.routerId ?? opts.hostname ?? 'localhost',
    noCheckerEmails: g.noCheckerEmails ?? false,
    rsInitNotifies: g.rsInitNotifies ?? false,
    warnings,
    ...(g.lvsFlush ? { lvsFlush: true } : {}),
    ...(g.lvsFlushOnStop !== undefined && g.lvsFlushOnStop !== false ? { lvsFlushOnStop: true } : {}),
  };
}
