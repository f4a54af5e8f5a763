/**
 * A deterministic corpus of generated keepalived.conf files for the differential test against
 * `keepalived -t`. Each config is described by its features so that a disagreement can be matched
 * against the documented deliberate differences (docs/config-differences.md).
 */

export interface Features {
  readonly strict: boolean;
  readonly globalVersion?: string;
  readonly garpInterval?: string;
  readonly state?: string;
  readonly vrid?: string;
  readonly priority?: string;
  readonly advert?: string;
  readonly version?: string;
  readonly nopreempt: boolean;
  readonly preemptDelay?: string;
  readonly auth?: 'PASS' | 'PASSLONG' | 'AH';
  readonly iface: string;
  readonly vips: readonly string[];
  readonly excluded: readonly string[];
  readonly peers: readonly string[];
  readonly unknownKeyword?: string;
  readonly missingBrace: boolean;
  readonly trackUndefinedScript: boolean;
  /** A line added verbatim inside the instance (for the deliberate-difference cases). */
  readonly rawLine?: string;
  /** Top-level blocks appended after the instance (LVS, scripts, sync groups, global_defs...). */
  readonly extra?: string;
}

const VS = (body: string, addr = '192.0.2.10 80') =>
  `virtual_server ${addr} {\n${body}\n  real_server 198.51.100.1 80 {\n    weight 1\n  }\n}`;
const VS_FULL = '  lb_algo rr\n  lb_kind NAT\n  protocol TCP';
const RS_CHECK = (checker: string) =>
  `virtual_server 192.0.2.10 80 {\n${VS_FULL}\n  real_server 198.51.100.1 80 {\n    weight 1\n    ${checker}\n  }\n}`;
const SCRIPT = 'vrrp_script chk {\n  script "/bin/true"\n  interval 2\n}';

/** Top-level snippets checked against keepalived one at a time (appended to a valid instance). */
const EXTRAS: readonly string[] = [
  VS(VS_FULL),
  VS('  lb_algo rr\n  lb_kind NAT'),
  VS('  protocol TCP\n  lb_kind NAT'),
  VS('  protocol TCP\n  lb_algo rr'),
  VS(`${VS_FULL}\n  lb_algo nope`),
  VS(`${VS_FULL}\n  delay_loop 0`),
  VS(VS_FULL, '192.0.2.10'),
  VS(`${VS_FULL}\n  persistence_timeout 60`, '192.0.2.10'),
  VS(VS_FULL, '2001:db8::10 80'),
  VS(`${VS_FULL}\n  sorry_server 192.0.2.200 80`),
  VS(`${VS_FULL}\n  quorum 2\n  hysteresis 1\n  alpha\n  omega`),
  // lvs_method TUN tunnel options (keepalived 2.2.7 svr_forwarding_handler): valid, then each error.
  VS('  lb_algo rr\n  lb_kind TUN type gue port 6080 csum\n  protocol TCP'),
  VS('  lb_algo rr\n  lb_kind TUN type gue\n  protocol TCP'),
  VS('  lb_algo rr\n  lb_kind TUN csum\n  protocol TCP'),
  VS('  lb_algo rr\n  lb_kind TUN type gre remcsum\n  protocol TCP'),
  VS('  lb_algo rr\n  lb_kind TUN type vxlan\n  protocol TCP'),
  RS_CHECK('lvs_method TUN type gue port 0'),
  `virtual_server 192.0.2.10 80 {\n${VS_FULL}\n}`,
  'virtual_server fwmark 1 {\n  lb_algo rr\n  lb_kind DR\n  real_server 198.51.100.1 80 {\n    weight 1\n  }\n}',
  'virtual_server fwmark 1 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 198.51.100.1 80 {\n    weight 1\n  }\n}',
  `virtual_server_group G {\n  192.0.2.10 80\n}\n${VS(VS_FULL, 'group G')}`,
  RS_CHECK('TCP_CHECK {\n      connect_timeout 3\n      retry 2\n    }'),
  RS_CHECK('TCP_CHECK {\n      connect_port 70000\n    }'),
  RS_CHECK(
    'HTTP_GET {\n      url {\n        path /\n        digest 640205b7b0fc66c1ea91c463fac6334d\n      }\n    }',
  ),
  RS_CHECK('HTTP_GET {\n      url {\n        path /\n        status_code 200-299\n      }\n    }'),
  RS_CHECK('MISC_CHECK {\n      misc_path "/nonexistent/check.sh"\n    }'),
  RS_CHECK('DNS_CHECK {\n      type A\n      name example.org\n    }'),
  RS_CHECK('DNS_CHECK {\n      type BOGUS\n    }'),
  RS_CHECK('PING_CHECK {\n    }'),
  RS_CHECK('SMTP_CHECK {\n      helo_name x\n    }'),
  RS_CHECK('weight -1'),
  RS_CHECK('BOGUS_CHECK {\n    }'),
  `${SCRIPT}`,
  `${SCRIPT}\nglobal_defs {\n  enable_script_security\n  script_user root\n}`,
  'vrrp_script chk {\n  script "/nonexistent/chk.sh"\n}',
  'vrrp_script chk {\n  interval 2\n}',
  'vrrp_script chk {\n  script "/bin/true"\n  weight 254\n}',
  'vrrp_script chk {\n  script "/bin/true"\n  rise 0\n}',
  'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}',
  'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_9\n  }\n}',
  'vrrp_instance VI_2 {\n  interface vigil0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.101/24\n  }\n}',
  'vrrp_instance VI_2 {\n  interface vigil0\n  virtual_router_id 52\n  virtual_ipaddress {\n    192.0.2.101/24\n  }\n}\nvrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}',
  'vrrp_instance VI_1 {\n  interface vigil0\n  virtual_router_id 52\n  virtual_ipaddress {\n    192.0.2.101/24\n  }\n}',
  'global_defs {\n  vrrp_mcast_group4 10.0.0.1\n}',
  'global_defs {\n  vrrp_version 4\n}',
  'global_defs {\n  router_id r1\n  notification_email {\n    ops@example.org\n  }\n  smtp_server 192.0.2.1\n}',
  'global_defs {\n  vrrp_gna_interval 0\n}',
  'static_ipaddress {\n  10.9.9.9/24 dev vigil0\n}',
  'static_ipaddress {\n  10.9.9.x/24 dev vigil0\n}',
  'static_routes {\n  10.8.0.0/16 via 10.9.9.1 dev vigil0\n}',
  'static_rules {\n  from 10.1.0.0/16 table 100\n}',
  'track_file tf {\n  file /tmp/vigil-nonexistent-track\n  weight 5\n}',
  'vrrp_track_process p {\n  process nginx\n  weight 10\n}',
  'vrrp_track_process p {\n  process nginx\n  weight 300\n}',
  'SSL {\n  ca /etc/ssl/ca.pem\n  certificate /etc/ssl/cert.pem\n}',
];

