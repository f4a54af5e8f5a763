/** `vigil lvs [--stats] [--json] [-p PIDFILE | --socket PATH]`: the running daemon's LVS table, like `ipvsadm -Ln`. */
import type { LvsView } from '../lvs/driver.js';
import { formatLvs } from '../lvs/format.js';
import { askDaemon, parseClientArgs } from './status.js';

export async function runLvs(argv: readonly string[]): Promise<number> {
  const args = parseClientArgs('lvs', argv, ['--stats', '-Ln', '-n']);
  if (typeof args === 'number') return args;
  const view = await askDaemon<LvsView>('lvs', args.socket, 'lvs');
  if (typeof view === 'number') return view;
  const stats = args.flags.has('--stats');
  process.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatLvs(view, { stats }));
  return 0;
}
