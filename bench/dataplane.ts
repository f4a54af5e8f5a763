/**
 * Data-plane benchmark (not a test): HTTP through a director, plane against plane, in one run.
 *
 *   node dist/bench/dataplane.js     (root; needs nft, nginx, wrk, haproxy, libnginx-mod-stream)
 *
 * The LVS lab of the integration tests (test/integration/lvs/lvs-lab.ts): a director `dir`
 * (VIP 192.0.2.100 and 198.51.100.1, forwarding), two nginx real servers `rs1`/`rs2`
 * (198.51.100.2/3, one worker each, VIP on `lo` with arp_ignore 1 / arp_announce 2) and a client
 * `cli` running wrk against http://192.0.2.100/. One plane holds the director at a time:
 * - vigil NAT / vigil DR: the vigil daemon (`--lvs-driver=nftables`) with one virtual_server,
 *   lb_algo rr, lb_kind NAT or DR, TCP_CHECK on both real servers;
 * - hand NAT / hand DR: the minimal nft ruleset that does the same (numgen round-robin DNAT; a
 *   netdev ingress `fwd` choosing the real server by a hash of the flow);
 * - HAProxy 2.6 `mode tcp`, nbthread 1; the nginx `stream` proxy, 1 worker (both round-robin).
 * For DR the real servers answer the client directly (a route to 192.0.2.0/24 on eth0); for the
 * others their replies go back through the director (default route).
 *
 * ROUNDS rounds (default 3); in each, every plane in turn: wrk keep-alive, then a new connection
 * per request (`Connection: close`), DURATION_S seconds each (default 5) after a 1 s warm-up,
 * CONNS connections (default 32), 1 wrk thread. Medians over the rounds are compared.
 * PLANES=DR,HAProxy runs only the planes whose names contain one of those words.
 *
 * Paired: vigil's ruleset (rendered by src/lvs/nft-ruleset.ts as the daemon renders it, loaded
 * directly) against the hand-written one, NAT and DR, keep-alive and new connections: PAIRS
 * (default 10) pairs of PAIR_S-second runs (default 2), the order alternating; the median of the
 * per-pair ratios is the figure for the 0.95x goal (the machine's other work moves each pair's two
 * runs alike).
 *
 * Then the time from a checker's verdict to the kernel's table: the vigil daemon with MISC_CHECKs
 * (`test -e FILE`, delay_loop 0.1), rs1's file removed and restored TOGGLES times (default 40).
 * Each change is timed (a) by the daemon itself (`-D`): the checker thread's clock from the
 * verdict, which publishes the table synchronously, to the driver's `nft -f` done ("LVS table in
 * the kernel … ms after the change", src/lvs/driver.ts SerialApplier), and the driver's part of it;
 * (b) from outside, by this process's clock: from the verdict line ("Removing service …" /
 * "Adding service …") reaching it to the first `nft monitor` line from the director's namespace
 * (printed once the transaction is committed), and from the file change to that line.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { desiredRuleset, lvsTransaction } from '../src/lvs/nft-ruleset.js';
import type { DaemonHandle, Lab } from '../test/integration/daemon/lab.js';
import { conf, nginxConf } from '../test/integration/e2e/helpers.js';
import { commandExists, waitFor } from '../test/integration/harness/topology.js';
import { createLvsLab, RS1, RS2, VIP } from '../test/integration/lvs/lvs-lab.js';
import { dest, svc, table } from '../test/lvs-fixtures.js';
import { benchCleanup } from './leftovers.js';

const envNum = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const ROUNDS = envNum('ROUNDS', 3);
const DURATION_S = envNum('DURATION_S', 5);
const CONNS = envNum('CONNS', 32);
const TOGGLES = envNum('TOGGLES', 40);
const PAIRS = envNum('PAIRS', 10);
const PAIR_S = envNum('PAIR_S', 2);
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const URL = `http://${VIP}/`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the real servers: nginx with room for many connections ----

const realServerConf = (prefix: string, _html: string, host: string) =>
  nginxConf(
    prefix,
    ['listen 0.0.0.0:80 reuseport backlog=4096;', `location / { return 200 "${host}\\n"; }`],
    ['keepalive_requests 1000000;'],
    16384,
  );

// ---- planes ----

interface Plane {
  readonly name: string;
  readonly dr: boolean;
  up(): Promise<void>;
  down(): Promise<void>;
}

const ex = (lab: Lab, host: string, cmd: string, args: readonly string[]) => lab.topo.exec(host, cmd, args);

/** Real servers answer the client directly (DR) or through the director (everything else). */
async function routeReplies(lab: Lab, dr: boolean): Promise<void> {
  for (const h of ['rs1', 'rs2'])
    await lab.topo.exec(h, 'ip', ['route', dr ? 'replace' : 'del', '192.0.2.0/24', 'dev', 'eth0'], {
      allowFail: !dr,
    });
}