/**
 * Lines on which vigil deliberately exits differently from keepalived 2.2.7, with the reason
 * (each is an entry of docs/config-differences.md).
 */
export const DELIBERATE: readonly {
  /** The instance line or top-level snippet (Features.rawLine or Features.extra). */
  line: string;
  keepalived: number;
  vigil: number;
  reason: string;
}[] = [
  {
    line: 'priority 100\u00a0',
    keepalived: 5,
    vigil: 0,
    reason:
      "non-breaking spaces are treated as spaces with a warning; keepalived reads '100\u00a0' as an invalid number",
  },
  {
    line: 'lvs_sync_daemon_interface vigil0',
    keepalived: 5,
    vigil: 0,
    reason: 'deprecated keywords warn (naming the replacement) instead of failing the config test',
  },
  {
    line: RS_CHECK('HTTP_GET {\n      url {\n        path /\n      }\n      nb_get_retry 3\n    }'),
    keepalived: 5,
    vigil: 0,
    reason: "deprecated keywords warn: nb_get_retry is read as 'retry'",
  },
  {
    line: RS_CHECK('HTTP_GET {\n    }'),
    keepalived: 139,
    vigil: 0,
    reason:
      'keepalived 2.2.7 -t crashes (SIGSEGV) on an HTTP_GET without url; vigil warns that nothing is checked',
  },
  {
    line: VS(VS_FULL, 'group NOPE'),
    keepalived: 0,
    vigil: 5,
    reason:
      'a virtual_server group that no virtual_server_group defines is an error; keepalived ignores it silently',
  },
  {
    line: `global_defs {\n  script_user nobody\n}\n${SCRIPT}`,
    keepalived: 143,
    vigil: 0,
    reason: 'keepalived 2.2.7 -t terminates itself (SIGTERM, 143) when scripts run as a non-root script_user',
  },
];

/** mulberry32: a small seeded PRNG so the corpus is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from `options`; `undefined` entries mean "leave the keyword out". */
function pick<T>(rnd: () => number, options: readonly T[]): T {
  return options[Math.floor(rnd() * options.length)]!;
}

