/** `vigil status [--json] [-p PIDFILE | --socket PATH]`: ask the running daemon for its state. */
import { connect } from 'node:net';
import { formatStatus } from '../daemon/status-format.js';
import { DEFAULT_PID_FILE, type StatusReport, statusSocketPath } from '../daemon/status-types.js';

export async function runStatus(argv: readonly string[]): Promise<number> {
  let json = false;
  let socket = statusSocketPath(DEFAULT_PID_FILE);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if ((a === '-p' || a === '--pid') && argv[i + 1]) socket = statusSocketPath(argv[++i]!);
    else if (a === '--socket' && argv[i + 1]) socket = argv[++i]!;
    else {
      process.stderr.write(`vigil status: unknown option '${a}'\n`);
      return 1;
    }
  }
  let text: string;
  try {
    text = await request(socket, 5000);
  } catch (e) {
    process.stderr.write(`vigil status: cannot reach the daemon at ${socket}: ${(e as Error).message}\n`);
    return 3;
  }
  const report = JSON.parse(text) as StatusReport | { error: string };
  if ('error' in report) {
    process.stderr.write(`vigil status: ${report.error}\n`);
    return 1;
  }
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return 0;
}

function request(path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    let buf = '';
    c.setEncoding('utf8');
    c.setTimeout(timeoutMs, () => c.destroy(new Error('timed out')));
    c.on('connect', () => c.write('status\n'));
    c.on('data', (d: string) => {
      buf += d;
    });
    c.on('end', () => resolve(buf));
    c.on('error', reject);
  });
}
