/**
 * keepalived-compatible command-line flags. Pure: takes argv, returns options or an error.
 */
import { LVS_DRIVERS, type LvsDriverKind } from '../lvs/driver.js';

export interface DaemonOptions {
  readonly command: 'daemon';
  /** -f, --use-file */
  readonly configFile: string;
  /** -t, --config-test */
  readonly configTest: boolean;
  /** -n, --dont-fork */
  readonly foreground: boolean;
  /** -l, --log-console */
  readonly logConsole: boolean;
  /** -D, --log-detail */
  readonly logDetail: boolean;
  /** -p, --pid */
  readonly pidFile: string | undefined;
  /** -i, --config-id */
  readonly configId: string | undefined;
  /** --json (vigil extension, with -t: print the normalized model as JSON) */
  readonly json: boolean;
  /** --lvs-driver=ipvs|nftables (vigil extension); default: IPVS when the kernel has it, else nftables. */
  readonly lvsDriver: LvsDriverKind | undefined;
}

export interface SubcommandOptions {
  readonly command: 'sniff' | 'status' | 'demo' | 'lvs';
  readonly argv: readonly string[];
}

export type CliOptions = DaemonOptions | SubcommandOptions | { readonly command: 'help' | 'version' };

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

const SUBCOMMANDS = new Set(['sniff', 'status', 'demo', 'lvs']);

export function parseArgs(argv: readonly string[]): CliOptions | Error {
  const first = argv[0];
  if (first !== undefined && SUBCOMMANDS.has(first)) {
    return { command: first as SubcommandOptions['command'], argv: argv.slice(1) };
  }
  let configFile = DEFAULT_CONFIG_FILE;
  let configTest = false;
  let foreground = false;
  let logConsole = false;
  let logDetail = false;
  let json = false;
  let pidFile: string | undefined;
  let configId: string | undefined;
  let lvsDriver: LvsDriverKind | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | Error => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      if (!a.startsWith('--') && a.length > 2) return a.slice(2);
      const v = argv[++i];
      return v === undefined ? new Error(`option ${a} needs a value`) : v;
    };
    const name = a.startsWith('--') ? a.split('=')[0]! : a.slice(0, 2);
    switch (name) {
      case '-f':
      case '--use-file': {
        const v = value();
        if (v instanceof Error) return v;
        configFile = v;
        break;
      }
      case '-p':
      case '--pid': {
        const v = value();
        if (v instanceof Error) return v;
        pidFile = v;
        break;
      }
      case '-i':
      case '--config-id': {
        const v = value();
        if (v instanceof Error) return v;
        configId = v;
        break;
      }
      case '-t':
      case '--config-test':
        configTest = true;
        break;
      case '-n':
      case '--dont-fork':
        foreground = true;
        break;
      case '-l':
      case '--log-console':
        logConsole = true;
        break;
      case '-D':
      case '--log-detail':
        logDetail = true;
        break;
      case '--json':
        json = true;
        break;
      case '--lvs-driver': {
        const v = value();
        if (v instanceof Error) return v;
        if (!(LVS_DRIVERS as readonly string[]).includes(v))
          return new Error(`--lvs-driver must be one of ${LVS_DRIVERS.join(', ')}, not '${v}'`);
        lvsDriver = v as LvsDriverKind;
        break;
      }
      case '-h':
      case '--help':
        return { command: 'help' };
      case '-v':
      case '--version':
        return { command: 'version' };
      default:
        return new Error(`unknown option '${a}'`);
    }
  }
  return {
    command: 'daemon',
    configFile,
    configTest,
    foreground,
    logConsole,
    logDetail,
    pidFile,
    configId,
    json,
    lvsDriver,
  };
}

export const USAGE = `Usage: vigil [OPTION...]
       vigil sniff -r FILE.pcap [--json]
       vigil status [--json] [-p PIDFILE]
       vigil lvs [--stats] [--json] [-p PIDFILE]   (the LVS table, like ipvsadm -Ln)
       vigil demo                      (as root: live failover demo in network namespaces)

keepalived-compatible options:
  -f, --use-file=FILE     use the specified configuration file (default ${DEFAULT_CONFIG_FILE})
  -t, --config-test       check the configuration for errors and exit
  -n, --dont-fork         don't fork the daemon process
  -l, --log-console       log messages to the console
  -D, --log-detail        detailed log messages
  -p, --pid=FILE          use the specified pidfile
  -i, --config-id ID      skip any configuration lines beginning '@' that don't match ID
      --json              with -t: print the normalized configuration model as JSON
      --lvs-driver=DRIVER ipvs or nftables (default: ipvs when the kernel has it, else nftables)
  -h, --help              display this help message
  -v, --version           display the version number
`;
