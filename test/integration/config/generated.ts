/**
 * A large generated corpus for the differential `-t` test (generated.test.ts): thousands of
 * keepalived.conf variants. Pure and deterministic (seeded):
 *
 * - a sweep over every keyword of vigil's schema (src/config/schema/), each inserted into a valid
 *   config of its block with valid, boundary and invalid values (and bare, and with an extra word);
 * - structural mutations of a full config: each line deleted or repeated, each brace dropped, an
 *   extra `{` or `}` after each line, each block repeated (duplicate names);
 * - dangling references (track_script, track_file, sync-group members, virtual_server group...);
 * - random combinations of the sweep's lines.
 *
 * Every case has a label (`vrrp_instance.priority=256`) which the test prints and which the
 * deliberate-difference list matches against.
 */
import { GLOBAL_DEFS, SSL, TOP_LEVEL, VIRTUAL_SERVER_GROUP } from '../../../src/config/schema/index.js';
import { CHECKERS, HTTP_URL, REAL_SERVER, VIRTUAL_SERVER } from '../../../src/config/schema/lvs.js';
import type { BlockSpec, KeywordSpec } from '../../../src/config/schema/types.js';
import {
  AUTHENTICATION,
  SYNC_GROUP,
  TRACK_FILE,
  TRACK_PROCESS,
  VRRP_INSTANCE,
  VRRP_SCRIPT,
} from '../../../src/config/schema/vrrp.js';
import { prng } from './corpus.js';

export interface GeneratedCase {
  readonly label: string;
  readonly text: string;
}

/** An indented block: `head {`, the lines, `}`. */
function block(head: string, lines: readonly string[], indent = ''): string[] {
  return [`${indent}${head} {`, ...lines.map((l) => `${indent}  ${l}`), `${indent}}`];
}

/** A statement that may span several lines (a sub-block). */
type Stmt = string;
const kwOf = (s: Stmt): string => s.trim().split(/\s+/)[0] ?? '';

/** The skeleton's statements, minus those with the inserted keyword, plus the inserted one. */
function merge(base: readonly Stmt[], insert: Stmt | undefined): Stmt[] {
  if (insert === undefined) return [...base];
  const k = kwOf(insert);
  return [...base.filter((s) => kwOf(s) !== k), insert];
}
const lines = (stmts: readonly Stmt[]): string[] => stmts.flatMap((s) => s.split('\n'));

const SECURE = ['enable_script_security', 'script_user root'];
const INSTANCE: readonly Stmt[] = [
  'state BACKUP',
  'interface vigil0',
  'virtual_router_id 51',
  'priority 100',
  'advert_int 1',
  'virtual_ipaddress {\n  192.0.2.100/24\n}',
];
const instance = (stmts: readonly Stmt[] = INSTANCE, name = 'VI_1'): string[] =>
  block(`vrrp_instance ${name}`, lines(stmts));
const INSTANCE2 = merge(merge(INSTANCE, 'virtual_router_id 52'), 'virtual_ipaddress {\n  192.0.2.101/24\n}');

const VS: readonly Stmt[] = ['delay_loop 6', 'lb_algo rr', 'lb_kind NAT', 'protocol TCP'];
const RS: readonly Stmt[] = ['weight 1'];
const virtualServer = (vs: readonly Stmt[], rs: readonly Stmt[], addr = '192.0.2.10 80'): string[] =>
  block(`virtual_server ${addr}`, [...lines(vs), ...block('real_server 198.51.100.1 80', lines(rs))]);

