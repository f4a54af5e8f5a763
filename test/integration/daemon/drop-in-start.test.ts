/**
 * Drop-in start-up: keepalived 2.2.7's VRRP daemon (`keepalived -n -l -D --vrrp`) and vigil's are
 * started on the same config, each in its own network namespace with the same interfaces, at the
 * same time. Wherever keepalived is still running after 3 s, vigil must be too, with every instance
 * in the state keepalived's log last gave it (FAULT included); where keepalived stops, so does
 * vigil. Some cases then change the host (an address appears) and both must follow.
 *
 * keepalived runs only its VRRP process: its checker cannot start on a kernel without IPVS, and the
 * VRRP process skips virtual_server blocks, so those configs show that LVS errors never stop VRRP.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SHARED } from '../../shared.js';
import { commandExists, integrationSkipReason, waitFor } from '../harness/topology.js';
import {
  type HostInterface,
  keepalivedStates,
  run,
  SideBySide,
  showStates,
  vigilStates,
} from './side-by-side.js';

const skip =
  integrationSkipReason() ?? (commandExists('keepalived') ? undefined : 'needs keepalived (Debian package)');

/** How long keepalived must keep running for the config to count as one it runs. */
const RUN_MS = 3000;

/**
 * The host both daemons see: `eth0` with 192.0.2.1/24 and 2001:db8::1/64, `eth1` with no address
 * (as at boot before DHCP), and the seeds' interface names each with an address of its own. Every
 * interface is a veth whose peer stays in the same namespace: nothing leaves it.
 */
const INTERFACES: readonly HostInterface[] = [
  { name: 'eth0', v4: '192.0.2.1/24', v6: '2001:db8::1/64' },
  { name: 'eth1' },
  { name: 'eth2', v4: '192.0.2.2/32' },
  { name: 'bond0', v4: '192.0.2.3/24' },
  { name: 'bond1', v4: '192.0.2.4/32' },
  { name: 'ens32', v4: '192.0.2.5/32' },
  { name: 'ens33', v4: '192.0.2.6/32' },
];

interface Case {
  readonly title: string;
  /** The config, or a seed file (from shared/configs/from-seeds) with its addresses moved into the test ranges. */
  readonly conf: string | { readonly seed: string };
  /** keepalived's verdict, asserted too so that a change in the reference shows. */
  readonly keepalivedRuns: boolean;
  /** Commands run in both namespaces once both have started; states are compared again after. */
  readonly change?: readonly (readonly string[])[];
  /**
   * Where vigil deliberately does better after `change` (docs/config-differences.md): keepalived stays
   * in its state, vigil reaches this one.
   */
  readonly vigilAfter?: string;
}

const inst = (body: string, name = 'VI_1') => `vrrp_instance ${name} {\n${body}\n}\n`;
const VIP = 'virtual_ipaddress {\n  192.0.2.100/24\n}';

const CASES: readonly Case[] = [
  {
    title: 'a sync group with one member (seed 001 simplest HA)',
    conf: { seed: '001-simplest-ha-nopreempt.conf' },
    keepalivedRuns: true,
  },
  {
    title: 'seed 001 dual active, node 1',
    conf: { seed: '001-dual-active-node1.conf' },
    keepalivedRuns: true,
  },
  { title: 'seed 004 nginx check', conf: { seed: '004-nginx-chk.conf' }, keepalivedRuns: true },
  {
    title: 'an interface with no IPv4 address yet: FAULT, then up once one is added',
    conf: inst(`interface eth1\nvirtual_router_id 51\npriority 150\nstate MASTER\n${VIP}`),
    keepalivedRuns: true,
    change: [['ip', 'addr', 'add', '192.0.2.7/24', 'dev', 'eth1']],
  },
  {
    title: 'a unicast_src_ip that is not on the host: FAULT, then up once it is added',
    conf: inst(
      `interface eth0\nvirtual_router_id 52\npriority 150\nunicast_src_ip 192.0.2.77\nunicast_peer {\n  192.0.2.2\n}\n${VIP}`,
    ),
    keepalivedRuns: true,
    change: [['ip', 'addr', 'add', '192.0.2.77/24', 'dev', 'eth0']],
    // keepalived 2.2.7 binds once and stays in FAULT until reloaded; vigil binds when it appears.
    vigilAfter: 'MASTER',
  },
  {
    title: 'dynamic_interfaces: an instance whose interface appears later starts then',
    conf: `global_defs {\n  dynamic_interfaces\n}\n${inst(`interface eth5\nvirtual_router_id 64\npriority 150\n${VIP}`)}`,
    keepalivedRuns: true,
    change: [
      ['ip', 'link', 'add', 'eth5', 'type', 'veth', 'peer', 'name', 'eth5p'],
      ['ip', 'link', 'set', 'eth5p', 'up'],
      ['ip', 'addr', 'add', '192.0.2.8/24', 'dev', 'eth5'],
      ['ip', 'link', 'set', 'eth5', 'up'],
    ],
  },
  {
    title: 'virtual_server errors (lb_kind nat, quorum above the weights, DNS_CHECK RRSIG, timeouts)',
    conf: `${inst(`interface eth0\nvirtual_router_id 53\n${VIP}`)}
virtual_server 192.0.2.100 80 {
  lb_kind nat
  lb_algo rr
  protocol TCP
  quorum 100
  persistence_timeout 0
  real_server 198.51.100.1 80 {
    weight 1
    DNS_CHECK { type RRSIG
      name example.com }
    TCP_CHECK { connect_timeout 0 }
  }
}
`,
    keepalivedRuns: true,
  },
  {
    title: 'a VRRPv3 instance with an authentication block',
    conf: inst(
      `interface eth0\nvirtual_router_id 54\nversion 3\nauthentication {\n  auth_type PASS\n  auth_pass secret\n}\n${VIP}`,
    ),
    keepalivedRuns: true,
  },
  {
    title: 'a VRRPv2 instance with no virtual_ipaddress',
    conf: inst('interface eth0\nvirtual_router_id 55\npriority 200\nstate MASTER'),
    keepalivedRuns: true,
  },
  {
    title: 'IPv6 addresses built from parameters',
    conf: `$VIP6=2001:db8::100\n$PFX=64\n${inst(`interface eth0\nvirtual_router_id 56\nvirtual_ipaddress {\n  \${VIP6}/\${PFX}\n  $VIP6/64 dev eth0\n}`)}`,
    keepalivedRuns: true,
  },
  {
    title: 'an unknown keyword and an invalid address',
    conf: inst(
      `interface eth0\nvirtual_router_id 57\nfoo_bar 1\nvirtual_ipaddress {\n  192.0.2.100/24\n  xxx/23\n}`,
    ),
    keepalivedRuns: true,
  },
  {
    title: 'nopreempt with state MASTER, priority out of range',
    conf: inst(`interface eth0\nvirtual_router_id 58\nstate MASTER\nnopreempt\npriority 300\n${VIP}`),
    keepalivedRuns: true,
  },
  {
    title: 'a missing track script',
    conf: `vrrp_script chk {\n  script "/nonexistent/check.sh"\n}\n${inst(`interface eth0\nvirtual_router_id 59\ntrack_script {\n  chk\n}\n${VIP}`)}`,
    keepalivedRuns: true,
  },
  {
    title: 'a non-existent interface stops both',
    conf: inst(`interface eth9\nvirtual_router_id 60\n${VIP}`),
    keepalivedRuns: false,
  },
  {
    title: 'a keyword without its value stops both',
    conf: inst(`interface eth0\nvirtual_router_id 61\npriority\n${VIP}`),
    keepalivedRuns: false,
  },
  {
    title: 'two multicast instances with one VRID on one interface stop both',
    conf:
      inst(`interface eth0\nvirtual_router_id 62\n${VIP}`) +
      inst(`interface eth0\nvirtual_router_id 62\n${VIP}`, 'VI_2'),
    keepalivedRuns: false,
  },
  {
    title: 'a VRRPv3 instance without VIPs stops both',
    conf: inst('interface eth0\nvirtual_router_id 63\nversion 3'),
    keepalivedRuns: false,
  },
];

