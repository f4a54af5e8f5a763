/** Desired LVS tables for the LVS driver tests (unit and integration). */
import type { DesiredDest, DesiredService, DesiredTable } from '../src/check/table.js';
import type { LvsScheduler } from '../src/config/model.js';

export const dest = (
  address: string,
  weight = 1,
  port = 80,
  method: DesiredDest['method'] = 'NAT',
): DesiredDest => ({
  family: address.includes(':') ? 'ipv6' : 'ipv4',
  address,
  port,
  weight,
  method,
  sorry: false,
});

/** A TCP service on 192.0.2.100:80 unless `extra` says otherwise. */
export const svc = (
  scheduler: LvsScheduler,
  dests: DesiredDest[],
  extra: Partial<DesiredService> = {},
): DesiredService => ({
  key: 'TCP 192.0.2.100:80',
  vs: '[192.0.2.100]:tcp:80',
  family: 'ipv4',
  protocol: 'TCP',
  address: '192.0.2.100',
  port: 80,
  scheduler,
  dests,
  ...extra,
});

export const table = (...services: DesiredService[]): DesiredTable => ({ services });
