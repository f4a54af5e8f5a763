/**
 * The demo's network and its one keepalived.conf, modelled on the seed configs (seed 001: LVS NAT
 * behind a VRRP pair whose instance also holds the real servers' gateway). Both directors run the
 * same file; only `state` and `priority` differ, as in the seeds. Every address is from the
 * documentation ranges: clients on 192.0.2.0/24, real servers on 198.51.100.0/24, one L2 segment.
 */

export const DEMO_VIP = '192.0.2.100';
/** The real servers' default gateway: a second VIP of the same instance, so it moves with the VIP. */
export const DEMO_GATEWAY = '198.51.100.1';
export const DEMO_PORT = 80;

/** Health-check timing (HTTP_GET): a dead server is removed within one delay_loop. */
export const DELAY_LOOP_S = 2;
export const CONNECT_TIMEOUT_S = 1;
/** VRRP advert_int: the backup takes over 3 × advert_int + skew after the master's last advert. */
export const ADVERT_INT_S = 1;

export interface DemoHostSpec {
  readonly name: string;
  /** Addresses on eth0 (CIDR). */
  readonly addrs: readonly string[];
  /** Default gateway, when the host needs one. */
  readonly gateway?: string;
}

export const DIRECTORS = [
  { name: 'director1', addrs: ['192.0.2.11/24', '198.51.100.11/24'], state: 'MASTER', priority: 150 },
  { name: 'director2', addrs: ['192.0.2.12/24', '198.51.100.12/24'], state: 'BACKUP', priority: 100 },
] as const;

export const REAL_SERVERS = [
  { name: 'rs1', address: '198.51.100.21' },
  { name: 'rs2', address: '198.51.100.22' },
] as const;

export const CLIENT = { name: 'client', address: '192.0.2.31' } as const;

export const DEMO_HOSTS: readonly DemoHostSpec[] = [
  ...DIRECTORS.map((d) => ({ name: d.name, addrs: d.addrs })),
  ...REAL_SERVERS.map((r) => ({ name: r.name, addrs: [`${r.address}/24`], gateway: DEMO_GATEWAY })),
  { name: CLIENT.name, addrs: [`${CLIENT.address}/24`] },
];

/**
 * The directors' one keepalived.conf (keepalived 2.2.7 runs it unchanged): lines starting
 * `@director1` / `@director2` are read only by the daemon started with that `-i` config id.
 */
export function demoConfig(): string {
  const each = (line: (d: (typeof DIRECTORS)[number]) => string, indent: string) =>
    DIRECTORS.map((d) => `${indent}@${d.name} ${line(d)}`).join('\n');
  const realServers = REAL_SERVERS.map(
    (r) => `    real_server ${r.address} ${DEMO_PORT} {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout ${CONNECT_TIMEOUT_S}
            retry 0
        }
    }`,
  ).join('\n');
  return `! vigil demo: a VRRP pair of LVS directors in front of two web servers
global_defs {
${each((d) => `router_id ${d.name}`, '    ')}
}

vrrp_instance VI_1 {
${each((d) => `state ${d.state}`, '    ')}
    interface eth0
    virtual_router_id 51
${each((d) => `priority ${d.priority}`, '    ')}
    advert_int ${ADVERT_INT_S}
    authentication {
        auth_type PASS
        auth_pass d3mo
    }
    virtual_ipaddress {
        ${DEMO_VIP}/24
        ${DEMO_GATEWAY}/24
    }
}

virtual_server ${DEMO_VIP} ${DEMO_PORT} {
    delay_loop ${DELAY_LOOP_S}
    lb_algo rr
    lb_kind NAT
    protocol TCP

${realServers}
}
`;
}

/** A real server (node -e source): answers every request with its own name. */
export function realServerSource(name: string): string {
  return `
const http = require('node:http');
http.createServer((q, r) => {
  r.setHeader('connection', 'close');
  r.end(${JSON.stringify(name)});
}).listen(${DEMO_PORT}, '0.0.0.0', () => console.log('listening'));
`;
}

/**
 * The client (node -e source): one new connection every `everyMs` to http://VIP/, each reported as
 * `<start ms> <end ms> <body>` or `<start ms> <end ms> - <error>`.
 */
export function clientSource(everyMs: number, timeoutMs: number): string {
  return `
const http = require('node:http');
const tick = () => {
  const t = Date.now();
  let done = false;
  const report = (s) => {
    if (done) return;
    done = true;
    console.log(t + ' ' + Date.now() + ' ' + s);
    setTimeout(tick, Math.max(0, ${everyMs} - (Date.now() - t)));
  };
  const q = http.get({ host: '${DEMO_VIP}', port: ${DEMO_PORT}, path: '/', agent: false }, (r) => {
    let b = '';
    r.on('data', (d) => { b += d; });
    r.on('end', () => report(b.trim() || '- empty answer'));
    r.on('error', (e) => report('- ' + e.message));
  });
  // A deadline on the whole fetch: the socket timeout would not cover the connect.
  const deadline = setTimeout(() => q.destroy(new Error('no answer in ${timeoutMs} ms')), ${timeoutMs});
  q.on('close', () => clearTimeout(deadline));
  q.on('error', (e) => report('- ' + e.message));
};
tick();
`;
}