/**
 * A seed config with its addresses moved into the documentation ranges (nothing here may use
 * private or public addresses), as vigil and keepalived both read it.
 */
function seedConf(name: string): string {
  return readFileSync(join(SHARED, 'configs', 'from-seeds', name), 'utf8')
    .replace(/\b10\.\d+\.\d+\.(\d+)/g, '192.0.2.$1')
    .replace(/\b192\.168\.\d+\.(\d+)/g, '198.51.100.$1')
    .replace(/\b172\.(1[6-9]|2\d|3[01])\.\d+\.(\d+)/g, '198.51.100.$2');
}

describe('drop-in start: vigil runs wherever keepalived 2.2.7 runs, in the same states', {
  skip,
  timeout: 600_000,
}, () => {
  const prefix = `vgds${process.pid % 10000}`;
  let sbs: SideBySide | undefined;
  before(() => {
    sbs = new SideBySide();
  });
  after(() => sbs?.cleanup());

  let n = 0;
  for (const c of CASES) {
    const needsShared = typeof c.conf !== 'string' && !existsSync(join(SHARED, 'configs', 'from-seeds'));
    test(c.title, { skip: needsShared ? `${SHARED}/configs/from-seeds is not present` : false }, async () => {
      const id = n++;
      const h = sbs!;
      const { k, v, nsK, nsV, close } = await h.startPair(
        `${prefix}${id}`,
        typeof c.conf === 'string' ? c.conf : seedConf(c.conf.seed),
        INTERFACES,
      );
      try {
        // The observation window itself: what matters is who is still running at its end.
        await new Promise((r) => setTimeout(r, RUN_MS));
        const detail = `\n--- keepalived ---\n${k.log.slice(-2500)}\n--- vigil ---\n${v.log.slice(-2500)}`;
        assert.equal(
          k.exit === undefined,
          c.keepalivedRuns,
          `keepalived ${c.keepalivedRuns ? 'runs' : 'stops'}${detail}`,
        );
        if (!c.keepalivedRuns) {
          await waitFor(() => v.exit !== undefined, { timeoutMs: 5000, message: `vigil stops too${detail}` });
          assert.notEqual(v.exit, 0, 'vigil refuses with a non-zero status');
          return;
        }
        assert.equal(v.exit, undefined, `vigil runs where keepalived runs${detail}`);
        await h.sameStates(k, v, 'after start-up');
        for (const cmd of c.change ?? []) {
          await Promise.all([nsK, nsV].map((ns) => run('ip', ['netns', 'exec', ns, ...cmd])));
        }
        if (c.vigilAfter !== undefined) {
          const want = c.vigilAfter;
          await waitFor(async () => [...(await vigilStates(v.pidFile)).values()].every((st) => st === want), {
            timeoutMs: 8000,
            message: `vigil reaches ${want} after the change${detail}`,
          });
        } else if (c.change !== undefined) {
          // Both must leave the start-up state: wait for a transition in keepalived first.
          const before = showStates(keepalivedStates(k.log));
          await waitFor(() => showStates(keepalivedStates(k.log)) !== before, {
            timeoutMs: 8000,
            message: `keepalived reacts to the change${detail}`,
          });
          await h.sameStates(k, v, 'after the change');
        }
      } finally {
        await close();
      }
    });
  }
});
