/**
 * The LVS lab: a director `dir` holding the VIP 192.0.2.100 and 198.51.100.1, forwarding; two nginx
 * real servers `rs1` (198.51.100.2) and `rs2` (198.51.100.3) set up for NAT or DR; a client `cli`
 * on 192.0.2.0/24 with a second address. Built
 * on the daemon lab, so lab.destroy() removes all of it, kernel tables included (namespaces).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countersOf, type NftCounter } from '../../../src/lvs/nft-driver.js';
import { LVS_TABLE } from '../../../src/lvs/nft-ruleset.js';
import { createLab, type Lab } from '../daemon/lab.js';
import { nginx } from '../e2e/helpers.js';
import { waitFor } from '../harness/topology.js';

export const VIP = '192.0.2.100';
export const RS1 = '198.51.100.2';
export const RS2 = '198.51.100.3';
/** A second client address, in the client's /24. */
export const CLIENT2 = '192.0.2.50';

/**
 * `nat`: real servers route their replies through the director. `dr`: they hold the VIP on `lo`
 * without answering ARP for it (arp_ignore 1, arp_announce 2) and answer the client directly.
 */
export async function createLvsLab(
  mode: 'nat' | 'dr' = 'nat',
  opts: {
    /** The real servers' nginx.conf instead of the helper's (bench/dataplane: more connections). */
    readonly nginxConf?: (prefix: string, htmlDir: string, host: string) => string;
  } = {},
): Promise<Lab> {
  const lab = await createLab(['dir', 'cli', 'rs1', 'rs2']);
  try {
    const ex = (h: string, ...a: string[]) => lab.topo.exec(h, a[0]!, a.slice(1));
    await ex('dir', 'ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    await ex('dir', 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'eth0');
    // One L2 segment for both subnets: no ICMP redirects from the director.
    for (const k of [
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.eth0.send_redirects=0',
    ])
      await ex('dir', 'sysctl', '-q', '-w', k);
    for (const [h, a] of [
      ['rs1', RS1],
      ['rs2', RS2],
    ] as const) {
      await ex(h, 'ip', '-4', 'addr', 'flush', 'dev', 'eth0');
      await ex(h, 'ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      await ex(h, 'ip', 'route', 'add', 'default', 'via', '198.51.100.1');
      if (mode === 'dr') {
        for (const k of [
          'all.arp_ignore=1',
          'eth0.arp_ignore=1',
          'all.arp_announce=2',
          'eth0.arp_announce=2',
        ])
          await ex(h, 'sysctl', '-q', '-w', `net.ipv4.conf.${k}`);
        await ex(h, 'ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo');
        await ex(h, 'ip', 'route', 'add', '192.0.2.0/24', 'dev', 'eth0');
      }
      const n = nginx(lab, h);
      writeFileSync(n.indexFile, `${h}\n`);
      const prefix = join(lab.dir, `nginx-${h}`);
      if (opts.nginxConf) writeFileSync(join(prefix, 'nginx.conf'), opts.nginxConf(prefix, n.htmlDir, h));
      await n.start();
    }
    await ex('cli', 'ip', 'addr', 'add', `${CLIENT2}/24`, 'dev', 'eth0');
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return lab;
}

/** The director's nft through a file (its stdin is not reachable through `ip netns exec` here). */
export function nftIn(lab: Lab, host: string): (script: string) => Promise<void> {
  let n = 0;
  return async (script) => {
    const f = join(lab.dir, `${host}-lvs-${n++}.nft`);
    writeFileSync(f, script);
    await lab.topo.exec(host, 'nft', ['-f', f]);
  };
}

/** The counters of vigil's tables in `host`'s namespace. */
export async function countersIn(lab: Lab, host: string): Promise<Map<string, NftCounter>> {
  return countersOf(
    JSON.parse((await lab.topo.exec(host, 'nft', ['-j', 'list', 'counters'])).stdout),
    LVS_TABLE,
  );
}

/** A keep-alive connection held open: each request says which real server answered. */
const HOLD = `
const net = require('node:net');
const s = net.connect({ host: '${VIP}', port: 80 });
let buf = '';
const ask = () => s.write('GET / HTTP/1.1\\r\\nHost: vip\\r\\nConnection: keep-alive\\r\\n\\r\\n');
s.on('connect', ask);
s.on('data', (d) => {
  buf += d;
  const m = /\\r\\n\\r\\n(rs[12])/.exec(buf);
  if (m) { process.stdout.write(m[1] + '\\n'); buf = ''; }
});
process.stdin.on('data', ask);
s.on('close', () => { process.stdout.write('closed\\n'); process.exit(0); });
`;

/**
 * An established (keep-alive) connection from the client: `first()` is who answered its first
 * request, `again()` sends one more request and resolves with every answer so far.
 */
export function holdConnection(lab: Lab): {
  first(): Promise<string>;
  again(): Promise<string[]>;
  close(): void;
} {
  const child = lab.topo.spawn('cli', process.execPath, ['-e', HOLD]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const answers = () => out.split('\n').filter((l) => l !== '');
  return {
    first: async () => (await waitFor(() => answers()[0], { timeoutMs: 5000, message: 'held answer' }))!,
    again: async () => {
      const n = answers().length;
      child.stdin?.write('again\n');
      await waitFor(() => answers().length > n, { timeoutMs: 5000, message: `answer ${n + 1}: ${out}` });
      return answers();
    },
    close: () => child.kill(),
  };
}

/** The load generator, run in the client namespace: N connections (agent: false), bodies counted. */
const LOAD = `
const http = require('node:http');
const [n, conc, addrs, vip] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3].split(','), process.argv[4]];
const counts = {}; let failed = 0; let started = 0;
const one = () => new Promise((res) => {
  const i = started++;
  const q = http.get({ host: vip, port: 80, path: '/', agent: false, timeout: 3000,
    localAddress: addrs[i % addrs.length] }, (r) => {
    let b = ''; r.on('data', (d) => b += d); r.on('end', () => { counts[b.trim()] = (counts[b.trim()] ?? 0) + 1; res(); });
  });
  q.on('timeout', () => q.destroy(new Error('timeout')));
  q.on('error', () => { failed++; res(); });
});
(async () => {
  const workers = Array.from({ length: conc }, async () => { while (started < n) await one(); });
  await Promise.all(workers);
  process.stdout.write(JSON.stringify({ counts, failed }));
})();
`;

/** `n` HTTP connections from the client to `vip`, `conc` at a time: answers by real server. */
export async function load(
  lab: Lab,
  n: number,
  conc: number,
  addrs: readonly string[] = [lab.topo.host('cli').ipv4],
  vip: string = VIP,
): Promise<{ counts: Record<string, number>; failed: number }> {
  const r = await lab.topo.exec(
    'cli',
    process.execPath,
    ['-e', LOAD, String(n), String(conc), addrs.join(','), vip],
    {
      timeoutMs: 120_000,
    },
  );
  return JSON.parse(r.stdout) as { counts: Record<string, number>; failed: number };
}