/** An nft script run in the director's namespace from a file. */
async function nftFile(lab: Lab, name: string, script: string): Promise<void> {
  const f = join(lab.dir, `${name}.nft`);
  writeFileSync(f, script);
  await ex(lab, 'dir', 'nft', ['-f', f]);
}

/** Waits until wrk from the client gets answers from both real servers through the plane. */
async function servesBoth(lab: Lab, what: string): Promise<void> {
  const seen = new Set<string>();
  await waitFor(
    async () => {
      for (let i = 0; i < 4; i++) {
        const r = await lab.topo.exec('cli', 'curl', ['-s', '--max-time', '1', URL], { allowFail: true });
        if (r.code === 0) seen.add(r.stdout.trim());
      }
      return seen.has('rs1') && seen.has('rs2');
    },
    { timeoutMs: 20_000, intervalMs: 100, message: `${what} serving both real servers (seen ${[...seen]})` },
  );
}

function handNat(lab: Lab): Plane {
  return {
    name: 'hand nft NAT',
    dr: false,
    up: () =>
      nftFile(
        lab,
        'hand-nat',
        [
          'table ip dp_hand {',
          '  chain prerouting {',
          '    type nat hook prerouting priority -100; policy accept;',
          `    ip daddr ${VIP} tcp dport 80 dnat to numgen inc mod 2 map { 0 : ${RS1}, 1 : ${RS2} }`,
          '  }',
          '}',
          '',
        ].join('\n'),
      ),
    down: () => ex(lab, 'dir', 'nft', ['delete', 'table', 'ip', 'dp_hand']).then(() => undefined),
  };
}

function handDr(lab: Lab): Plane {
  return {
    name: 'hand nft DR',
    dr: true,
    // `fwd ip to … device` writes the whole Ethernet header (the director's MAC as source, the
    // neighbour's as destination), as vigil's rules do; rewriting only `ether daddr` would leave
    // the client's MAC as source and teach the bridge that the client sits behind the director.
    up: () =>
      nftFile(
        lab,
        'hand-dr',
        [
          'table netdev dp_hand {',
          '  chain ingress {',
          '    type filter hook ingress device "eth0" priority 0; policy accept;',
          `    ip daddr ${VIP} tcp dport 80 fwd ip to jhash ip saddr . tcp sport mod 2 seed 0x1 map { 0 : ${RS1}, 1 : ${RS2} } device "eth0"`,
          '  }',
          '}',
          '',
        ].join('\n'),
      ),
    down: () => ex(lab, 'dir', 'nft', ['delete', 'table', 'netdev', 'dp_hand']).then(() => undefined),
  };
}

/**
 * vigil's own ruleset for the benchmark's virtual server (rr over both real servers), rendered by
 * src/lvs/nft-ruleset.ts exactly as the daemon's driver renders it, loaded without the daemon:
 * swapped in and out in milliseconds for the paired comparison.
 */
function vigilRules(lab: Lab, kind: 'NAT' | 'DR'): Plane {
  const desired = desiredRuleset(table(svc('rr', [dest(RS1, 1, 80, kind), dest(RS2, 1, 80, kind)])), {
    devices: new Map([VIP, RS1, RS2].map((a) => [a, 'eth0'])),
  });
  return {
    name: `vigil rules ${kind}`,
    dr: kind === 'DR',
    up: () => nftFile(lab, `vigil-rules-${kind}`, lvsTransaction(null, desired)),
    down: () => nftFile(lab, 'vigil-rules-off', lvsTransaction(desired, null)),
  };
}

