/**
 * Synthetic daemon snapshots for the metrics tests and bench/http.ts: `instances` VRRP instances
 * and `realServers` real servers spread over virtual servers of 10, with LVS counters for each.
 */
import type { InstanceStatus, VirtualServerStatus } from '../src/daemon/status-types.js';
import type { MetricsSnapshot } from '../src/http/metrics.js';
import type { LvsServiceStats } from '../src/lvs/driver.js';

export function syntheticSnapshot(instances: number, realServers: number): MetricsSnapshot {
  const inst: InstanceStatus[] = [];
  for (let i = 0; i < instances; i++)
    inst.push({
      name: `VI_${i}`,
      state: i % 2 === 0 ? 'MASTER' : 'BACKUP',
      vrid: (i % 255) + 1,
      version: 2,
      interface: 'eth0',
      effectivePriority: 100 + (i % 50),
      basePriority: 100,
      vips: [`192.0.2.${(i % 250) + 1}/24`],
      masterAddress: '192.0.2.254',
      lastTransition: { at: '2026-01-01T00:00:00.000Z', reason: 'startup' },
      counters: { advertsSent: 1000 + i, advertsReceived: 2000 + i, transitions: 1, 'bad-ttl': i % 3 },
    });
  const vss: VirtualServerStatus[] = [];
  const services: { key: string; vs: string }[] = [];
  const stats: Record<string, LvsServiceStats> = {};
  const perVs = 10;
  for (let v = 0; v * perVs < realServers; v++) {
    const address = `198.51.100.${v % 250}`;
    const port = 80 + Math.floor(v / 250);
    const name = `[${address}]:tcp:${port}`;
    const key = `TCP ${address}:${port}`;
    const rss = [];
    const dests: LvsServiceStats['dests'] = {};
    for (let r = 0; r < perVs && v * perVs + r < realServers; r++) {
      const rsAddress = `10.${v >> 8}.${v & 255}.${r + 1}`;
      rss.push({
        address: rsAddress,
        port: 8080,
        weight: 1,
        effectiveWeight: 1,
        alive: r !== 0,
        checkers: [
          { type: 'TCP_CHECK', ok: r !== 0, reason: r === 0 ? 'connection refused' : null, lastRunAt: null },
        ],
      });
      (dests as Record<string, LvsServiceStats['dests'][string]>)[`${rsAddress}:8080`] = {
        conns: 10 * r,
        inPkts: 100 * r,
        outPkts: 90 * r,
        inBytes: 10000 * r,
        outBytes: 9000 * r,
      };
    }
    vss.push({
      name,
      address,
      port,
      protocol: 'TCP',
      fwmark: null,
      quorumUp: true,
      sorryServerActive: false,
      realServers: rss,
    });
    services.push({ key, vs: name });
    stats[key] = { conns: 0, dests };
  }
  return {
    instances: inst,
    virtualServers: vss,
    lvs: {
      driver: 'nftables',
      // Only the keys and names matter to the metrics.
      table: { services: services as never },
      stats,
    },
  };
}