/** The minimal valid body of each checker. */
const CHECKER_BASE: Record<string, readonly Stmt[]> = {
  HTTP_GET: ['url {\n  path /\n}'],
  SSL_GET: ['url {\n  path /\n}'],
  TCP_CHECK: ['connect_timeout 3'],
  SMTP_CHECK: ['connect_timeout 3'],
  MISC_CHECK: ['misc_path /bin/true'],
  DNS_CHECK: ['type A', 'name example.org'],
  UDP_CHECK: ['connect_timeout 3'],
  PING_CHECK: ['connect_timeout 3'],
  FILE_CHECK: ['track_file tf'],
  BFD_CHECK: ['name b1'],
};
/** Top-level blocks a checker needs. */
const CHECKER_SUPPORT: Record<string, readonly string[]> = {
  MISC_CHECK: block('global_defs', SECURE),
  FILE_CHECK: block('track_file tf', ['file /tmp/vigil-nonexistent-track']),
  BFD_CHECK: block('bfd_instance b1', ['neighbor_ip 192.0.2.50']),
};

/** A valid config that contains `spec`'s block, with `insert` added to that block. */
interface Context {
  readonly name: string;
  readonly spec: BlockSpec;
  readonly render: (insert: Stmt | undefined) => string[];
}

const trackedBy = (kw: string, name: string) => merge(INSTANCE, `${kw} {\n  ${name}\n}`);

const CONTEXTS: readonly Context[] = [
  {
    name: 'top',
    spec: TOP_LEVEL,
    render: (s) => [...(s === undefined ? [] : s.split('\n')), ...instance()],
  },
  {
    name: 'global_defs',
    spec: GLOBAL_DEFS,
    render: (s) => [...block('global_defs', lines(merge(['router_id r1'], s))), ...instance()],
  },
  { name: 'vrrp_instance', spec: VRRP_INSTANCE, render: (s) => instance(merge(INSTANCE, s)) },
  {
    name: 'authentication',
    spec: AUTHENTICATION,
    render: (s) =>
      instance(
        merge(
          INSTANCE,
          `authentication {\n${lines(merge(['auth_type PASS', 'auth_pass secret'], s))
            .map((l) => `  ${l}`)
            .join('\n')}\n}`,
        ),
      ),
  },
  {
    name: 'vrrp_script',
    spec: VRRP_SCRIPT,
    render: (s) => [
      ...block('global_defs', SECURE),
      ...block('vrrp_script chk', lines(merge(['script /bin/true', 'interval 2'], s))),
      ...instance(trackedBy('track_script', 'chk')),
    ],
  },
  {
    name: 'track_file',
    spec: TRACK_FILE,
    render: (s) => [
      ...block('track_file tf', lines(merge(['file /tmp/vigil-nonexistent-track'], s))),
      ...instance(trackedBy('track_file', 'tf')),
    ],
  },
  {
    name: 'vrrp_track_process',
    spec: TRACK_PROCESS,
    render: (s) => [
      ...block('vrrp_track_process p', lines(merge(['process nginx'], s))),
      ...instance(trackedBy('track_process', 'p')),
    ],
  },
  {
    name: 'vrrp_sync_group',
    spec: SYNC_GROUP,
    render: (s) => [
      ...block('global_defs', SECURE),
      ...block('vrrp_script chk', ['script /bin/true']),
      ...block('track_file tf', ['file /tmp/vigil-nonexistent-track']),
      ...block('vrrp_track_process p', ['process nginx']),
      ...instance(),
      ...instance(INSTANCE2, 'VI_2'),
      ...block('vrrp_sync_group G', lines(merge(['group {\n  VI_1\n  VI_2\n}'], s))),
    ],
  },
  {
    name: 'instance-with-tracks',
    spec: VRRP_INSTANCE,
    render: (s) => [
      ...block('global_defs', SECURE),
      ...block('vrrp_script chk', ['script /bin/true']),
      ...block('track_file tf', ['file /tmp/vigil-nonexistent-track']),
      ...block('vrrp_track_process p', ['process nginx']),
      ...instance(merge(INSTANCE, s)),
    ],
  },
  {
    name: 'virtual_server',
    spec: VIRTUAL_SERVER,
    render: (s) => [...instance(), ...virtualServer(merge(VS, s), RS)],
  },
  {
    name: 'real_server',
    spec: REAL_SERVER,
    render: (s) => [...block('global_defs', SECURE), ...instance(), ...virtualServer(VS, merge(RS, s))],
  },
  ...Object.entries(CHECKERS).map(
    ([name, spec]): Context => ({
      name,
      spec,
      render: (s) => [
        ...(CHECKER_SUPPORT[name] ?? []),
        ...instance(),
        ...virtualServer(VS, [
          ...RS,
          `${name} {\n${lines(merge(CHECKER_BASE[name]!, s))
            .map((l) => `  ${l}`)
            .join('\n')}\n}`,
        ]),
      ],
    }),
  ),
  {
    name: 'url',
    spec: HTTP_URL,
    render: (s) => [
      ...instance(),
      ...virtualServer(VS, [
        ...RS,
        `HTTP_GET {\n  url {\n${lines(merge(['path /'], s))
          .map((l) => `    ${l}`)
          .join('\n')}\n  }\n}`,
      ]),
    ],
  },
  {
    name: 'SSL',
    spec: SSL,
    render: (s) => [...block('SSL', lines(merge([], s))), ...instance()],
  },
];

