/**
 * `vigil lvs --thresholds` and `--tun-info`: ipvsadm 1.31's layouts (ipvsadm.c print_title and
 * print_service_entry: thresholds `  -> %-28s %-10u %-10u %-10u %-10u`, tunnel info
 * `  -> %-28s %-7s %-13s %-6d %-10u %-10u` with fwd_tun_info's `ipip`, `gue:PORT:FLAGS`,
 * `gre:FLAGS`, `n/a`). The connection columns print `-`: the nftables driver keeps no
 * per-connection state of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredDest } from '../../../src/check/table.js';
import { formatLvs, tunnelInfo } from '../../../src/lvs/format.js';
import { dest, svc, table } from '../../lvs-fixtures.js';

const tun = (address: string, tunnel?: DesiredDest['tunnel']): DesiredDest => ({
  ...dest(address, 2, 80, 'TUN'),
  ...(tunnel ? { tunnel } : {}),
});

test('fwd_tun_info: ipip, gue with its port and checksum flag, gre with its flag, n/a for the rest', () => {
  assert.equal(tunnelInfo(tun('198.51.100.2')), 'ipip');
  assert.equal(tunnelInfo(tun('198.51.100.2', { type: 'gue', port: 6080, checksum: 'csum' })), 'gue:6080:+c');
  assert.equal(
    tunnelInfo(tun('198.51.100.2', { type: 'gue', port: 5555, checksum: 'remcsum' })),
    'gue:5555:r+c',
  );
  assert.equal(tunnelInfo(tun('198.51.100.2', { type: 'gre', checksum: 'nocsum' })), 'gre:-c');
  assert.equal(tunnelInfo(dest('198.51.100.2')), 'n/a');
  assert.equal(tunnelInfo(dest('198.51.100.2', 1, 80, 'DR')), 'n/a');
});

test('--tun-info: the TunnelInfo column between Forward and Weight', () => {
  const t = table(
    svc('wrr', [
      tun('198.51.100.2', { type: 'gue', port: 6080, checksum: 'csum' }),
      dest('198.51.100.3', 1, 80, 'DR'),
    ]),
  );
  assert.deepEqual(formatLvs({ driver: 'ipvs', table: t }, { tunInfo: true }).split('\n'), [
    'vigil LVS table (driver ipvs)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn',
    'TCP  192.0.2.100:80 wrr',
    '  -> 198.51.100.2:80              Tunnel  gue:6080:+c   2      -          -         ',
    '  -> 198.51.100.3:80              Route   n/a           1      -          -         ',
    '',
  ]);
});

test('--thresholds: upper and lower connection limits, 0 where none is set', () => {
  const t = table(
    svc('rr', [{ ...dest('198.51.100.2'), uThreshold: 10000, lThreshold: 100 }, dest('198.51.100.3')]),
  );
  assert.deepEqual(formatLvs({ driver: 'nftables', table: t }, { thresholds: true }).split('\n'), [
    'vigil LVS table (driver nftables)',
    'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
    '  -> RemoteAddress:Port',
    'TCP  192.0.2.100:80 rr',
    '  -> 198.51.100.2:80              10000      100        -          -         ',
    '  -> 198.51.100.3:80              0          0          -          -         ',
    '',
  ]);
});
