/** `vigil -t` (placeholder until the config model lands). */
import type { DaemonOptions } from './args.js';
export async function runConfigTest(_opts: DaemonOptions): Promise<number> {
  process.stderr.write('vigil -t: not implemented yet\n');
  return 1;
}