const IPS = ['192.0.2.1', '2001:db8::1', '1.2.3.x', '224.0.0.1', 'ff02::1', '192.0.2.1/24', '0.0.0.0'];

/** Argument variants for a special reader (valid, boundary, invalid). */
const SPECIAL_VALUES: Record<string, readonly string[]> = {
  vips: [
    '{\n  192.0.2.100/24\n}',
    '{\n  192.0.2.100/24 dev vigil0\n}',
    '{\n  192.0.2.100/24 dev nope0\n}',
    '{\n  192.0.2.100/24 dev vigil0 scope link\n}',
    '{\n  192.0.2.100/24 dev vigil0 scope bogus\n}',
    '{\n  192.0.2.100/24 label vigil0:1\n}',
    '{\n  192.0.2.100/24 brd 192.0.2.255\n}',
    '{\n  192.0.2.100/24 foo\n}',
    '{\n  2001:db8::1/64\n}',
    '{\n  fe80::1/64\n}',
    '{\n  192.0.2.100 peer 192.0.2.200/24\n}',
    '{\n  192.0.2.100/33\n}',
    '{\n  192.0.2.300\n}',
    '{\n  192.0.2.100/24\n  192.0.2.100/24\n}',
    '{\n  192.0.2.100-105\n}',
    '{\n}',
  ],
  routes: [
    '{\n  10.8.0.0/16 via 192.0.2.1 dev vigil0\n}',
    '{\n  10.8.0.0/16 dev vigil0\n}',
    '{\n  10.8.0.0/16 via 192.0.2.1\n}',
    '{\n  10.8.0.0/16 via 192.0.2.1 no_track\n}',
    '{\n  blackhole 10.9.0.0/16\n}',
    '{\n  10.8.0.0/16 via 192.0.2.1 dev vigil0 metric 10\n}',
    '{\n  10.8.0.0/16 via 192.0.2.1 dev vigil0 table 100\n}',
    '{\n  10.8.0.0/16 via 192.0.2.1 dev vigil0 bogus\n}',
    '{\n  10.8.0.0/16 via 2001:db8::1 dev vigil0\n}',
    '{\n  x via 192.0.2.1 dev vigil0\n}',
    '{\n  10.8.0.0/16 src 192.0.2.100 dev vigil0\n}',
    '{\n  2001:db8:1::/48 dev vigil0\n}',
    '{\n}',
  ],
  rules: [
    '{\n  from 10.1.0.0/16 table 100\n}',
    '{\n  from 10.1.0.0/16 table 100 preference 10\n}',
    '{\n  to 10.1.0.0/16 table 100 priority 10\n}',
    '{\n  from 10.1.0.0/16 lookup 100 pref 10\n}',
    '{\n  from 10.1.0.0/16 preference 10\n}',
    '{\n  from x table 100 preference 10\n}',
    '{\n  from all table 100 preference 5\n}',
    '{\n  from 10.1.0.0/16 to 2001:db8::/32 table 100 preference 5\n}',
    '{\n  from 10.1.0.0/16 table 100 goto 5 preference 5\n}',
    '{\n  from 10.1.0.0/16 table 100 bogus preference 5\n}',
    '{\n}',
  ],
  'track-list': [
    '{\n  chk\n}',
    '{\n  chk weight 10\n}',
    '{\n  chk weight 300\n}',
    '{\n  nope\n}',
    '{\n  chk\n  chk\n}',
    '{\n}',
    '{\n  chk weight 10 reverse\n}',
    '{\n  tf\n}',
    '{\n  p\n}',
  ],
  'track-interface': [
    '{\n  vigil1\n}',
    '{\n  vigil1 weight 10\n}',
    '{\n  vigil1 weight 300\n}',
    '{\n  vigil1 weight -254\n}',
    '{\n  vigil0\n}',
    '{\n  nope0\n}',
    '{\n  lo\n}',
    '{\n  vigil1\n  vigil1\n}',
    '{\n  vigil1 weight x\n}',
    '{\n}',
  ],
  peers: [
    '{\n  192.0.2.9\n}',
    '{\n  2001:db8::9\n}',
    '{\n  x\n}',
    '{\n  192.0.2.9 min_ttl 1 max_ttl 10\n}',
    '{\n  192.0.2.9\n  192.0.2.9\n}',
    '{\n  192.0.2.9/24\n}',
    '{\n}',
  ],
  weight: [
    '0',
    '10',
    '-10',
    '253',
    '254',
    '-254',
    '255',
    '2147483647',
    '2147483648',
    'x',
    '10 reverse',
    '1.5',
  ],
  'sync-members': [
    '{\n  VI_1\n}',
    '{\n  VI_1\n  VI_2\n}',
    '{\n  VI_1\n  VI_9\n}',
    '{\n  VI_1\n  VI_1\n}',
    '{\n}',
  ],
  'smtp-server': [
    '192.0.2.1',
    '192.0.2.1 25',
    '192.0.2.1 70000',
    'mail.example.org',
    '192.0.2.1 x',
    '1.2.3.x',
    '2001:db8::1 25',
    '255.200.1',
  ],
  'script-user': ['root', 'root root', 'nosuchuser', 'root nosuchgroup', 'nobody'],
  'status-code': ['200', '200-299', '200 301', '99', '600', '100', '599', 'x', '300-200'],
  'sorry-server': [
    '192.0.2.200 80',
    '192.0.2.200',
    'x 80',
    '192.0.2.200 70000',
    '198.51.100.1 80',
    '2001:db8::200 80',
  ],
  'use-vmac': ['', 'vrrp.51', 'vigil0'],
  'garp-interval': ['0', '0.000001', '0.001', '1', '4294.967295', '4294.967296', '5000', 'x', '-1'],
  'garp-extra-if': ['5', 'all 5', 'x', 'all', '86401'],
  'lvs-timeouts': ['tcp 60 tcpfin 10 udp 30', 'tcp x', 'bogus 1', 'tcp'],
  'init-file': ['', '5', 'overwrite', '5 overwrite', 'x'],
  digest: [
    '640205b7b0fc66c1ea91c463fac6334d',
    '640205b7b0fc66c1ea91c463fac6334',
    'xyz',
    '640205B7B0FC66C1EA91C463FAC6334D',
  ],
};