export function renderConfig(f: Features): string {
  const g: string[] = [];
  if (f.strict) g.push('  vrrp_strict');
  if (f.globalVersion !== undefined) g.push(`  vrrp_version ${f.globalVersion}`);
  if (f.garpInterval !== undefined) g.push(`  vrrp_garp_interval ${f.garpInterval}`);
  const lines: string[] = [];
  if (g.length > 0) lines.push('global_defs {', ...g, '}');
  lines.push('vrrp_instance VI_1 {');
  if (f.state !== undefined) lines.push(`  state ${f.state}`);
  lines.push(`  interface ${f.iface}`);
  if (f.vrid !== undefined) lines.push(`  virtual_router_id ${f.vrid}`);
  if (f.priority !== undefined) lines.push(`  priority ${f.priority}`);
  if (f.version !== undefined) lines.push(`  version ${f.version}`);
  if (f.advert !== undefined) lines.push(`  advert_int ${f.advert}`);
  if (f.nopreempt) lines.push('  nopreempt');
  if (f.preemptDelay !== undefined) lines.push(`  preempt_delay ${f.preemptDelay}`);
  if (f.auth !== undefined) {
    const pass = f.auth === 'PASSLONG' ? 'longpassword' : 'secret';
    lines.push(
      '  authentication {',
      `    auth_type ${f.auth === 'AH' ? 'AH' : 'PASS'}`,
      `    auth_pass ${pass}`,
      '  }',
    );
  }
  if (f.unknownKeyword !== undefined) lines.push(`  ${f.unknownKeyword}`);
  if (f.rawLine !== undefined) lines.push(`  ${f.rawLine}`);
  if (f.peers.length > 0) lines.push('  unicast_peer {', ...f.peers.map((p) => `    ${p}`), '  }');
  if (f.trackUndefinedScript) lines.push('  track_script {', '    no_such_script', '  }');
  lines.push('  virtual_ipaddress {', ...f.vips.map((v) => `    ${v}`), '  }');
  if (f.excluded.length > 0)
    lines.push('  virtual_ipaddress_excluded {', ...f.excluded.map((v) => `    ${v}`), '  }');
  if (!f.missingBrace) lines.push('}');
  if (f.extra !== undefined) lines.push(f.extra);
  return `${lines.join('\n')}\n`;
}

const VALID: Features = {
  strict: false,
  vrid: '51',
  priority: '100',
  nopreempt: false,
  iface: 'vigil0',
  vips: ['192.0.2.100/24'],
  excluded: [],
  peers: [],
  missingBrace: false,
  trackUndefinedScript: false,
};

/** One mutation per feature axis, applied to a valid base: each config isolates one rule. */
function targeted(): Features[] {
  const out: Features[] = [VALID];
  for (const vrid of ['1', '255', '0', '256', 'x', undefined]) out.push({ ...VALID, vrid });
  for (const priority of ['1', '254', '255', '0', '256', 'abc', undefined]) out.push({ ...VALID, priority });
  for (const advert of ['1', '3', '0.5', '0', '255', '256', '1.5']) out.push({ ...VALID, advert });
  for (const advert of ['0.5', '0.01', '40', '41', '1']) out.push({ ...VALID, version: '3', advert });
  for (const state of ['MASTER', 'BACKUP', 'FOO']) {
    out.push({ ...VALID, state });
    out.push({ ...VALID, state, nopreempt: true });
    out.push({ ...VALID, state, preemptDelay: '10' });
    out.push({ ...VALID, state, priority: undefined });
    out.push({ ...VALID, state, strict: true });
  }
  out.push({ ...VALID, preemptDelay: '1000' }, { ...VALID, preemptDelay: '1001' });
  for (const auth of ['PASS', 'PASSLONG', 'AH'] as const) {
    out.push({ ...VALID, auth }, { ...VALID, auth, strict: true }, { ...VALID, auth, version: '3' });
  }
  out.push({ ...VALID, strict: true }, { ...VALID, strict: true, peers: ['192.0.2.9'] });
  for (const iface of ['nope0', 'lo']) out.push({ ...VALID, iface });
  for (const bad of ['xxx/23', '192.168.1.300', '10.0.0.1/33', '192.168.100./24'])
    out.push({ ...VALID, vips: [bad] });
  out.push({ ...VALID, vips: [] });
  out.push({ ...VALID, vips: ['192.0.2.100', '2001:db8::1'] });
  out.push({ ...VALID, vips: ['2001:db8::1', '2001:db8::2'] });
  out.push({ ...VALID, excluded: ['2001:db8::1'] });
  out.push({ ...VALID, peers: ['192.0.2.9', '2001:db8::9'] });
  for (const k of ['priorty 100', 'frobnicate', 'Nopreempt']) out.push({ ...VALID, unknownKeyword: k });
  out.push({ ...VALID, missingBrace: true });
  out.push({ ...VALID, trackUndefinedScript: true });
  for (const garpInterval of ['0', '0.001', '5000']) out.push({ ...VALID, garpInterval });
  out.push({ ...VALID, globalVersion: '3', advert: '0.5' });
  for (const strict of [true, false]) {
    for (const vips of [['2001:db8::1'], ['fe80::1', '2001:db8::1']]) {
      out.push({ ...VALID, strict, version: '2', vips }, { ...VALID, strict, vips });
    }
    out.push({ ...VALID, strict, rawLine: 'accept' }, { ...VALID, strict, version: '3', rawLine: 'accept' });
  }
  // A keyword missing its value: keepalived stops parsing (exit 2), and so does vigil's verdict.
  for (const rawLine of ['priority', 'debug']) out.push({ ...VALID, rawLine });
  for (const extra of EXTRAS) out.push({ ...VALID, extra });
  for (const d of DELIBERATE) {
    out.push(
      d.line.includes('\n') || d.line.startsWith('virtual_server')
        ? { ...VALID, extra: d.line }
        : { ...VALID, rawLine: d.line },
    );
  }
  return out;
}

