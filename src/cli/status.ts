/** `vigil status [--json] [-p PIDFILE | --socket PATH]`: ask the running daemon for its state. */
import { connect } from 'node:net';
import { formatStatus } from '../daemon/status-format.js';
import { DEFAULT_PID_FILE, type StatusReport, statusSocketPath } from '../daemon/status-types.js';

export interface ClientArgs {
  readonly json: boolean;
  readonly socket: string;
  /** The command's own flags that were given. */
  readonly flags: ReadonlySet<string>;
}

/** `--json`, `-p PIDFILE` / `--socket PATH` and the command's own flags; an exit status on error. */
export function parseClientArgs(
  cmd: string,
  argv: readonly string[],
  own: readonly string[] = [],
): ClientArgs | number {
  let json = false;
  let socket = statusSocketPath(DEFAULT_PID_FILE);
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (own.includes(a)) flags.add(a);
    else if ((a === '-p' || a === '--pid') && argv[i + 1]) socket = statusSocketPath(argv[++i]!);
    else if (a === '--socket' && argv[i + 1]) socket = argv[++i]!;
    else {
      process.stderr.write(`vigil ${cmd}: unknown option '${a}'\n`);
      return 1;
    }
  }
  return { json, socket, flags };
}

/** One request on the status socket; the parsed answer, or an exit status after saying why. */
export async function askDaemon<T extends object>(
  cmd: string,
  socket: string,
  line: string,
): Promise<T | number> {
  let text: string;
  try {
    text = await askStatusSocket(socket, 5000, line);
  } catch (e) {
    process.stderr.write(`vigil ${cmd}: cannot reach the daemon at ${socket}: ${(e as Error).message}\n`);
    return 3;
  }
  const answer = JSON.parse(text) as T | { error: string };
  if ('error' in answer) {
    process.stderr.write(`vigil ${cmd}: ${String(answer.error)}\n`);
    return 1;
  }
  return answer;
}

export async function runStatus(argv: readonly string[]): Promise<number> {
  const args = parseClientArgs('status', argv);
  if (typeof args === 'number') return args;
  const report = await askDaemon<StatusReport>('status', args.socket, 'status');
  if (typeof report === 'number') return report;
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return 0;
}

/** Sends one request line on the status socket and reads the JSON answer. */
export function askStatusSocket(path: string, timeoutMs: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    let buf = '';
    c.setEncoding('utf8');
    c.setTimeout(timeoutMs, () => c.destroy(new Error('timed out')));
    c.on('connect', () => c.write(`${line}\n`));
    c.on('data', (d: string) => {
      buf += d;
    });
    c.on('end', () => resolve(buf));
    c.on('error', reject);
  });
}
