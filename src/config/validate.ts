/**
 * Cross-block rules of keepalived 2.2.7 (what `keepalived -t` checks after parsing):
 * instance consistency, vrrp_strict restrictions, address families, references between blocks,
 * duplicate names, interfaces present on the host, script existence and script security.
 *
 * Pure: facts about the host (interfaces, files, users) are injected through HostFacts.
 * keepalived reports most of these as "config errors" even when it then carries on with a
 * corrected value ("...- clearing", "...- ignoring"); `keepalived -t` exits 5 for all of them,
 * so vigil reports them as errors too.
 */
import type { DiagnosticSink, RelatedInfo, SourcePos } from './diagnostics.js';
import type {
  AddressFamily,
  KeepalivedConfig,
  ScriptSpec,
  SyncGroup,
  TrackRef,
  VirtualServer,
  VrrpInstance,
} from './model.js';

export interface FileInfo {
  readonly isFile: boolean;
  /** Permission bits (e.g. 0o755). */
  readonly mode: number;
  readonly uid: number;
}

/** What the validator may know about the host; the CLI builds it from /sys/class/net and fs.statSync. */
export interface HostFacts {
  /** Network interface names present (the contents of /sys/class/net). */
  readonly interfaces: readonly string[];
  /** stat() of a path, or undefined if it does not exist or cannot be read. */
  readonly inspectFile: (path: string) => FileInfo | undefined;
  /** Whether a local user exists (for the default script user keepalived_script). */
  readonly userExists: (name: string) => boolean;
  /** Whether vigil runs as root (scripts then run as root unless a script user is set). */
  readonly isRoot: boolean;
  /** Directories searched for a script given without a path (keepalived uses PATH). */
  readonly searchPath?: readonly string[];
}

/** A host that has every interface and file: checks only the config itself. */
export const PERMISSIVE_HOST: HostFacts = {
  interfaces: [],
  inspectFile: () => ({ isFile: true, mode: 0o755, uid: 0 }),
  userExists: () => true,
  isRoot: false,
};

export interface ValidateOptions {
  /** Skip host-dependent checks (interfaces, script files, security). */
  readonly hostChecks?: boolean;
}

const DEFAULT_SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function firstOf<T extends { name: string; pos: SourcePos }>(
  items: readonly T[],
  what: string,
  sink: DiagnosticSink,
  severity: 'error' | 'warning',
): void {
  const seen = new Map<string, T>();
  for (const it of items) {
    const prev = seen.get(it.name);
    if (prev === undefined) {
      seen.set(it.name, it);
      continue;
    }
    const related: RelatedInfo[] = [{ pos: prev.pos, message: `first definition of ${what} '${it.name}'` }];
    const msg = `${what} '${it.name}' is already defined (line ${prev.pos.line})`;
    if (severity === 'error') sink.error(it.pos, msg, { code: 'duplicate-name', related });
    else sink.warning(it.pos, `${msg}; this definition replaces it`, { code: 'duplicate-name', related });
  }
}

function instanceFamily(i: VrrpInstance): AddressFamily | undefined {
  return i.virtualIpaddress[0]?.family ?? (i.unicastSrcIp?.includes(':') ? 6 : undefined);
}

