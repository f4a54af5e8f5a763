/**
 * Without -n, keepalived forks into the background. Node cannot fork, so vigil starts itself
 * again detached with -n, and the parent exits 0 once the child runs.
 */
import { spawn } from 'node:child_process';

export function detach(argv: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv, '-n'], {
    detached: true,
    stdio: 'ignore',
  });
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`vigil: cannot start the daemon: ${e.message}\n`);
      resolve(1);
    });
    child.once('spawn', () => {
      child.unref();
      resolve(0);
    });
  });
}
