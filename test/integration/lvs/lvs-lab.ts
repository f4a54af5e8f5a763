/**
 * The LVS lab: a director `dir` holding the VIP 192.0.2.100 and 198.51.100.1, forwarding; two nginx
 * real servers `rs1` (198.51.100.2) and `rs2` (198.51.100.3) that route their replies through the
 * director (IPVS NAT's requirement); a client `cli` on 192.0.2.0/24 with a second address. Built
 * on the daemon lab, so lab.destroy() removes all of it, kernel tables included (namespaces).
 */
import { writeFileSync } from 'node:fs';
import { createLab, type Lab } from '../daemon/lab.js';
import { nginx } from '../e2e/helpers.js';

export const VIP = '192.0.2.100';
export const RS1 = '198.51.100.2';
export const RS2 = '198.51.100.3';
/** A second client address, in the client's /24. */
export const CLIENT2 = '192.0.2.50';

export async function createLvsLab(): Promise<Lab> {
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
      const n = nginx(lab, h);
      writeFileSync(n.indexFile, `${h}\n`);
      await n.start();
    }
    await ex('cli', 'ip', 'addr', 'add', `${CLIENT2}/24`, 'dev', 'eth0');
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return lab;
}

/** The load generator, run in the client namespace: N connections (agent: false), bodies counted. */
const LOAD = `
const http = require('node:http');
const [n, conc, addrs] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3].split(',')];
const counts = {}; let failed = 0; let started = 0;
const one = () => new Promise((res) => {
  const i = started++;
  const q = http.get({ host: '${VIP}', port: 80, path: '/', agent: false, timeout: 3000,
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

/** `n` HTTP connections from the client to the VIP, `conc` at a time: answers by real server. */
export async function load(
  lab: Lab,
  n: number,
  conc: number,
  addrs: readonly string[] = [lab.topo.host('cli').ipv4],
): Promise<{ counts: Record<string, number>; failed: number }> {
  const r = await lab.topo.exec(
    'cli',
    process.execPath,
    ['-e', LOAD, String(n), String(conc), addrs.join(',')],
    {
      timeoutMs: 120_000,
    },
  );
  return JSON.parse(r.stdout) as { counts: Record<string, number>; failed: number };
}