function checkInstance(i: VrrpInstance, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const at = (field: string): SourcePos => i.keyPos[field] ?? i.pos;
  const name = `(${i.name})`;
  const g = cfg.globalDefs;
  if (i.virtualRouterId === undefined) {
    sink.error(i.pos, `${name} virtual_router_id must be set (1..255)`, { code: 'missing-vrid' });
  }
  // Advert interval limits: VRRPv2 counts whole seconds (RFC 3768 5.3.7), VRRPv3 centiseconds up to
  // 40.95 s (RFC 5798 5.2.7).
  if (i.version === 2 && i.advertIntMs % 1000 !== 0) {
    sink.error(
      at('advertIntMs'),
      `${name} VRRPv2 advert_int must be a whole number of seconds (got ${i.advertIntMs / 1000}); use version 3 for sub-second adverts`,
      { code: 'advert-int' },
    );
  }
  if (i.version === 3 && i.advertIntMs > 40950) {
    sink.error(
      at('advertIntMs'),
      `${name} VRRPv3 advert_int ${i.advertIntMs / 1000}s is out of range: it must be less than 40.96s`,
      { code: 'advert-int' },
    );
  }
  // keepalived 2.2.7 vrrp_complete_instance: these are reported and corrected, and -t exits 5.
  if (i.nopreempt && i.priority === 255) {
    sink.error(
      at('nopreempt'),
      `${name} nopreempt is incompatible with priority 255 (the address owner always preempts)`,
      { code: 'nopreempt-owner' },
    );
  } else if (i.nopreempt && i.state === 'MASTER') {
    sink.error(
      at('nopreempt'),
      `${name} nopreempt will not work with initial state MASTER: use state BACKUP`,
      { code: 'nopreempt-master' },
    );
  }
  if (i.preemptDelayMs > 0 && i.state === 'MASTER') {
    sink.error(
      at('preemptDelayMs'),
      `${name} preempt_delay will not work with initial state MASTER: use state BACKUP`,
      { code: 'preempt-delay-master' },
    );
  }
  const strict = i.strictMode ?? g.vrrpStrict;
  const auth = i.authentication;
  if (auth !== undefined) {
    const apos = at('authentication');
    if (strict)
      sink.error(apos, `${name} vrrp_strict does not allow authentication (RFC 5798 removed it)`, {
        code: 'strict-auth',
      });
    else if (i.version === 3)
      sink.error(apos, `${name} VRRPv3 has no authentication: remove the authentication block`, {
        code: 'v3-auth',
      });
    if (auth.type === undefined)
      sink.error(apos, `${name} authentication needs auth_type PASS or AH`, { code: 'auth-type' });
    if (auth.type === 'AH' && i.state === 'MASTER') {
      sink.error(apos, `${name} initial state MASTER is incompatible with AH authentication`, {
        code: 'ah-master',
      });
    }
    if (auth.pass !== undefined && Buffer.byteLength(auth.pass) > 8) {
      sink.error(
        apos,
        `${name} auth_pass is longer than 8 characters (keepalived truncates it; peers would disagree)`,
        { code: 'auth-pass-length' },
      );
    }
  }
  if (strict && i.state === 'MASTER' && i.priority !== 255) {
    sink.error(at('state'), `${name} vrrp_strict: state MASTER requires priority 255 (the address owner)`, {
      code: 'strict-master',
    });
  }
  if (i.virtualIpaddress.length === 0) {
    sink.error(i.pos, `${name} no virtual_ipaddress specified; at least one is needed`, { code: 'no-vip' });
  }
  if (i.version === 2 && i.virtualIpaddress.length > 20) {
    sink.warning(
      at('virtualIpaddress'),
      `${name} ${i.virtualIpaddress.length} VIPs: only the first 20 fit in a VRRPv2 advert`,
      { code: 'vip-count' },
    );
  }
  // Every VIP of an instance has the instance's family; excluded addresses may be of either.
  const fam = instanceFamily(i);
  for (const v of i.virtualIpaddress) {
    if (v.family !== fam) {
      sink.error(
        v.pos,
        `${name} address family of ${v.address} does not match the instance (IPv${fam}); put it in virtual_ipaddress_excluded`,
        { code: 'vip-family' },
      );
    }
  }
  for (const p of i.unicastPeer) {
    if (fam !== undefined && p.family !== fam) {
      sink.error(
        p.pos,
        `${name} unicast peer ${p.address} must be of the instance's address family (IPv${fam})`,
        { code: 'peer-family' },
      );
    }
  }
  const checkRefs = (refs: readonly TrackRef[], defined: readonly { name: string }[], what: string): void => {
    for (const r of refs) {
      if (!defined.some((d) => d.name === r.name)) {
        sink.error(r.pos, `${name} ${what} '${r.name}' is not defined`, { code: 'undefined-reference' });
      }
    }
  };
  checkRefs(
    i.trackScript,
    cfg.vrrpScripts.filter((s) => s.script !== undefined),
    'track script',
  );
  checkRefs(i.trackFile, cfg.trackFiles, 'track file');
  checkRefs(i.trackProcess, cfg.trackProcesses, 'track process');
}

function checkSyncGroup(sg: SyncGroup, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  if (sg.group.length === 0) {
    sink.error(sg.pos, `vrrp_sync_group ${sg.name} has no members: add group { INSTANCE... }`, {
      code: 'empty-sync-group',
    });
  }
  for (const m of sg.group) {
    if (!cfg.instances.some((i) => i.name === m.name)) {
      sink.error(m.pos, `vrrp_sync_group ${sg.name}: vrrp_instance '${m.name}' is not defined`, {
        code: 'undefined-reference',
      });
    }
  }
  for (const r of sg.trackScript) {
    if (!cfg.vrrpScripts.some((s) => s.name === r.name)) {
      sink.error(r.pos, `vrrp_sync_group ${sg.name}: track script '${r.name}' is not defined`, {
        code: 'undefined-reference',
      });
    }
  }
}

