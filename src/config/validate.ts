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
import { checkScriptSecurity, type PathStat } from '../scripts/security.js';
import { instanceFamily } from './build/family.js';
import { quorumRange } from './build/track-quorum.js';
import { ipFamily } from './build/values.js';
import type { DiagnosticSink, RelatedInfo, SourcePos } from './diagnostics.js';
import type {
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
  /** Whether a local group exists (script_user USER GROUP); unchecked when absent. */
  readonly groupExists?: (name: string) => boolean;
  /** Whether vigil runs as root (scripts then run as root unless a script user is set). */
  readonly isRoot: boolean;
  /** Directories searched for a script given without a path (keepalived uses PATH). */
  readonly searchPath?: readonly string[];
  /**
   * lstat(2) of any path (src/scripts/fs-host.ts lstatPath). When given, script security also checks
   * every directory above a script and follows symlinks, as keepalived's check_security does.
   */
  readonly lstat?: (path: string) => PathStat | undefined;
  readonly realpath?: (path: string) => string | undefined;
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

function isMulticast(addr: string): boolean {
  if (addr.includes(':')) return /^ff/i.test(addr);
  const first = Number(addr.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** Reports every repeated name, pointing at the first definition too. */
function reportDuplicates<T extends { name: string; pos: SourcePos }>(
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
    else
      sink.warning(it.pos, `${msg}; only one of them can be referred to`, {
        code: 'duplicate-name',
        related,
      });
  }
}

function checkInstance(i: VrrpInstance, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const at = (field: string): SourcePos => i.keyPos[field] ?? i.pos;
  const name = `(${i.name})`;
  const g = cfg.globalDefs;
  if (i.virtualRouterId === undefined) {
    sink.error(i.pos, `${name} virtual_router_id must be set (1..255)`, {
      code: 'missing-vrid',
      stopsDaemon: true,
    });
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
  // keepalived 2.2.7 computes the interval in microseconds and rounds it to 10 ms for VRRPv3.
  if (i.version === 3 && i.advertIntMs % 10 !== 0) {
    sink.error(
      at('advertIntMs'),
      `${name} VRRPv3 advert_int ${i.advertIntMs / 1000}s must be a multiple of 10 ms (keepalived rounds it)`,
      { code: 'advert-int-units' },
    );
  }
  if (i.interface !== undefined) {
    for (const t of i.trackInterface) {
      if (t.name === i.interface) {
        sink.error(
          t.pos,
          `${name} track_interface ${t.name} is the instance's own interface (keepalived ignores it)`,
          {
            code: 'track-own-interface',
          },
        );
      }
    }
  }
  checkTrackWeights(i, cfg, sink);
  for (const r of i.trackBfd) {
    if (!(cfg.bfdInstances ?? []).some((b) => b.name === r.name)) {
      sink.error(r.pos, `${name} track_bfd '${r.name}' is not a defined bfd_instance`, {
        code: 'undefined-reference',
      });
    }
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
    if (auth.type !== undefined && auth.pass === undefined && !strict) {
      sink.error(
        apos,
        `${name} auth_type ${auth.type} without auth_pass: add auth_pass (keepalived ignores the authentication)`,
        {
          code: 'auth-no-pass',
        },
      );
    }
    if (auth.type === 'AH' && auth.pass !== undefined && !strict && i.version === 2) {
      // keepalived's IPsec AH (HMAC-MD5-96 over the IP header, RFC 2402) is not implemented: refusing
      // is safer than advertising unauthenticated to peers that expect AH (they would drop us and
      // both nodes would become MASTER).
      sink.error(
        apos,
        `${name} auth_type AH is not supported by vigil: use auth_type PASS or remove the authentication block (on every node)`,
        { code: 'ah-unsupported', stopsDaemon: true },
      );
    }
    // keepalived 2.2.7 accepts this silently and sends adverts without authentication.
    if (auth.type === undefined)
      sink.warning(apos, `${name} authentication has no auth_type: adverts will not be authenticated`, {
        code: 'auth-type',
      });
    // (the address owner, priority 255, may start as MASTER: it needs no sequence number first)
    if (auth.type === 'AH' && i.state === 'MASTER' && i.priority !== 255) {
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
  if (strict) {
    const fam6 = instanceFamily(i)?.family === 6;
    if (fam6 && i.versionSource === 'ipv6' && i.keyPos.version !== undefined) {
      sink.error(
        at('version'),
        `${name} vrrp_strict: VRRP version 2 cannot carry IPv6 (RFC 3768); use version 3`,
        { code: 'strict-v2-ipv6' },
      );
    }
    const first = i.virtualIpaddress[0];
    if (fam6 && first !== undefined && !/^fe[89ab]/i.test(first.address)) {
      sink.error(
        first.pos,
        `${name} vrrp_strict: the first IPv6 VIP must be link-local (RFC 5798 5.2.9), got ${first.address}`,
        { code: 'strict-ipv6-link-local' },
      );
    }
    if (i.accept === true && i.version === 2) {
      sink.error(
        at('accept'),
        `${name} vrrp_strict: accept mode is not part of VRRPv2 (RFC 3768); use version 3 or remove accept`,
        { code: 'strict-accept-v2' },
      );
    }
  }
  if (strict && i.state === 'MASTER' && i.priority !== 255) {
    sink.error(at('state'), `${name} vrrp_strict: state MASTER requires priority 255 (the address owner)`, {
      code: 'strict-master',
    });
  }
  if (i.virtualIpaddress.length === 0) {
    // keepalived 2.2.7 vrrp_complete_instance: "at least one is required" (v3 or strict) stops the
    // VRRP process; "at least one is sensible" (v2) is logged and the instance runs without VIPs.
    sink.error(i.pos, `${name} no virtual_ipaddress specified; at least one is needed`, {
      code: 'no-vip',
      stopsDaemon: i.version === 3 || strict === true,
    });
  }
  if (i.version === 2 && i.virtualIpaddress.length > 20) {
    sink.warning(
      at('virtualIpaddress'),
      `${name} ${i.virtualIpaddress.length} VIPs: only the first 20 fit in a VRRPv2 advert`,
      { code: 'vip-count' },
    );
  }
  // Every VIP of an instance has the instance's family; excluded addresses may be of either.
  const famInfo = instanceFamily(i);
  const fam = famInfo?.family;
  const famNote = famInfo
    ? ` (IPv${famInfo.family}, set by ${famInfo.what} on line ${famInfo.pos.line})`
    : '';
  for (const v of i.virtualIpaddress) {
    if (v.family !== fam) {
      sink.error(
        v.pos,
        `${name} address family of ${v.address} does not match the instance${famNote}; put it in virtual_ipaddress_excluded`,
        { code: 'vip-family' },
      );
    }
  }
  for (const p of i.unicastPeer) {
    if (fam !== undefined && p.family !== fam) {
      sink.error(
        p.pos,
        `${name} unicast peer ${p.address} must be of the instance's address family${famNote}`,
        { code: 'peer-family' },
      );
    }
  }
  for (const [field, kw] of [
    ['mcastSrcIp', 'mcast_src_ip'],
    ['unicastSrcIp', 'unicast_src_ip'],
  ] as const) {
    const a = i[field];
    if (a !== undefined && fam !== undefined && (a.includes(':') ? 6 : 4) !== fam) {
      sink.error(at(field), `${name} ${kw} ${a} must be of the instance's address family${famNote}`, {
        code: 'src-family',
      });
    }
  }
  // keepalived 2.2.7 reports these as config errors (exit 5) although it carries on.
  for (const r of i.virtualRoutes) {
    if (r.options.includes('no_track')) continue;
    if (r.protocol !== undefined && r.protocol !== 'keepalived' && r.protocol !== '18') {
      sink.error(
        r.pos,
        `${name} route ${r.destination} has protocol ${r.protocol}: a tracked route must be protocol keepalived (add 'no_track' to keep it)`,
        { code: 'route-protocol' },
      );
    }
    if (r.dev === undefined) {
      sink.error(
        r.pos,
        `${name} route ${r.destination} has no dev, so it cannot be tracked: add 'dev IFNAME' or 'no_track'`,
        { code: 'route-no-dev' },
      );
    }
  }
  // With unicast_fault_no_peer an instance may be unicast with no peers (it stays in FAULT).
  if (i.unicastPeer.length === 0 && !i.unicastFaultNoPeer) {
    // keepalived 2.2.7: "A unicast keyword has been specified without any unicast peers" (exit 5).
    for (const [field, kw] of [
      ['unicastSrcIp', 'unicast_src_ip'],
      ['checkUnicastSrc', 'check_unicast_src'],
      ['unicastTtl', 'unicast_ttl'],
      ['unimplemented.old_unicast_checksum', 'old_unicast_checksum'],
    ] as const) {
      if (i.keyPos[field] !== undefined) {
        sink.error(at(field), `${name} ${kw} needs unicast_peer: without peers the instance uses multicast`, {
          code: 'unicast-without-peers',
        });
      }
    }
  }
  const dstFam = instanceFamily(i)?.family;
  if (i.mcastDstIp !== undefined && dstFam !== undefined && ipFamily(i.mcastDstIp) !== dstFam) {
    sink.error(
      at('mcastDstIp'),
      `${name} mcast_dst_ip ${i.mcastDstIp} is not of the instance's address family (IPv${dstFam})`,
      {
        code: 'mcast-dst-family',
      },
    );
  } else if (i.mcastDstIp !== undefined && !isMulticast(i.mcastDstIp)) {
    sink.error(at('mcastDstIp'), `${name} mcast_dst_ip ${i.mcastDstIp} is not a multicast address`, {
      code: 'not-multicast',
    });
  }
  if (i.vmacXmitBase && i.useVmac === undefined) {
    sink.error(at('vmacXmitBase'), `${name} vmac_xmit_base is only valid with use_vmac`, {
      code: 'xmit-base-without-vmac',
    });
  } else if (i.vmacXmitBase && strict) {
    sink.error(
      at('vmacXmitBase'),
      `${name} vmac_xmit_base is incompatible with strict mode (keepalived resets it)`,
      {
        code: 'strict-xmit-base',
      },
    );
  }
  if (i.keyPos.unicastPeer !== undefined && i.unicastPeer.length === 0) {
    sink.error(at('unicastPeer'), `${name} unicast_peer block is empty`, { code: 'empty-unicast-peer' });
  }
  const ipvlan = i.unimplemented.use_ipvlan;
  if (
    ipvlan !== undefined &&
    instanceFamily(i)?.family !== 6 &&
    !ipvlan.some((w) => ipFamily(w.split('/')[0] ?? '') === 4)
  ) {
    sink.error(
      at('unimplemented.use_ipvlan'),
      `${name} an IPv4 use_ipvlan needs a source address (ADDRESS/PREFIX)`,
      {
        code: 'ipvlan-address',
      },
    );
  }
  if (i.unimplemented.vrf !== undefined && i.interface !== undefined) {
    sink.error(at('unimplemented.vrf'), `${name} vrf cannot be combined with interface`, {
      code: 'vrf-interface',
    });
  }
  if (i.unimplemented.native_ipv6 !== undefined && instanceFamily(i)?.family === 4) {
    sink.error(at('unimplemented.native_ipv6'), `${name} native_ipv6 cannot be used with IPv4 addresses`, {
      code: 'native-ipv6-family',
    });
  }
  if (i.useVmac !== undefined && i.unicastPeer.length > 0 && !i.vmacXmitBase) {
    sink.error(at('useVmac'), `${name} unicast with use_vmac requires vmac_xmit_base`, {
      code: 'vmac-unicast',
    });
  }
  const tracked = new Map<string, SourcePos>();
  for (const t of i.trackInterface) {
    const prev = tracked.get(t.name);
    if (prev !== undefined) {
      sink.error(t.pos, `${name} track_interface ${t.name} is listed twice`, {
        code: 'duplicate-track',
        related: [{ pos: prev, message: 'first listed here' }],
      });
    } else tracked.set(t.name, t.pos);
  }
  reportDuplicateTracks(
    `${name}`,
    [
      [i.trackScript, 'track_script'],
      [i.trackFile, 'track_file'],
      [i.trackProcess, 'track_process'],
    ],
    sink,
  );
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

function checkRules(rules: readonly import('./model.js').RuleSpec[], sink: DiagnosticSink): void {
  for (const r of rules) {
    if (r.preference === undefined) {
      sink.error(r.pos, 'rule has no preference: rules added in varying order need one (add preference N)', {
        code: 'rule-no-preference',
      });
    }
  }
}

/**
 * Whether inet_aton(3) accepts a numeric IPv4 form: 1 to 4 dotted parts, the last one filling the
 * remaining bytes (so `255.200.1` is valid, `65535.200.1` is not). keepalived resolves smtp_server so.
 */
function inetAton(text: string): boolean {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d+$/.test(p))) return false;
  const nums = parts.map(Number);
  const last = nums.pop()!;
  return nums.every((n) => n <= 255) && last < 2 ** (8 * (4 - nums.length));
}

/**
 * Members of a virtual_server_group: `IP[-LAST] PORT` or `fwmark N [inet|inet6]`. A range's LAST
 * replaces the address's last byte (IPv4) or group (IPv6) and must be greater than it.
 */
function checkGroupMembers(cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  for (const g of cfg.virtualServerGroups) {
    if (g.members.length === 0) {
      sink.error(g.pos, `virtual_server_group ${g.name} has no entries (keepalived removes it)`, {
        code: 'empty-vs-group',
      });
    }
    for (const m of g.members) {
      const [first, second] = m.words;
      if (first === 'fwmark') {
        if (second === undefined || !/^\d+$/.test(second))
          sink.error(m.pos, `virtual_server_group ${g.name}: invalid fwmark '${second ?? ''}'`, {
            code: 'invalid-value',
          });
        continue;
      }
      const [addr = '', last] = (first ?? '').split('-');
      const fam = ipFamily(addr);
      if (fam === undefined) {
        sink.error(m.pos, `virtual_server_group ${g.name}: invalid address '${first}'`, {
          code: 'invalid-address',
        });
        continue;
      }
      if (last !== undefined) {
        const start =
          fam === 4 ? Number(addr.split('.')[3]) : Number.parseInt(addr.split(':').pop() || '0', 16);
        const end =
          fam === 4
            ? /^\d+$/.test(last)
              ? Number(last)
              : Number.NaN
            : /^[0-9a-f]{1,4}$/i.test(last)
              ? Number.parseInt(last, 16)
              : Number.NaN;
        if (!(end > start) || end > (fam === 4 ? 255 : 0xffff)) {
          sink.error(
            m.pos,
            `virtual_server_group ${g.name}: address range end is not greater than its start in '${first}'`,
            { code: 'invalid-range' },
          );
        }
      }
      if (second !== undefined && !(/^\d+$/.test(second) && Number(second) <= 65535)) {
        sink.error(m.pos, `virtual_server_group ${g.name}: invalid port '${second}'`, {
          code: 'invalid-value',
        });
      }
    }
  }
}

function checkGlobals(cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const g = cfg.globalDefs;
  if (g.vrrpIptables !== undefined) {
    // Debian's keepalived 2.2.7 is built with nftables only (keepalived -v: NFTABLES, no IPTABLES):
    // `-t` reports it (exit 5), the daemon runs and uses nftables (src/daemon/firewall.ts).
    sink.error(
      g.keyPos.vrrpIptables ?? g.pos,
      "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
      { code: 'unsupported-keyword' },
    );
  }
  if (g.keyPos.notificationEmail !== undefined && g.notificationEmail.length === 0) {
    sink.error(g.keyPos.notificationEmail, 'notification_email block is empty', { code: 'empty-block' });
  }
  const host = g.smtpServer?.host;
  if (host !== undefined) {
    // keepalived resolves the name; something that looks like an address must be a valid one.
    // A name that starts like a dotted quad (`1.2.3.x`) is a mistyped address, not a host name.
    const looksNumeric = /^[\d.]+$/.test(host) || /^\d+\.\d+\.\d+\./.test(host) || host.includes(':');
    const valid = host.includes(':')
      ? ipFamily(host) === 6
      : looksNumeric
        ? inetAton(host)
        : /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host);
    if (!valid) {
      sink.error(g.keyPos.smtpServer ?? g.pos, `invalid smtp_server '${host}'`, { code: 'invalid-address' });
    }
  }
}

/** keepalived: "VRRP instance X is already using NAME - ignoring name" for a use_vmac name. */
function checkVmacNames(cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const owner = new Map<string, VrrpInstance>();
  for (const i of cfg.instances) {
    const want = i.useVmac?.name;
    if (want === undefined) continue;
    const prev = owner.get(want);
    if (prev === undefined) owner.set(want, i);
    else
      sink.error(i.keyPos.useVmac ?? i.pos, `(${i.name}) use_vmac ${want} is already used by ${prev.name}`, {
        code: 'vmac-name-in-use',
      });
  }
}

/** Two multicast instances with the same VRID and family on one interface would fight (RFC 5798 5.2.3). */
function checkVridClashes(cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const seen = new Map<string, VrrpInstance>();
  for (const i of cfg.instances) {
    if (i.virtualRouterId === undefined || i.unicastPeer.length > 0) continue;
    const ifname = i.interface ?? cfg.globalDefs.defaultInterface ?? 'eth0';
    const fam = instanceFamily(i)?.family ?? 4;
    const key = `${ifname}/${fam}/${i.virtualRouterId}`;
    const prev = seen.get(key);
    if (prev === undefined) {
      seen.set(key, i);
      continue;
    }
    sink.error(
      i.keyPos.virtualRouterId ?? i.pos,
      `${prev.name} and ${i.name} both use VRID ${i.virtualRouterId} with IPv${fam} on interface ${ifname}`,
      {
        code: 'vrid-clash',
        // keepalived 2.2.7 check_vrid_conflicts stops the VRRP process.
        stopsDaemon: true,
        related: [
          {
            pos: prev.keyPos.virtualRouterId ?? prev.pos,
            message: `${prev.name} uses VRID ${i.virtualRouterId} here`,
          },
        ],
      },
    );
  }
}

/**
 * keepalived 2.2.7 ignores weighted tracking in an instance of a sync group (unless the group has
 * sync_group_tracking_weight) and in the address owner (priority 255), and reports each as a config
 * error; a tracked file's default weight 1 counts ("specify weight 0").
 */
function checkTrackWeights(i: VrrpInstance, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  const sync = cfg.syncGroups.find((g) => g.group.some((m) => m.name === i.name));
  const why =
    sync !== undefined && !sync.syncGroupTrackingWeight
      ? `it is in vrrp_sync_group ${sync.name} (add sync_group_tracking_weight there, or weight 0)`
      : i.priority === 255
        ? 'it is the address owner (priority 255)'
        : undefined;
  if (why === undefined) return;
  const report = (r: TrackRef, what: string, weight: number): void => {
    sink.error(r.pos, `(${i.name}) the weight ${weight} of ${what} ${r.name} is ignored because ${why}`, {
      code: 'track-weight-ignored',
    });
  };
  for (const r of i.trackInterface) if ((r.weight ?? 0) !== 0) report(r, 'tracked interface', r.weight ?? 0);
  for (const r of i.trackScript) {
    const w = r.weight ?? cfg.vrrpScripts.find((s) => s.name === r.name)?.weight ?? 0;
    if (w !== 0) report(r, 'tracked script', w);
  }
  for (const r of i.trackFile) {
    const f = cfg.trackFiles.find((s) => s.name === r.name);
    const w = r.weight ?? f?.weight ?? 1;
    if (f !== undefined && w !== 0) report(r, 'tracked file', w);
  }
}

/** keepalived 2.2.7 reports an object listed twice in one track list (the repeat is ignored). */
function reportDuplicateTracks(
  owner: string,
  lists: readonly (readonly [readonly TrackRef[], string])[],
  sink: DiagnosticSink,
): void {
  for (const [list, kw] of lists) {
    const seen = new Map<string, SourcePos>();
    for (const r of list) {
      const prev = seen.get(r.name);
      if (prev !== undefined) {
        sink.error(r.pos, `${owner} ${kw} ${r.name} is listed twice`, {
          code: 'duplicate-track',
          related: [{ pos: prev, message: 'first listed here' }],
        });
      } else seen.set(r.name, r.pos);
    }
  }
}

function checkSyncGroup(sg: SyncGroup, cfg: KeepalivedConfig, sink: DiagnosticSink): void {
  reportDuplicateTracks(
    `vrrp_sync_group ${sg.name}`,
    [
      [sg.trackInterface, 'track_interface'],
      [sg.trackScript, 'track_script'],
      [sg.trackFile, 'track_file'],
      [sg.trackProcess, 'track_process'],
    ],
    sink,
  );
  // The group's tracked interfaces are tracked by each member: not its own interface.
  for (const t of sg.trackInterface) {
    const own = cfg.instances.find((i) => i.interface === t.name && sg.group.some((m) => m.name === i.name));
    if (own !== undefined) {
      sink.error(
        t.pos,
        `vrrp_sync_group ${sg.name}: track_interface ${t.name} is the own interface of ${own.name} (keepalived ignores it)`,
        {
          code: 'track-own-interface',
        },
      );
    }
  }
  if (sg.group.length === 1) {
    sink.error(
      sg.pos,
      `vrrp_sync_group ${sg.name} has only 1 vrrp_instance: a sync group needs at least two`,
      { code: 'sync-group-size' },
    );
  }
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
  const refs: [readonly TrackRef[], readonly { name: string }[], string][] = [
    [sg.trackScript, cfg.vrrpScripts, 'track script'],
    [sg.trackFile, cfg.trackFiles, 'track file'],
    [sg.trackProcess, cfg.trackProcesses, 'track process'],
    [sg.trackBfd, cfg.bfdInstances ?? [], 'track bfd'],
  ];
  for (const [list, defined, what] of refs) {
    for (const r of list) {
      if (!defined.some((d) => d.name === r.name)) {
        sink.error(r.pos, `vrrp_sync_group ${sg.name}: ${what} '${r.name}' is not defined`, {
          code: 'undefined-reference',
        });
      }
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
  const members =
    vs.address.kind === 'group'
      ? (cfg.virtualServerGroups.find((g) => g.name === (vs.address as { group: string }).group)?.members ??
        [])
      : [];
  for (const m of members) {
    // keepalived 2.2.7 objects to the protocol only for a group of fwmarks alone.
    if (
      m.words[0] === 'fwmark' &&
      vs.keyPos.protocol !== undefined &&
      members.every((x) => x.words[0] === 'fwmark')
    ) {
      sink.error(
        m.pos,
        `virtual_server_group member 'fwmark ${m.words[1] ?? ''}': protocol does not apply to a fwmark service`,
        {
          code: 'fwmark-protocol',
        },
      );
    } else if (
      m.words[0] !== 'fwmark' &&
      Number(m.words[1] ?? 0) === 0 &&
      vs.persistenceTimeoutS === undefined
    ) {
      sink.error(
        m.pos,
        `virtual_server_group member '${m.words.join(' ')}': a zero or absent port is only valid for persistent services`,
        {
          code: 'vs-port',
        },
      );
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
  const a = vs.address;
  const where =
    a.kind === 'ip'
      ? `${a.address}${a.port !== undefined ? ` ${a.port}` : ''}`
      : a.kind === 'fwmark'
        ? `fwmark ${a.fwmark}`
        : `group ${a.group}`;
  // keepalived 2.2.7 fills these in with a default but reports each as a config error (exit 5).
  const hasAddresses = a.kind === 'ip' || members.some((m) => m.words[0] !== 'fwmark');
  if (hasAddresses && vs.keyPos.protocol === undefined) {
    sink.error(
      vs.pos,
      `virtual_server ${where}: no protocol set (keepalived defaults to UDP); add protocol TCP|UDP|SCTP`,
      { code: 'vs-default' },
    );
  }
  if (vs.keyPos.lvsSched === undefined) {
    sink.error(
      vs.pos,
      `virtual_server ${where}: no scheduler set (keepalived defaults to wlc); add lb_algo`,
      { code: 'vs-default' },
    );
  }
  if (vs.keyPos.lvsMethod === undefined) {
    sink.error(
      vs.pos,
      `virtual_server ${where}: no forwarding method set (keepalived defaults to NAT); add lb_kind`,
      { code: 'vs-default' },
    );
  }
  if (a.kind === 'ip' && (a.port ?? 0) === 0 && vs.persistenceTimeoutS === undefined) {
    sink.error(
      vs.pos,
      `virtual_server ${where}: a zero or absent port is only valid for persistent services (add persistence_timeout)`,
      { code: 'vs-port' },
    );
  }
  const vsFamily = a.kind === 'ip' ? a.family : undefined;
  if (vsFamily !== undefined && vs.ipFamily !== undefined && (vs.ipFamily === 'inet6' ? 6 : 4) !== vsFamily) {
    sink.error(
      vs.keyPos.ipFamily ?? vs.pos,
      `virtual_server ${where}: ip_family ${vs.ipFamily} conflicts with its address`,
      {
        code: 'vs-family',
      },
    );
  }
  if (vs.keyPos.persistenceGranularity !== undefined && vs.persistenceGranularity !== undefined) {
    const g = vs.persistenceGranularity;
    const ok = (vsFamily ?? 4) === 4 ? ipFamily(g) === 4 : /^\d+$/.test(g) && Number(g) <= 128;
    if (!ok) {
      sink.error(
        vs.keyPos.persistenceGranularity,
        `virtual_server ${where}: invalid persistence_granularity '${g}'`,
        {
          code: 'invalid-value',
        },
      );
    }
  }
  const sorry = vs.sorryServer;
  if (sorry !== undefined && vsFamily !== undefined && ipFamily(sorry.address) !== vsFamily) {
    sink.error(
      sorry.pos,
      `virtual_server ${where}: sorry_server ${sorry.address} is of another address family`,
      {
        code: 'sorry-family',
      },
    );
  }
  // keepalived reads these in order: they must follow a sorry_server line.
  for (const [key, kw] of [
    ['sorryServerInhibit', 'sorry_server_inhibit'],
    ['sorryServerLvsMethod', 'sorry_server_lvs_method'],
  ] as const) {
    const p = vs.keyPos[key];
    const sp = vs.keyPos.sorryServer;
    if (p !== undefined && (sp === undefined || p.line < sp.line)) {
      sink.error(p, `virtual_server ${where}: ${kw} must follow a sorry_server line`, {
        code: 'sorry-order',
      });
    }
  }
  // Quorum is compared with the sum of real-server weights (keepalived check_data.c).
  if (vs.keyPos.ops !== undefined && vs.protocol !== 'UDP') {
    sink.error(vs.keyPos.ops, `virtual_server ${where}: ops (one-packet scheduling) requires protocol UDP`, {
      code: 'vs-ops',
    });
  }
  // keepalived 2.2.7: "sh-port only applies to sh scheduler - ignoring" (and mh-* to mh).
  for (const [flagName, field, sched] of [
    ['sh-port', 'shPort', 'sh'],
    ['sh-fallback', 'shFallback', 'sh'],
    ['mh-port', 'mhPort', 'mh'],
    ['mh-fallback', 'mhFallback', 'mh'],
  ] as const) {
    const p = vs.keyPos[field];
    if (p !== undefined && vs.lvsSched !== sched) {
      sink.error(p, `virtual_server ${where}: ${flagName} only applies to the ${sched} scheduler`, {
        code: 'vs-sched-flag',
      });
    }
  }
  const totalWeight = vs.realServers.reduce((n, rs) => n + rs.weight, 0);
  let quorum = vs.quorum;
  if (vs.realServers.length > 0 && quorum > totalWeight) {
    sink.error(
      vs.keyPos.quorum ?? vs.pos,
      `virtual_server ${where}: quorum ${quorum} exceeds the total weight of its real servers (${totalWeight})`,
      { code: 'vs-quorum' },
    );
    quorum = totalWeight;
  }
  if (vs.keyPos.hysteresis !== undefined && vs.hysteresis >= quorum) {
    sink.error(
      vs.keyPos.hysteresis,
      `virtual_server ${where}: hysteresis ${vs.hysteresis} must be less than quorum ${quorum}`,
      { code: 'vs-hysteresis' },
    );
  }
  if (vs.realServers.length === 0) {
    sink.error(vs.pos, `virtual_server ${where} has no real servers (keepalived ignores it)`, {
      code: 'vs-no-real-server',
    });
  }
  for (const rs of vs.realServers) {
    const method = rs.lvsMethod ?? vs.lvsMethod;
    // keepalived 2.2.7 check_data.c: only NAT may map the port; it resets the real server's port.
    if (a.kind === 'ip' && method !== 'NAT' && (rs.port ?? 0) !== 0 && rs.port !== (a.port ?? 0)) {
      sink.error(
        rs.pos,
        `real_server ${rs.address} ${rs.port}: with lb_kind ${method} the port must be the virtual_server's (${a.port ?? 0}); only NAT maps ports`,
        { code: 'rs-port-mismatch' },
      );
    }
    const inhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false;
    if (
      sorry !== undefined &&
      sorry.address === rs.address &&
      sorry.port === rs.port &&
      vs.sorryServerInhibit !== inhibit
    ) {
      sink.error(
        sorry.pos,
        `virtual_server ${where}: sorry_server ${sorry.address} is also a real server, with another inhibit setting (keepalived makes them the same)`,
        { code: 'sorry-inhibit' },
      );
    }
    if (a.kind === 'ip' && rs.family !== a.family && (rs.lvsMethod ?? vs.lvsMethod) !== 'TUN') {
      sink.error(
        rs.pos,
        `real_server ${rs.address}: address family differs from virtual_server ${where} (only tunnelled real servers may differ)`,
        { code: 'rs-family' },
      );
    }
    if (a.kind === 'fwmark' && method !== 'NAT' && (rs.port ?? 0) !== 0) {
      sink.error(
        rs.pos,
        `real_server ${rs.address} ${rs.port}: a fwmark virtual_server's real servers take no port (keepalived clears it)`,
        { code: 'rs-port' },
      );
    }
    const seenAt = vs.realServers.find((o) => o.address === rs.address && o.port === rs.port);
    if (seenAt !== undefined && seenAt !== rs) {
      sink.error(
        rs.pos,
        `real_server ${rs.address} ${rs.port ?? ''} is defined twice in virtual_server ${where}`,
        {
          code: 'duplicate-real-server',
          related: [{ pos: seenAt.pos, message: 'first definition' }],
        },
      );
    }
    for (const c of rs.checkers) {
      if (c.type === 'MISC_CHECK' && c.miscPath === undefined) {
        sink.error(c.pos, 'MISC_CHECK needs misc_path', { code: 'missing-value' });
      }
      if (c.type === 'FILE_CHECK' && c.trackFile === undefined) {
        sink.error(c.pos, 'FILE_CHECK needs track_file', { code: 'checker-incomplete' });
      }
      if (c.type === 'BFD_CHECK' && c.name === undefined) {
        sink.error(c.pos, 'BFD_CHECK needs name', { code: 'checker-incomplete' });
      }
      // The source address must be of the family of the address checked.
      const target = c.connectIp ?? rs.address;
      // SMTP_CHECK compares the families only inside each `host { }` (with its own connect_ip).
      for (const h of c.type === 'SMTP_CHECK' ? c.hosts : []) {
        if (
          h.bindto !== undefined &&
          h.connectIp !== undefined &&
          ipFamily(h.bindto) !== ipFamily(h.connectIp)
        ) {
          sink.error(
            h.keyPos.bindto ?? h.pos,
            `SMTP_CHECK host bindto ${h.bindto} is not of the family of ${h.connectIp}`,
            {
              code: 'checker-family',
            },
          );
        }
      }
      if (c.type !== 'SMTP_CHECK' && c.bindto !== undefined && ipFamily(c.bindto) !== ipFamily(target)) {
        sink.error(
          c.keyPos.bindto ?? c.pos,
          `${c.type} bindto ${c.bindto} is not of the family of ${target}`,
          {
            code: 'checker-family',
          },
        );
      }
      if (c.type === 'UDP_CHECK' && (c.minReplyLength ?? 0) > (c.maxReplyLength ?? 255)) {
        sink.error(
          c.keyPos.minReplyLength ?? c.pos,
          `UDP_CHECK min_reply_length ${c.minReplyLength} is above max_reply_length ${c.maxReplyLength ?? 255}: the check always fails`,
          { code: 'udp-reply-length' },
        );
      }
      if (c.type === 'UDP_CHECK' && c.payload !== undefined && !/^([0-9a-f]{2})+$/i.test(c.payload)) {
        sink.error(c.keyPos.payload ?? c.pos, `UDP_CHECK payload '${c.payload}' is not a hex string`, {
          code: 'invalid-value',
        });
      }
      if (
        c.type === 'BFD_CHECK' &&
        c.name !== undefined &&
        !(cfg.bfdInstances ?? []).some((b) => b.name === c.name)
      ) {
        sink.error(c.keyPos.name ?? c.pos, `BFD_CHECK name '${c.name}' is not a defined bfd_instance`, {
          code: 'undefined-reference',
        });
      }
      if (
        c.type === 'FILE_CHECK' &&
        c.trackFile !== undefined &&
        !cfg.trackFiles.some((t) => t.name === c.trackFile)
      ) {
        sink.error(c.keyPos.trackFile ?? c.pos, `FILE_CHECK track_file '${c.trackFile}' is not defined`, {
          code: 'undefined-reference',
        });
      }
      if (c.type === 'HTTP_GET' || c.type === 'SSL_GET') {
        for (const u of c.url) {
          if (u.path === undefined)
            sink.error(u.pos, `${c.type} url has no path (keepalived ignores the url)`, {
              code: 'url-no-path',
            });
        }
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
  // keepalived's VRRP process checks vrrp scripts only when it runs, i.e. with at least one instance.
  for (const s of cfg.instances.length > 0 ? cfg.vrrpScripts : []) {
    if (s.script)
      out.push({
        script: { ...s.script, ...(s.user ? { user: s.user } : {}) },
        what: `vrrp_script ${s.name}`,
        tracked: true,
      });
  }
  // The notify FIFOs' reader scripts, checked like notify scripts; the LVS one only by keepalived's
  // checker process, which runs only when there are virtual servers.
  const g = cfg.globalDefs;
  for (const [s, what] of [
    [g.notifyFifoScript, 'notify_fifo_script'],
    [g.vrrpNotifyFifoScript, 'vrrp_notify_fifo_script'],
    [cfg.virtualServers.length > 0 ? g.lvsNotifyFifoScript : undefined, 'lvs_notify_fifo_script'],
  ] as const)
    if (s !== undefined) out.push({ script: s, what, tracked: false });
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
            // keepalived resolves a MISC_CHECK user at parse time, like a vrrp_script user.
            tracked: c.user !== undefined,
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
  // keepalived needs the default user only for a script that names no user of its own.
  if (
    defaultUser === undefined &&
    g.enableScriptSecurity &&
    scripts.some((x) => x.script.user === undefined)
  ) {
    sink.error(
      g.keyPos.enableScriptSecurity ?? g.pos,
      'enable_script_security is set but no script_user is configured and user keepalived_script does not exist: set script_user',
      { code: 'script-user' },
    );
  }
  let runsAsRoot = false;
  for (const { script, what, tracked } of scripts) {
    const exe = script.argv[0] ?? '';
    // A command starting with shell syntax (`</dev/tcp/host/port`) is not a program path;
    // keepalived 2.2.7 does not check it either.
    if (!/^[\w./-]/.test(exe)) continue;
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
    // vrrp_script `user` must exist (keepalived: "Unable to set uid/gid"); notify script users are not checked by -t.
    if (tracked && script.user !== undefined && script.user !== 'root' && !host.userExists(script.user)) {
      sink.error(script.pos, `${what}: user '${script.user}' does not exist`, { code: 'script-user' });
      continue;
    }
    const asRoot = host.isRoot && (user === undefined || user === 'root');
    if (asRoot) runsAsRoot = true;
    // A script root runs must not be writable by anyone else (keepalived check_script_secure).
    if (g.enableScriptSecurity && asRoot && host.lstat !== undefined) {
      const v = checkScriptSecurity(path, {
        lstat: host.lstat,
        ...(host.realpath ? { realpath: host.realpath } : {}),
      });
      if (!v.ok && v.kind === 'insecure')
        sink.error(script.pos, `${what}: ${v.reason}`, { code: 'script-insecure' });
    } else if (g.enableScriptSecurity && asRoot && (info.uid !== 0 || (info.mode & 0o022) !== 0)) {
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
  for (const o of cfg.opaqueInterfaces ?? []) {
    // keepalived 2.2.7 stops with KEEPALIVED_EXIT_CONFIG here ("unknown interface ... specified").
    if (!have.has(o.name))
      sink.error(o.pos, `${o.block}: interface '${o.name}' does not exist on this host`, {
        code: 'fatal-config',
      });
  }
  for (const i of cfg.instances) {
    const vmac = i.useVmac?.name;
    if (vmac !== undefined && have.has(vmac)) {
      sink.error(
        i.keyPos.useVmac ?? i.pos,
        `(${i.name}) use_vmac ${vmac}: an interface of that name already exists (keepalived ignores the name)`,
        {
          code: 'vmac-name-exists',
        },
      );
    }
  }
  const check = (ifname: string | undefined, pos: SourcePos, what: string): void => {
    if (ifname === undefined) return;
    if (have.has(ifname)) return;
    // keepalived 2.2.7 if_get_by_ifname: a named interface that does not exist stops the VRRP
    // process ("Non-existent interface specified"), unless dynamic_interfaces waits for it to appear.
    if (cfg.globalDefs.dynamicInterfaces !== undefined && cfg.globalDefs.dynamicInterfaces !== false)
      sink.warning(pos, `interface '${ifname}' ${what} does not exist yet; it will be used once it appears`, {
        code: 'no-such-interface',
      });
    else
      sink.error(pos, `interface '${ifname}' ${what} does not exist on this host`, {
        code: 'no-such-interface',
        stopsDaemon: true,
      });
  };
  for (const i of cfg.instances) {
    const ifname = i.interface ?? cfg.globalDefs.defaultInterface ?? 'eth0';
    if (ifname === 'lo') {
      sink.error(i.keyPos.interface ?? i.pos, `(${i.name}) cannot use the loopback interface for VRRP`, {
        code: 'loopback',
        stopsDaemon: true,
      });
    } else if (i.interface === undefined) {
      // Falls back to default_interface (eth0); keepalived reports "Unknown interface!" when that is
      // missing too, as an ordinary config error (it does not stop the script checks).
      if (!have.has(ifname))
        sink.error(
          i.pos,
          `(${i.name}) no interface set and the default interface '${ifname}' does not exist`,
          { code: 'unknown-interface', stopsDaemon: true },
        );
    } else check(ifname, i.keyPos.interface ?? i.pos, `for vrrp_instance ${i.name}`);
    for (const t of i.trackInterface) check(t.name, t.pos, `tracked by vrrp_instance ${i.name}`);
    for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded])
      check(v.dev, v.pos, `for address ${v.address}`);
    for (const r of i.virtualRoutes) check(r.dev, r.pos, `for route ${r.destination}`);
  }
  for (const v of cfg.staticIpaddress) {
    if (v.dev !== undefined) check(v.dev, v.pos, `for address ${v.address}`);
    else if (!have.has(cfg.globalDefs.defaultInterface ?? 'eth0')) {
      // keepalived 2.2.7 treats this as fatal: `keepalived -t` exits 4.
      sink.error(
        v.pos,
        `static address ${v.address} has no dev and the default interface '${cfg.globalDefs.defaultInterface ?? 'eth0'}' does not exist`,
        { code: 'fatal-config', stopsDaemon: true },
      );
    }
  }
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
  reportDuplicates(cfg.instances, 'vrrp_instance', sink, 'error');
  reportDuplicates(cfg.syncGroups, 'vrrp_sync_group', sink, 'error');
  // keepalived 2.2.7 silently lets a later vrrp_script replace an earlier one: a warning here.
  reportDuplicates(cfg.vrrpScripts, 'vrrp_script', sink, 'warning');
  reportDuplicates(cfg.trackFiles, 'track_file', sink, 'warning');
  reportDuplicates(cfg.trackProcesses, 'vrrp_track_process', sink, 'warning');
  reportDuplicates(cfg.virtualServerGroups, 'virtual_server_group', sink, 'warning');
  reportDuplicates(
    cfg.virtualServers.map((vs) => ({ name: vsKey(vs), pos: vs.pos })),
    'virtual_server',
    sink,
    'warning',
  );
  for (const t of cfg.trackFiles) {
    if (t.file === undefined)
      sink.error(t.pos, `track_file ${t.name} has no 'file' line`, { code: 'no-file' });
  }
  for (const p of cfg.trackProcesses) {
    if (p.process === undefined) {
      sink.error(p.pos, `vrrp_track_process ${p.name} has no process line`, {
        code: 'track-process-no-process',
      });
    }
    // keepalived ignores whichever of quorum / quorum_max is read second and contradicts the other.
    const ignored = quorumRange(p).ignored;
    if (ignored !== undefined) {
      sink.error(
        (ignored === 'quorum' ? p.keyPos.quorum : p.keyPos.quorumMax) ?? p.pos,
        `vrrp_track_process ${p.name}: quorum_max ${p.quorumMax} is less than quorum ${p.quorum} - ${ignored} ignored`,
        { code: 'invalid-value' },
      );
    }
  }
  for (const s of cfg.vrrpScripts) {
    if (s.script === undefined)
      sink.error(s.pos, `vrrp_script ${s.name} has no 'script' line`, { code: 'no-script' });
  }
  for (const i of cfg.instances) checkInstance(i, cfg, sink);
  checkVmacNames(cfg, sink);
  for (const sg of cfg.syncGroups) checkSyncGroup(sg, cfg, sink);
  // An instance can be in one sync group only.
  const memberOf = new Map<string, { group: string; pos: SourcePos }>();
  for (const sg of cfg.syncGroups) {
    for (const m of sg.group) {
      const prev = memberOf.get(m.name);
      if (prev !== undefined && prev.group === sg.name) {
        sink.error(m.pos, `vrrp_sync_group ${sg.name} lists vrrp_instance ${m.name} twice`, {
          code: 'sync-group-member',
          related: [{ pos: prev.pos, message: `first listed here` }],
        });
      } else if (prev !== undefined) {
        sink.error(
          m.pos,
          `vrrp_instance ${m.name} is already in vrrp_sync_group ${prev.group}: an instance can be in one sync group only`,
          {
            code: 'sync-group-member',
            related: [{ pos: prev.pos, message: `${m.name} in vrrp_sync_group ${prev.group}` }],
          },
        );
      } else memberOf.set(m.name, { group: sg.name, pos: m.pos });
    }
  }
  checkVridClashes(cfg, sink);
  checkGlobals(cfg, sink);
  checkGroupMembers(cfg, sink);
  checkRules(cfg.staticRules, sink);
  for (const r of cfg.staticRoutes) {
    if (!r.options.includes('no_track') && r.dev === undefined) {
      sink.error(
        r.pos,
        `static route ${r.destination} has no dev, so it cannot be tracked: add 'dev IFNAME' or 'no_track'`,
        {
          code: 'route-no-dev',
        },
      );
    }
  }
  for (const i of cfg.instances) checkRules(i.virtualRules, sink);
  for (const [field, kw, fam] of [
    ['vrrpMcastGroup4', 'vrrp_mcast_group4', 4],
    ['vrrpMcastGroup6', 'vrrp_mcast_group6', 6],
  ] as const) {
    const addr = cfg.globalDefs[field];
    if (ipFamily(addr) !== fam)
      sink.error(
        cfg.globalDefs.keyPos[field] ?? cfg.globalDefs.pos,
        `${kw} ${addr} is not an IPv${fam} address`,
        { code: 'mcast-group-family' },
      );
    else if (!isMulticast(addr))
      sink.error(
        cfg.globalDefs.keyPos[field] ?? cfg.globalDefs.pos,
        `${kw} ${addr} is not a multicast address`,
        { code: 'not-multicast' },
      );
  }
  for (const vs of cfg.virtualServers) checkVirtualServer(vs, cfg, sink);
  if (opts.hostChecks !== false) {
    checkInterfaces(cfg, host, sink);
    // keepalived resolves script_user at start-up, scripts or not ("Error setting global script uid/gid").
    const su = cfg.globalDefs.scriptUser;
    if (su !== undefined && su !== 'root' && !host.userExists(su)) {
      sink.error(
        cfg.globalDefs.keyPos.scriptUser ?? cfg.globalDefs.pos,
        `script_user '${su}' does not exist`,
        {
          code: 'script-user',
        },
      );
    }
    const sg = cfg.globalDefs.scriptGroup;
    if (sg !== undefined && host.groupExists !== undefined && !host.groupExists(sg)) {
      // keepalived: "Error setting global script uid/gid"; -t then exits 5 even with insecure scripts.
      sink.error(
        cfg.globalDefs.keyPos.scriptUser ?? cfg.globalDefs.pos,
        `script_user group '${sg}' does not exist`,
        {
          code: 'script-group',
        },
      );
    }
    for (const vs of cfg.virtualServers)
      for (const rs of vs.realServers)
        for (const c of rs.checkers) {
          if (
            c.type === 'MISC_CHECK' &&
            c.group !== undefined &&
            host.groupExists !== undefined &&
            !host.groupExists(c.group)
          ) {
            sink.error(c.keyPos.user ?? c.pos, `MISC_CHECK: group '${c.group}' does not exist`, {
              code: 'script-user',
            });
          }
        }
    for (const s of cfg.instances.length > 0 ? cfg.vrrpScripts : []) {
      if (s.group !== undefined && host.groupExists !== undefined && !host.groupExists(s.group)) {
        sink.error(s.keyPos.user ?? s.pos, `vrrp_script ${s.name}: group '${s.group}' does not exist`, {
          code: 'script-user',
        });
      }
    }
    checkScripts(cfg, host, sink);
  }
}