const vsConf = (kind: 'NAT' | 'DR', checks: string[]) =>
  conf({
    routerId: 'dpbench',
    body: [
      `virtual_server ${VIP} 80 {`,
      `  delay_loop ${kind === 'NAT' && checks.length > 0 && checks[0]!.includes('MISC') ? 0.1 : 10}`,
      '  lb_algo rr',
      `  lb_kind ${kind}`,
      '  protocol TCP',
      ...[RS1, RS2].flatMap((a, i) => [`  real_server ${a} 80 {`, '    weight 1', checks[i]!, '  }']),
      '}',
    ].join('\n'),
  });

const TCP_CHECK = '    TCP_CHECK {\n      connect_timeout 2\n    }';

function vigilPlane(lab: Lab, kind: 'NAT' | 'DR'): Plane {
  let d: DaemonHandle | undefined;
  return {
    name: `vigil ${kind}`,
    dr: kind === 'DR',
    async up() {
      d = lab.start('vigil', 'dir', vsConf(kind, [TCP_CHECK, TCP_CHECK]), {
        args: ['--lvs-driver=nftables', '-D'],
      });
      await d.waitLog(/LVS table applied with nftables/, { timeoutMs: 20_000 });
    },
    async down() {
      d?.signal('SIGTERM');
      await d?.exited;
      d = undefined;
    },
  };
}

/** A proxy process on the director, listening on VIP:80 until down(). */
function proxyPlane(lab: Lab, name: string, cmd: string, args: string[], confText: string): Plane {
  let child: ChildProcess | undefined;
  const file = join(lab.dir, `${name.replace(/\W+/g, '-')}.conf`);
  return {
    name,
    dr: false,
    async up() {
      writeFileSync(file, confText);
      const c = lab.topo.spawn('dir', cmd, [...args, file]);
      child = c;
      let err = '';
      c.stderr?.on('data', (x: Buffer) => {
        err += x.toString();
      });
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`${name} exited: ${err}`);
          const r = await lab.topo.exec('dir', 'ss', ['-Hltn', `sport = :80`], { allowFail: true });
          return r.stdout.includes(VIP);
        },
        { timeoutMs: 10_000, intervalMs: 50, message: `${name} listening` },
      );
    },
    async down() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
      // nginx's worker follows its master; make sure the port is free for the next plane.
      await waitFor(
        async () =>
          (await lab.topo.exec('dir', 'ss', ['-Hltn', `sport = :80`], { allowFail: true })).stdout.trim() ===
          '',
        { timeoutMs: 5000, message: `${name} gone` },
      );
    },
  };
}

function haproxy(lab: Lab): Plane {
  return proxyPlane(
    lab,
    'HAProxy tcp',
    'haproxy',
    ['-db', '-f'],
    [
      'global',
      '  nbthread 1',
      '  maxconn 8000',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend vip',
      `  bind ${VIP}:80`,
      '  default_backend rs',
      'backend rs',
      '  balance roundrobin',
      `  server rs1 ${RS1}:80`,
      `  server rs2 ${RS2}:80`,
      '',
    ].join('\n'),
  );
}

function nginxStream(lab: Lab): Plane {
  const prefix = join(lab.dir, 'nginx-stream');
  return proxyPlane(
    lab,
    'nginx stream',
    '/usr/sbin/nginx',
    ['-p', `${prefix}/`, '-e', join(lab.dir, 'nginx-stream.err'), '-c'],
    [
      `load_module ${STREAM_MODULE};`,
      'user root;',
      'worker_processes 1;',
      'worker_rlimit_nofile 65536;',
      'daemon off;',
      `pid ${join(lab.dir, 'nginx-stream.pid')};`,
      `error_log ${join(lab.dir, 'nginx-stream.err')};`,
      'events { worker_connections 20000; }',
      'stream {',
      `  upstream rs { server ${RS1}:80; server ${RS2}:80; }`,
      `  server { listen ${VIP}:80 reuseport; proxy_pass rs; }`,
      '}',
      '',
    ].join('\n'),
  );
}

// ---- wrk ----

interface WrkResult {
  readonly rps: number;
  readonly errors: number;
  readonly p99Ms: number;
}

