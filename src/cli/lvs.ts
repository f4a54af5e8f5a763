/**
 * `vigil lvs [--stats | --rate | --thresholds | --tun-info] [--json] [-p PIDFILE | --socket PATH]`: the running daemon's LVS
 * table, like `ipvsadm -Ln`. `--rate`: the kernel's estimates where the driver has them (IPVS),
 * else the rates between two reads of the counters RATE_INTERVAL_MS apart (nftables).
 */
import type { LvsView } from '../lvs/driver.js';
import { formatLvs } from '../lvs/format.js';
import { ratesBetween } from '../lvs/rates.js';
import { askDaemon, parseClientArgs } from './status.js';

export const RATE_INTERVAL_MS = 1000;

export async function runLvs(argv: readonly string[]): Promise<number> {
  const args = parseClientArgs('lvs', argv, ['--stats', '--rate', '--thresholds', '--tun-info', '-Ln', '-n']);
  if (typeof args === 'number') return args;
  const ask = () => askDaemon<LvsView>('lvs', args.socket, 'lvs');
  let view = await ask();
  if (typeof view === 'number') return view;
  const rate = args.flags.has('--rate');
  if (rate && view.rates === undefined && view.stats !== undefined) {
    const first = view;
    await new Promise((r) => setTimeout(r, RATE_INTERVAL_MS));
    view = await ask();
    if (typeof view === 'number') return view;
    const rates = ratesBetween(first, view);
    if (rates !== undefined) view = { ...view, rates };
  }
  const format = {
    stats: args.flags.has('--stats'),
    rate,
    thresholds: args.flags.has('--thresholds'),
    tunInfo: args.flags.has('--tun-info'),
  };
  process.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatLvs(view, format));
  return 0;
}