/** Random combinations of the same axes, weighted towards valid values. */
function random(count: number, seed: number): Features[] {
  const r = prng(seed);
  const out: Features[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      strict: r() < 0.2,
      ...(r() < 0.1 ? { globalVersion: pick(r, ['2', '3']) } : {}),
      ...(r() < 0.1 ? { garpInterval: pick(r, ['0', '0.5']) } : {}),
      ...(r() < 0.7 ? { state: pick(r, ['MASTER', 'BACKUP', 'BACKUP', 'FOO']) } : {}),
      vrid: pick(r, ['1', '51', '51', '255', '0', '256']),
      ...(r() < 0.8 ? { priority: pick(r, ['100', '100', '150', '255', '1', '0']) } : {}),
      ...(r() < 0.3 ? { version: pick(r, ['2', '3']) } : {}),
      ...(r() < 0.5 ? { advert: pick(r, ['1', '1', '2', '0.5', '0']) } : {}),
      nopreempt: r() < 0.3,
      ...(r() < 0.15 ? { preemptDelay: pick(r, ['5', '1001']) } : {}),
      ...(r() < 0.25 ? { auth: pick(r, ['PASS', 'PASS', 'PASSLONG', 'AH'] as const) } : {}),
      iface: pick(r, ['vigil0', 'vigil0', 'vigil0', 'vigil0', 'nope0']),
      vips: pick(r, [
        ['192.0.2.100'],
        ['192.0.2.100/24', '192.0.2.101/24'],
        ['xxx/23'],
        ['192.0.2.100', '2001:db8::5'],
      ]),
      excluded: r() < 0.1 ? ['2001:db8::1'] : [],
      peers: r() < 0.15 ? ['192.0.2.9'] : [],
      ...(r() < 0.08 ? { unknownKeyword: pick(r, ['advert_intt 1', 'bogus_keyword']) } : {}),
      missingBrace: r() < 0.05,
      trackUndefinedScript: r() < 0.08,
    });
  }
  return out;
}

export function corpus(): Features[] {
  return [...targeted(), ...random(24, 0x5eed)];
}

/**
 * Single-line mutations of keepalived's own sample configs (interfaces renamed to vigil0): a line
 * deleted or repeated, a number or an address replaced, a keyword upper-cased. Deterministic for
 * a given set of samples and seed.
 */
export function sampleMutations(samples: readonly string[], count: number, seed: number): string[] {
  const r = prng(seed);
  const numbers = ['0', '1', '-1', '2', '255', '256', '65535', '65536', '0.5', '1000', '4294967296', 'x'];
  const addresses = ['1.2.3.x', '2001:db8::1', '10.0.0.256', '224.0.0.1', '0.0.0.0'];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const lines = pick(r, samples)
      .replace(/\beth[0-9](\.[0-9]+)?\b/g, 'vigil0')
      .split('\n');
    const candidates = lines.flatMap((l, i) =>
      /\S/.test(l) && !/^\s*[!#]/.test(l) && !/[{}]/.test(l) ? [i] : [],
    );
    const i = pick(r, candidates);
    const m = r();
    const line = lines[i]!;
    if (m < 0.25) lines.splice(i, 1);
    else if (m < 0.6) lines[i] = line.replace(/\b\d+(\.\d+)?\b/, () => pick(r, numbers));
    else if (m < 0.75) lines[i] = line.replace(/\d+\.\d+\.\d+\.\d+/, () => pick(r, addresses));
    else if (m < 0.9) lines.splice(i, 0, line);
    else lines[i] = line.replace(/^(\s*)(\S+)/, (_, sp: string, w: string) => sp + w.toUpperCase());
    out.push(lines.join('\n'));
  }
  return out;
}