function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (rps === null) throw new Error(`wrk: ${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  // Connection: close makes nginx close after each answer; wrk counts that as a read error
  // only when the answer was cut short, so read errors are real errors here too.
  const errors =
    (sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = { us: 0.001, ms: 1, s: 1000 } as const;
  return {
    rps: Number(rps[1]),
    errors,
    p99Ms: p99 ? Number(p99[1]) * unit[p99[2] as keyof typeof unit] : Number.NaN,
  };
}

async function wrk(lab: Lab, close: boolean, seconds: number): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${CONNS}`,
    `-d${seconds}s`,
    '--latency',
    ...(close ? ['-H', 'Connection: close'] : []),
    URL,
  ];
  const r = await lab.topo.exec('cli', 'wrk', args, { timeoutMs: (seconds + 30) * 1000, allowFail: true });
  if (r.code !== 0) throw new Error(`wrk ${args.join(' ')} exited ${r.code}: ${r.stdout} ${r.stderr}`);
  return parseWrk(r.stdout);
}

// ---- the machine's load, for reading the figures ----

function cpuBusy(): { busy: number; total: number } {
  const f = spawnSync('cat', ['/proc/stat'], { encoding: 'utf8' })
    .stdout.split('\n')[0]!
    .split(/\s+/)
    .slice(1);
  const n = f.map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The fraction of the machine busy over `ms` while this benchmark is idle (other work). */
async function othersLoad(ms: number): Promise<number> {
  const a = cpuBusy();
  await sleep(ms);
  const b = cpuBusy();
  return (b.busy - a.busy) / Math.max(1, b.total - a.total);
}

// ---- statistics ----

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

// ---- verdict to kernel ----

interface VerdictTimes {
  /** The daemon's own figure: verdict (table published) to the driver's completion. */
  readonly daemon: number[];
  /** Of which the nft transaction (apply() to `nft -f` done). */
  readonly applyOnly: number[];
  /** From outside: the verdict line received here to the `nft monitor` event received here. */
  readonly outside: number[];
  /** From outside: the file changed to the `nft monitor` event (with the check's own delay). */
  readonly fromFile: number[];
}

async function verdictToKernel(lab: Lab): Promise<VerdictTimes> {
  const up = (i: number) => join(lab.dir, `rs${i}-up`);
  writeFileSync(up(1), '');
  writeFileSync(up(2), '');
  const misc = (i: number) => `    MISC_CHECK {\n      misc_path "/usr/bin/test -e ${up(i)}"\n    }`;
  // nft monitor in the director: its lines come once a transaction is committed.
  const monitor = lab.topo.spawn('dir', 'nft', ['monitor', 'ruleset']);
  const events: number[] = [];
  monitor.stdout?.on('data', () => events.push(performance.now()));
  const d = lab.start('vigil', 'dir', vsConf('NAT', [misc(1), misc(2)]), {
    args: ['--lvs-driver=nftables', '-D'],
  });
  // Verdict lines as they reach this process.
  const verdicts: { at: number; line: string }[] = [];
  let buf = '';
  const onLine = (x: Buffer) => {
    buf += x.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines)
      if (/(Removing|Adding) service \[198\.51\.100\.2\]/.test(l))
        verdicts.push({ at: performance.now(), line: l });
  };
  d.child.stdout?.on('data', onLine);
  d.child.stderr?.on('data', onLine);
  const out: VerdictTimes = { daemon: [], applyOnly: [], outside: [], fromFile: [] };
  const inKernel = /LVS table in the kernel ([\d.]+) ms after the change/;
  try {
    await d.waitLog(inKernel, { timeoutMs: 20_000 });
    // Both real servers start alive (MISC_CHECK has no alpha here): let the first checks run.
    await sleep(500);
    for (let k = 0; k < 2 * TOGGLES; k++) {
      const from = d.log().length;
      const nv = verdicts.length;
      events.length = 0;
      const removing = k % 2 === 0;
      const changed = performance.now();
      if (removing) rmSync(up(1));
      else writeFileSync(up(1), '');
      const word = removing ? 'Removing' : 'Adding';
      const seen = (await d.waitLog(inKernel, { from, timeoutMs: 10_000 })).slice(from);
      await waitFor(() => verdicts.length > nv, { timeoutMs: 5000, message: 'verdict line' });
      const v = verdicts[nv]!;
      if (!v.line.includes(word)) throw new Error(`expected ${word}: ${v.line}`);
      out.daemon.push(Number(inKernel.exec(seen)![1]));
      out.applyOnly.push(Number(/LVS table applied with nftables in ([\d.]+) ms/.exec(seen)![1]));
      await waitFor(() => events.length > 0, { timeoutMs: 5000, message: 'nft monitor event' });
      out.outside.push(events[0]! - v.at);
      out.fromFile.push(events[0]! - changed);
      // The next change once this one's check has run again (delay_loop 0.1 s).
      await sleep(150);
    }
  } finally {
    d.signal('SIGTERM');
    await d.exited;
    monitor.kill('SIGKILL');
  }
  return out;
}