/** Sample values for keywords vigil does not check (kept as written). */
const LATER_VALUES: Record<string, readonly string[]> = {
  lvs_sync_daemon: ['vigil0 VI_1', 'vigil0', 'nope0 VI_1', 'vigil0 VI_9'],
  lvs_timeouts: ['tcp 60 tcpfin 10 udp 30', 'tcp x', 'bogus 1'],
  nftables: ['keepalived'],
  vmac_prefix: ['vrrp'],
  umask: ['022', '0777', 'x'],
  debug: ['1', '4', '5'],
  vrf: ['vigil1', 'nope0'],
  garp_extra_if: ['5', 'all 5', 'x'],
  kernel_rx_buf_size: ['1024', 'x'],
  vmac_xmit_base: [''],
  use_vmac_addr: [''],
  vrrp_garp_extra_if: ['5', 'all 5'],
};

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n);
}

/** CPU numbers depend on the host: only CPU 0 is sure to exist. */
const VALUE_OVERRIDES: Record<string, readonly string[]> = Object.fromEntries(
  ['vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity'].map((k) => [k, ['0', 'x', '']]),
);

/** Values for one keyword, from its kind: valid, boundaries, just outside, malformed, bare. */
function valuesFor(k: KeywordSpec): string[] {
  const override = VALUE_OVERRIDES[k.name];
  if (override !== undefined) return [...override];
  const kind = k.kind;
  switch (kind.t) {
    case 'flag':
      return ['', 'x'];
    case 'bool':
      return ['', 'on', 'off', 'true', 'no', 'maybe'];
    case 'int': {
      const out = [kind.min, kind.max, kind.min - 1, kind.max + 1].map(fmtNum);
      out.push('x', '1.5', '');
      if (kind.min <= 2 && kind.max >= 2) out.push('2');
      return out;
    }
    case 'decimal': {
      // Timers keepalived keeps in 64 bits have no practical maximum.
      const out = (kind.max > 1e12 ? [kind.min, 1e9] : [kind.min, kind.max, kind.max + 1]).map(fmtNum);
      out.push(kind.min > 0 ? '0' : '-1', 'x', '1.5', '', '2');
      return out;
    }
    case 'string':
      return ['foo', '', 'foo bar', '"two words"'];
    case 'enum': {
      const out = [...kind.values];
      out.push(kind.values[0]!.toLowerCase(), 'BOGUS', '');
      return [...new Set(out)];
    }
    case 'ip':
      return [...IPS, ''];
    case 'script':
      return [
        '/bin/true',
        '"/bin/true arg"',
        '/nonexistent/x.sh',
        'true',
        '',
        ...(kind.withUser ? ['/bin/true root', '/bin/true nosuchuser'] : []),
      ];
    case 'words':
      return [...(LATER_VALUES[k.name] ?? ['1']), '', 'x'];
    case 'lines':
      return ['{\n  a@example.org\n}', '{\n}', ''];
    case 'block':
      return ['{\n}', ''];
    case 'special':
      return [...(SPECIAL_VALUES[kind.reader] ?? ['x']), ''];
  }
}