function vsKey(vs: VirtualServer): string {
  const a = vs.address;
  if (a.kind === 'ip') return `${a.address} ${a.port ?? ''} ${vs.protocol}`;
  if (a.kind === 'fwmark') return `fwmark ${a.fwmark}`;
  return `group ${a.group}`;
}

function checkVirtualServer(vs: VirtualServer, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  if (vs.address.kind === 'group') {
    const group = vs.address.group;
    if (!cfg.virtualServerGroups.some((g) => g.name === group)) {
      sink.error(vs.pos, `virtual_server group '${group}' is not defined by a virtual_server_group`, {
        code: 'undefined-reference',
      });
    }
  }
  if (vs.address.kind === 'fwmark' && vs.keyPos.protocol !== undefined) {
    // keepalived 2.2.7 reports this as a config error ("protocol will be ignored").
    sink.error(
      vs.keyPos.protocol,
      `virtual_server fwmark ${vs.address.fwmark}: protocol does not apply to a fwmark service; remove it`,
      { code: 'fwmark-protocol' },
    );
  }
  for (const rs of vs.realServers) {
    for (const c of rs.checkers) {
      if (c.type === 'MISC_CHECK' && c.miscPath === undefined) {
        sink.error(c.pos, 'MISC_CHECK needs misc_path', { code: 'missing-value' });
      }
      if ((c.type === 'HTTP_GET' || c.type === 'SSL_GET') && c.url.length === 0) {
        sink.warning(c.pos, `${c.type} has no url block: nothing will be checked`, { code: 'no-url' });
      }
    }
  }
}

/** Every script the config would run, with the keyword that configured it. */
function allScripts(cfg: KeepalivedConfig): { script: ScriptSpec; what: string; tracked: boolean }[] {
  const out: { script: ScriptSpec; what: string; tracked: boolean }[] = [];
  const notify = (o: Partial<Record<string, unknown>>, owner: string) => {
    for (const k of [
      'notifyMaster',
      'notifyBackup',
      'notifyFault',
      'notifyStop',
      'notify',
      'notifyMasterRxLowerPri',
      'notifyDeleted',
      'notifyUp',
      'notifyDown',
      'quorumUp',
      'quorumDown',
    ]) {
      const s = o[k] as ScriptSpec | undefined;
      if (s !== undefined) out.push({ script: s, what: `${owner} notify script`, tracked: false });
    }
  };
  for (const s of cfg.vrrpScripts) {
    if (s.script)
      out.push({
        script: { ...s.script, ...(s.user ? { user: s.user } : {}) },
        what: `vrrp_script ${s.name}`,
        tracked: true,
      });
  }
  for (const i of cfg.instances) notify(i as unknown as Record<string, unknown>, `vrrp_instance ${i.name}`);
  for (const g of cfg.syncGroups)
    notify(g as unknown as Record<string, unknown>, `vrrp_sync_group ${g.name}`);
  for (const vs of cfg.virtualServers) {
    notify(vs as unknown as Record<string, unknown>, 'virtual_server');
    for (const rs of vs.realServers) {
      notify(rs as unknown as Record<string, unknown>, 'real_server');
      for (const c of rs.checkers) {
        if (c.type === 'MISC_CHECK' && c.miscPath)
          out.push({
            script: { ...c.miscPath, ...(c.user ? { user: c.user } : {}) },
            what: 'MISC_CHECK misc_path',
            tracked: false,
          });
      }
    }
  }
  return out;
}

function resolveExecutable(
  cmd: string,
  host: HostFacts,
): { path: string; info: ReturnType<HostFacts['inspectFile']> } {
  if (cmd.includes('/')) return { path: cmd, info: host.inspectFile(cmd) };
  for (const dir of host.searchPath ?? DEFAULT_SEARCH_PATH) {
    const p = `${dir}/${cmd}`;
    const info = host.inspectFile(p);
    if (info !== undefined) return { path: p, info };
  }
  return { path: cmd, info: undefined };
}