// ---- paired: vigil's rules against the hand-written ones, back to back ----

interface Paired {
  readonly ratios: number[];
  readonly a: number[];
  readonly b: number[];
}

/**
 * PAIRS pairs of PAIR_S-second wrk runs, `a` then `b` then the other way round: the ratio b/a of
 * each pair, taken within seconds, is far less sensitive to other work on the machine than
 * figures taken minutes apart.
 */
async function paired(lab: Lab, a: Plane, b: Plane, close: boolean): Promise<Paired> {
  const out: Paired = { ratios: [], a: [], b: [] };
  await routeReplies(lab, a.dr);
  for (let i = 0; i < PAIRS; i++) {
    const got = new Map<Plane, number>();
    for (const p of i % 2 === 0 ? [a, b] : [b, a]) {
      await p.up();
      try {
        await servesBoth(lab, p.name);
        got.set(p, (await wrk(lab, close, PAIR_S)).rps);
      } finally {
        await p.down();
      }
    }
    out.a.push(got.get(a)!);
    out.b.push(got.get(b)!);
    out.ratios.push(got.get(b)! / got.get(a)!);
  }
  return out;
}

// ---- main ----

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('bench/dataplane: needs root (network namespaces)');
    return 1;
  }
  for (const cmd of ['ip', 'nft', 'wrk', 'haproxy', 'curl', '/usr/sbin/nginx', STREAM_MODULE])
    if (!(cmd.startsWith('/') ? spawnSync('test', ['-e', cmd]).status === 0 : commandExists(cmd))) {
      console.error(`bench/dataplane: needs ${cmd} (apt-get install wrk haproxy libnginx-mod-stream)`);
      return 1;
    }
  const lab = await createLvsLab('dr', { nginxConf: realServerConf });
  const cleanup = benchCleanup(lab, () => lab.stopAll());
  try {
    for (const h of ['cli', 'dir'])
      await ex(lab, h, 'sysctl', ['-qw', 'net.ipv4.ip_local_port_range=1024 65000']);
    await ex(lab, 'cli', 'sysctl', ['-qw', 'net.ipv4.tcp_tw_reuse=1']);
    const only = process.env.PLANES?.split(',');
    const planes = [
      haproxy(lab),
      nginxStream(lab),
      handNat(lab),
      vigilPlane(lab, 'NAT'),
      handDr(lab),
      vigilPlane(lab, 'DR'),
    ].filter((p) => only === undefined || only.some((o) => p.name.includes(o)));
    const haproxyVersion = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0];
    console.log(
      `# vigil data plane: wrk -t1 -c${CONNS}, ${DURATION_S} s per figure, ${ROUNDS} rounds; node ${process.version}, ${cpus().length} CPUs`,
    );
    console.log(`# ${haproxyVersion}; ${spawnSync('nft', ['-v'], { encoding: 'utf8' }).stdout.trim()}`);
    const ka = new Map<string, WrkResult[]>();
    const nc = new Map<string, WrkResult[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      const load = await othersLoad(1000);
      console.log(`\n## round ${round} (machine busy before the round: ${(load * 100).toFixed(0)}%)`);
      // Each round starts one plane later, so that no plane always runs first or last.
      const order = planes.map((_, i) => planes[(i + round - 1) % planes.length]!);
      for (const p of order) {
        await routeReplies(lab, p.dr);
        await p.up();
        try {
          await servesBoth(lab, p.name);
          await wrk(lab, false, 1);
          const k = await wrk(lab, false, DURATION_S);
          const c = await wrk(lab, true, DURATION_S);
          ka.set(p.name, [...(ka.get(p.name) ?? []), k]);
          nc.set(p.name, [...(nc.get(p.name) ?? []), c]);
          console.log(
            `${p.name.padEnd(14)} keep-alive ${k.rps.toFixed(0).padStart(7)} req/s (p99 ${k.p99Ms.toFixed(1)} ms, errors ${k.errors})` +
              `   new connection ${c.rps.toFixed(0).padStart(7)} req/s (p99 ${c.p99Ms.toFixed(1)} ms, errors ${c.errors})`,
          );
        } finally {
          await p.down();
        }
      }
    }
    const med = (m: Map<string, WrkResult[]>, name: string) => median((m.get(name) ?? []).map((r) => r.rps));
    console.log(`\n## medians over ${ROUNDS} rounds, req/s (ratio to HAProxy)`);
    console.log(`${'plane'.padEnd(14)} ${'keep-alive'.padStart(16)} ${'new connection'.padStart(18)}`);
    const h = { ka: med(ka, 'HAProxy tcp'), nc: med(nc, 'HAProxy tcp') };
    for (const p of planes) {
      const [k, c] = [med(ka, p.name), med(nc, p.name)];
      console.log(
        `${p.name.padEnd(14)} ${k.toFixed(0).padStart(8)} (${(k / h.ka).toFixed(2)}x) ${c.toFixed(0).padStart(10)} (${(c / h.nc).toFixed(2)}x)`,
      );
    }
    const ratio = (a: string, b: string, m: Map<string, WrkResult[]>) => med(m, a) / med(m, b);
    console.log('\n## goals');
    const goals: [string, number, number][] = [
      ['vigil NAT / hand NAT, keep-alive', ratio('vigil NAT', 'hand nft NAT', ka), 0.95],
      ['vigil NAT / hand NAT, new connection', ratio('vigil NAT', 'hand nft NAT', nc), 0.95],
      ['vigil DR / hand DR, keep-alive', ratio('vigil DR', 'hand nft DR', ka), 0.95],
      ['vigil DR / hand DR, new connection', ratio('vigil DR', 'hand nft DR', nc), 0.95],
      ['vigil NAT / HAProxy, new connection', ratio('vigil NAT', 'HAProxy tcp', nc), 1.5],
      ['vigil DR / HAProxy, new connection', ratio('vigil DR', 'HAProxy tcp', nc), 1.5],
    ];
    for (const [what, got, want] of goals)
      console.log(
        `${what.padEnd(38)} ${got.toFixed(2)}  (goal >= ${want}: ${got >= want ? 'met' : 'NOT met'})`,
      );

    if (process.env.PAIRS !== '0') {
      console.log(
        `\n## paired: vigil's ruleset (loaded without the daemon) against the hand-written one, ${PAIRS} pairs of ${PAIR_S} s runs back to back`,
      );
      for (const kind of ['NAT', 'DR'] as const)
        for (const close of [false, true]) {
          const hand = kind === 'NAT' ? handNat(lab) : handDr(lab);
          const r = await paired(lab, hand, vigilRules(lab, kind), close);
          console.log(
            `${kind.padEnd(3)} ${close ? 'new connection' : 'keep-alive    '}  vigil/hand median ${median(r.ratios).toFixed(2)}` +
              `  (pairs ${r.ratios.map((x) => x.toFixed(2)).join(' ')})  hand median ${median(r.a).toFixed(0)}, vigil median ${median(r.b).toFixed(0)} req/s`,
          );
        }
    }

    console.log(
      `\n## verdict to kernel: rs1's MISC_CHECK flipped ${TOGGLES} times down and up (${2 * TOGGLES} changes)`,
    );
    await routeReplies(lab, false);
    const v = await verdictToKernel(lab);
    const line = (what: string, xs: number[]) =>
      console.log(
        `${what.padEnd(58)} median ${median(xs).toFixed(1).padStart(5)} ms  p99 ${pct(xs, 99).toFixed(1).padStart(5)} ms  max ${Math.max(
          ...xs,
        )
          .toFixed(1)
          .padStart(5)} ms`,
      );
    line('daemon: verdict -> nft transaction done', v.daemon);
    line('  of which the driver: apply() -> nft -f done', v.applyOnly);
    line('outside: verdict log line received -> nft monitor event', v.outside);
    line('outside: file changed -> nft monitor event (incl. the check)', v.fromFile);
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