function statement(name: string, value: string): Stmt {
  return value === '' ? name : `${name} ${value}`;
}

/** The keyword sweep: every keyword of every block, each value, in a valid config of its block. */
function keywordSweep(): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  for (const ctx of CONTEXTS) {
    out.push({ label: `${ctx.name}:base`, text: ctx.render(undefined).join('\n') });
    for (const k of ctx.spec.keywords) {
      // Checker blocks and the top-level blocks are covered by their own contexts.
      if (ctx.name === 'instance-with-tracks' && !k.name.startsWith('track_')) continue;
      if (ctx.name === 'top' && (k.kind.t === 'block' || k.name === 'vrrp_track_file')) {
        out.push({ label: `top.${k.name}={}`, text: ctx.render(`${k.name} x {\n}`).join('\n') });
        out.push({ label: `top.${k.name}=bare`, text: ctx.render(k.name).join('\n') });
        continue;
      }
      if (k.kind.t === 'block' && k.kind.block.name in CHECKERS) {
        out.push({ label: `${ctx.name}.${k.name}={}`, text: ctx.render(`${k.name} {\n}`).join('\n') });
        continue;
      }
      for (const v of valuesFor(k)) {
        out.push({
          label: `${ctx.name}.${k.name}=${v.replace(/\n\s*/g, ' ')}`,
          text: ctx.render(statement(k.name, v)).join('\n'),
        });
      }
    }
  }
  // virtual_server addresses and groups.
  for (const addr of [
    '192.0.2.10 80',
    '192.0.2.10',
    '192.0.2.10 0',
    '192.0.2.10 65535',
    '192.0.2.10 65536',
    '192.0.2.10 x',
    '2001:db8::10 80',
    '[2001:db8::10]:80',
    'fwmark 1',
    'fwmark 0',
    'fwmark x',
    'group G',
    'group NOPE',
    'x 80',
  ]) {
    const vs = addr.startsWith('fwmark') ? VS.filter((s) => !s.startsWith('protocol')) : VS;
    out.push({
      label: `virtual_server.address=${addr}`,
      text: [
        ...instance(),
        ...block('virtual_server_group G', ['192.0.2.10 80']),
        ...virtualServer(vs, RS, addr),
      ].join('\n'),
    });
  }
  for (const member of [
    '192.0.2.10 80',
    '192.0.2.10-20 80',
    '192.0.2.20-10 80',
    '192.0.2.10',
    'fwmark 7',
    'x 80',
    '2001:db8::10 80',
    '192.0.2.10 80\n192.0.2.10 80',
  ]) {
    out.push({
      label: `${VIRTUAL_SERVER_GROUP.name}.member=${member.replace(/\n/g, ' ')}`,
      text: [
        ...instance(),
        ...block('virtual_server_group G', member.split('\n')),
        ...virtualServer(VS, RS, 'group G'),
      ].join('\n'),
    });
  }
  // real_server addresses.
  for (const rs of [
    '198.51.100.1 80',
    '198.51.100.1 8080',
    '198.51.100.1',
    '198.51.100.1 0',
    'x 80',
    '2001:db8::1 80',
    '198.51.100.1 70000',
  ]) {
    for (const kind of ['NAT', 'DR', 'TUN']) {
      out.push({
        label: `real_server.address=${rs} lb_kind ${kind}`,
        text: [
          ...instance(),
          ...block('virtual_server 192.0.2.10 80', [
            ...lines(merge(VS, `lb_kind ${kind}`)),
            ...block(`real_server ${rs}`, ['weight 1']),
          ]),
        ].join('\n'),
      });
    }
  }
  return out;
}