function checkScripts(cfg: KeepalivedConfig, host: HostFacts, sink: DiagnosticSink): void {
  const scripts = allScripts(cfg);
  if (scripts.length === 0) return;
  const g = cfg.globalDefs;
  // keepalived: scripts run as script_user, else keepalived_script if that user exists, else root.
  const defaultUser =
    g.scriptUser ?? (host.userExists('keepalived_script') ? 'keepalived_script' : undefined);
  if (defaultUser === undefined && g.enableScriptSecurity) {
    sink.error(
      g.keyPos.enableScriptSecurity ?? g.pos,
      'enable_script_security is set but no script_user is configured and user keepalived_script does not exist: set script_user',
      { code: 'script-user' },
    );
  }
  let runsAsRoot = false;
  for (const { script, what, tracked } of scripts) {
    const exe = script.argv[0] ?? '';
    const { path, info } = resolveExecutable(exe, host);
    if (info === undefined || !info.isFile) {
      // keepalived -t: a missing track script is disabled (a config error); a missing notify script is not checked.
      if (tracked)
        sink.error(script.pos, `${what}: script '${exe}' not found or not accessible`, {
          code: 'script-not-found',
        });
      else sink.warning(script.pos, `${what}: script '${exe}' not found`, { code: 'script-not-found' });
      continue;
    }
    const user = script.user ?? defaultUser;
    const asRoot = host.isRoot && (user === undefined || user === 'root');
    if (asRoot) runsAsRoot = true;
    // A script root runs must not be writable by anyone else (keepalived check_script_secure).
    if (g.enableScriptSecurity && asRoot && (info.uid !== 0 || (info.mode & 0o022) !== 0)) {
      sink.error(
        script.pos,
        `${what}: script '${path}' is insecure: it runs as root but is writable by a non-root user`,
        { code: 'script-insecure' },
      );
    }
  }
  if (runsAsRoot && !g.enableScriptSecurity) {
    sink.error(
      g.pos,
      'SECURITY VIOLATION - scripts would run as root but enable_script_security is not set (add it to global_defs, or set script_user)',
      { code: 'script-security', class: 'security' },
    );
  }
}

function checkInterfaces(cfg: KeepalivedConfig, host: HostFacts, sink: DiagnosticSink): void {
  const have = new Set(host.interfaces);
  const check = (ifname: string | undefined, pos: SourcePos, what: string): void => {
    if (ifname === undefined) return;
    if (!have.has(ifname))
      sink.error(pos, `interface '${ifname}' ${what} does not exist on this host`, {
        code: 'no-such-interface',
      });
  };
  for (const i of cfg.instances) {
    const ifname = i.interface ?? cfg.globalDefs.defaultInterface ?? 'eth0';
    if (ifname === 'lo') {
      sink.error(i.keyPos.interface ?? i.pos, `(${i.name}) cannot use the loopback interface for VRRP`, {
        code: 'loopback',
      });
    } else check(ifname, i.keyPos.interface ?? i.pos, `for vrrp_instance ${i.name}`);
    for (const t of i.trackInterface) check(t.name, t.pos, `tracked by vrrp_instance ${i.name}`);
    for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded])
      check(v.dev, v.pos, `for address ${v.address}`);
    for (const r of i.virtualRoutes) check(r.dev, r.pos, `for route ${r.destination}`);
  }
  for (const v of cfg.staticIpaddress) check(v.dev, v.pos, `for address ${v.address}`);
  for (const r of cfg.staticRoutes) check(r.dev, r.pos, `for route ${r.destination}`);
  for (const sg of cfg.syncGroups)
    for (const t of sg.trackInterface) check(t.name, t.pos, `tracked by vrrp_sync_group ${sg.name}`);
}

/** Runs every cross-block rule, appending to `sink`. */
export function validateModel(
  cfg: KeepalivedConfig,
  host: HostFacts,
  sink: DiagnosticSink,
  opts: ValidateOptions = {},
): void {
  firstOf(cfg.instances, 'vrrp_instance', sink, 'error');
  firstOf(cfg.syncGroups, 'vrrp_sync_group', sink, 'error');
  // keepalived 2.2.7 silently lets a later vrrp_script replace an earlier one: a warning here.
  firstOf(cfg.vrrpScripts, 'vrrp_script', sink, 'warning');
  firstOf(cfg.trackFiles, 'track_file', sink, 'warning');
  firstOf(cfg.trackProcesses, 'vrrp_track_process', sink, 'warning');
  firstOf(cfg.virtualServerGroups, 'virtual_server_group', sink, 'warning');
  firstOf(
    cfg.virtualServers.map((vs) => ({ name: vsKey(vs), pos: vs.pos })),
    'virtual_server',
    sink,
    'warning',
  );
  for (const s of cfg.vrrpScripts) {
    if (s.script === undefined)
      sink.error(s.pos, `vrrp_script ${s.name} has no 'script' line`, { code: 'no-script' });
  }
  for (const i of cfg.instances) checkInstance(i, cfg, sink);
  for (const sg of cfg.syncGroups) checkSyncGroup(sg, cfg, sink);
  for (const vs of cfg.virtualServers) checkVirtualServer(vs, cfg, sink);
  if (opts.hostChecks !== false) {
    checkInterfaces(cfg, host, sink);
    checkScripts(cfg, host, sink);
  }
}