/** A full config touching most blocks: the subject of the structural mutations. */
const FULL: readonly string[] = [
  ...block('global_defs', [
    'router_id r1',
    ...SECURE,
    'notification_email {',
    '  ops@example.org',
    '}',
    'smtp_server 192.0.2.1',
  ]),
  ...block('vrrp_script chk', ['script /bin/true', 'interval 2', 'weight -10']),
  ...block('track_file tf', ['file /tmp/vigil-nonexistent-track']),
  ...instance(merge(merge(INSTANCE, 'track_script {\n  chk\n}'), 'track_interface {\n  vigil1\n}')),
  ...instance(INSTANCE2, 'VI_2'),
  ...block('vrrp_sync_group G', ['group {', '  VI_1', '  VI_2', '}']),
  ...block('virtual_server_group VG', ['192.0.2.20 80']),
  ...virtualServer([...VS, 'sorry_server 192.0.2.200 80'], [...RS, 'TCP_CHECK {\n  connect_timeout 3\n}']),
  ...block('virtual_server group VG', [
    ...VS,
    ...block('real_server 198.51.100.2 80', [
      'weight 2',
      'HTTP_GET {',
      '  url {',
      '    path /',
      '    status_code 200',
      '  }',
      '}',
    ]),
  ]),
];

function structural(): GeneratedCase[] {
  const out: GeneratedCase[] = [{ label: 'full:base', text: FULL.join('\n') }];
  FULL.forEach((line, i) => {
    const del = FULL.filter((_, j) => j !== i);
    out.push({ label: `full:delete line ${i + 1} '${line.trim()}'`, text: del.join('\n') });
    const dup = [...FULL.slice(0, i + 1), line, ...FULL.slice(i + 1)];
    out.push({ label: `full:repeat line ${i + 1} '${line.trim()}'`, text: dup.join('\n') });
    for (const brace of ['{', '}']) {
      const extra = [...FULL.slice(0, i + 1), brace, ...FULL.slice(i + 1)];
      out.push({ label: `full:extra '${brace}' after line ${i + 1}`, text: extra.join('\n') });
    }
    if (line.trim().endsWith('{')) {
      const glued = [...FULL];
      glued[i] = line.replace(/\s*\{$/, '');
      out.push({
        label: `full:'{' moved to next line ${i + 1}`,
        text: [...glued.slice(0, i + 1), '{', ...glued.slice(i + 1)].join('\n'),
      });
    }
  });
  // Each top-level block repeated (duplicate names) and renamed to collide.
  const tops: { start: number; end: number }[] = [];
  FULL.forEach((l, i) => {
    if (/^\S.*\{$/.test(l)) tops.push({ start: i, end: FULL.indexOf('}', i) });
  });
  for (const t of tops) {
    const b = FULL.slice(t.start, t.end + 1);
    out.push({ label: `full:duplicate block '${FULL[t.start]}'`, text: [...FULL, ...b].join('\n') });
  }
  // Dangling references.
  const dangling: [string, string][] = [
    ['track_script', 'track_script {\n  nope\n}'],
    ['track_file', 'track_file {\n  nope\n}'],
    ['track_process', 'track_process {\n  nope\n}'],
    ['track_interface', 'track_interface {\n  nope0\n}'],
    ['track_bfd', 'track_bfd {\n  nope\n}'],
  ];
  for (const [name, s] of dangling) {
    out.push({ label: `dangling:instance ${name}`, text: instance(merge(INSTANCE, s)).join('\n') });
    out.push({
      label: `dangling:sync group ${name}`,
      text: [
        ...instance(),
        ...instance(INSTANCE2, 'VI_2'),
        ...block('vrrp_sync_group G', ['group {', '  VI_1', '  VI_2', '}', ...s.split('\n')]),
      ].join('\n'),
    });
  }
  out.push({
    label: 'dangling:sync group member',
    text: [...instance(), ...block('vrrp_sync_group G', ['group {', '  VI_1', '  VI_9', '}'])].join('\n'),
  });
  out.push({
    label: 'dangling:virtual_server group',
    text: [...instance(), ...virtualServer(VS, RS, 'group NOPE')].join('\n'),
  });
  out.push({
    label: 'dangling:FILE_CHECK track_file',
    text: [...instance(), ...virtualServer(VS, [...RS, 'FILE_CHECK {\n  track_file nope\n}'])].join('\n'),
  });
  out.push({
    label: 'dangling:BFD_CHECK',
    text: [...instance(), ...virtualServer(VS, [...RS, 'BFD_CHECK {\n  name nope\n}'])].join('\n'),
  });
  out.push({
    label: 'dangling:lvs_sync_daemon instance',
    text: [...block('global_defs', ['lvs_sync_daemon vigil0 VI_9']), ...instance()].join('\n'),
  });
  // Duplicate instance names / VRIDs / sync groups.
  out.push({ label: 'dup:instance name', text: [...instance(), ...instance(INSTANCE2)].join('\n') });
  out.push({
    label: 'dup:vrid',
    text: [
      ...instance(),
      ...instance(merge(INSTANCE, 'virtual_ipaddress {\n  192.0.2.101/24\n}'), 'VI_2'),
    ].join('\n'),
  });
  out.push({
    label: 'dup:vrid other iface',
    text: [...instance(), ...instance(merge(INSTANCE, 'interface vigil1'), 'VI_2')].join('\n'),
  });
  out.push({
    label: 'dup:vrid other family',
    text: [
      ...instance(),
      ...instance(merge(INSTANCE, 'virtual_ipaddress {\n  2001:db8::1/64\n}'), 'VI_2'),
    ].join('\n'),
  });
  out.push({
    label: 'dup:vrid unicast',
    text: [
      ...instance(merge(INSTANCE, 'unicast_peer {\n  192.0.2.9\n}')),
      ...instance(
        merge(merge(INSTANCE, 'unicast_peer {\n  192.0.2.8\n}'), 'virtual_ipaddress {\n  192.0.2.101/24\n}'),
        'VI_2',
      ),
    ].join('\n'),
  });
  out.push({
    label: 'dup:real_server',
    text: [
      ...instance(),
      ...block('virtual_server 192.0.2.10 80', [
        ...VS,
        ...block('real_server 198.51.100.1 80', RS),
        ...block('real_server 198.51.100.1 80', RS),
      ]),
    ].join('\n'),
  });
  out.push({
    label: 'dup:two sync groups',
    text: [
      ...instance(),
      ...instance(INSTANCE2, 'VI_2'),
      ...block('vrrp_sync_group G', ['group {', '  VI_1', '  VI_2', '}']),
      ...block('vrrp_sync_group H', ['group {', '  VI_1', '  VI_2', '}']),
    ].join('\n'),
  });
  out.push({ label: 'dup:no instance', text: block('global_defs', ['router_id r1']).join('\n') });
  out.push({ label: 'empty file', text: '' });
  out.push({ label: 'only comments', text: '# nothing\n! nothing' });
  return out;
}

/** Random combinations: a valid config with 2-4 sweep statements from different blocks. */
function combinations(sweep: readonly GeneratedCase[], count: number, seed: number): GeneratedCase[] {
  const r = prng(seed);
  const out: GeneratedCase[] = [];
  const instanceLines = sweep.filter((c) => c.label.startsWith('vrrp_instance.'));
  const vsLines = sweep.filter(
    (c) => c.label.startsWith('virtual_server.') || c.label.startsWith('real_server.'),
  );
  const globalLines = sweep.filter((c) => c.label.startsWith('global_defs.'));
  // Each sweep case differs from its context's base in one statement; recover that statement.
  const stmtOf = (c: GeneratedCase): string => {
    const v = c.label.slice(c.label.indexOf('.') + 1);
    const eq = v.indexOf('=');
    const name = v.slice(0, eq);
    const val = v.slice(eq + 1);
    return val === '' ? name : `${name} ${val}`;
  };
  const singleLine = (cs: readonly GeneratedCase[]) => cs.filter((c) => !c.label.includes('{'));
  const il = singleLine(instanceLines);
  const vl = singleLine(
    vsLines.filter(
      (c) => c.label.startsWith('virtual_server.') && !c.label.startsWith('virtual_server.address'),
    ),
  );
  const rl = singleLine(
    vsLines.filter((c) => c.label.startsWith('real_server.') && !c.label.startsWith('real_server.address')),
  );
  const gl = singleLine(globalLines);
  for (let i = 0; i < count; i++) {
    let inst: Stmt[] = [...INSTANCE];
    let vs: Stmt[] = [...VS];
    let rs: Stmt[] = [...RS];
    let g: Stmt[] = ['router_id r1'];
    const picked: string[] = [];
    const n = 2 + Math.floor(r() * 3);
    for (let j = 0; j < n; j++) {
      const which = r();
      if (which < 0.45) {
        const s = stmtOf(il[Math.floor(r() * il.length)]!);
        inst = merge(inst, s);
        picked.push(`instance ${s}`);
      } else if (which < 0.65) {
        const s = stmtOf(vl[Math.floor(r() * vl.length)]!);
        vs = merge(vs, s);
        picked.push(`vs ${s}`);
      } else if (which < 0.8) {
        const s = stmtOf(rl[Math.floor(r() * rl.length)]!);
        rs = merge(rs, s);
        picked.push(`rs ${s}`);
      } else {
        const s = stmtOf(gl[Math.floor(r() * gl.length)]!);
        g = merge(g, s);
        picked.push(`global ${s}`);
      }
    }
    out.push({
      label: `combo:${picked.join('; ')}`,
      text: [...block('global_defs', g), ...instance(inst), ...virtualServer(vs, rs)].join('\n'),
    });
  }
  return out;
}

/** The whole generated corpus, in a fixed order. */
export function generatedCorpus(seed = 0x7e57): GeneratedCase[] {
  const sweep = keywordSweep();
  const all = [...sweep, ...structural(), ...combinations(sweep, 400, seed)];
  return all.map((c) => ({ label: c.label, text: `# ${c.label.replace(/\n/g, ' ')}\n${c.text}\n` }));
}
