/**
 * keepalived-compatible command-line flags. Pure: takes argv, returns options or an error.
 */

import { type HttpListen, parseHttpListen } from '../http/listen.js';
import { LVS_DRIVERS, type LvsDriverKind } from '../lvs/driver.js';
import { canonicalAddress } from '../net/addr.js';

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
  /** --strict (vigil extension, with -t: every warning is an error) */
  readonly strict: boolean;
  /** --lvs-driver=ipvs|nftables (vigil extension); default: IPVS when the kernel has it, else nftables. */
  readonly lvsDriver: LvsDriverKind | undefined;
  /** --http ADDR:PORT (vigil extension): the read-only HTTP API and dashboard; off when undefined. */
  readonly http: HttpListen | undefined;
}

export interface SubcommandOptions {
  readonly command: 'sniff' | 'status' | 'demo' | 'genhash' | 'lvs';
  readonly argv: readonly string[];
}

export type CliOptions = DaemonOptions | SubcommandOptions | { readonly command: 'help' | 'version' };

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

const SUBCOMMANDS = new Set(['sniff', 'status', 'demo', 'genhash', 'lvs']);

export function parseArgs(argv: readonly string[]): CliOptions | Error {
  const first = argv[0];
  if (first !== undefined && SUBCOMMANDS.has(first)) {
    return { command: first as SubcommandOptions['command'], argv: argv.slice(1) };
  }
  // keepalived's `-T, --genhash` (must be the first option): the same as `vigil genhash`.
  if (first === '-T' || first === '--genhash') return { command: 'genhash', argv: argv.slice(1) };
  let configFile = DEFAULT_CONFIG_FILE;
  let configTest = false;
  let foreground = false;
  let logConsole = false;
  let logDetail = false;
  let json = false;
  let strict = false;
  let pidFile: string | undefined;
  let configId: string | undefined;
  let lvsDriver: LvsDriverKind | undefined;
  let httpText: string | undefined;
  let httpAllowRemote = false;
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
      case '--strict':
        strict = true;
        break;
      case '--lvs-driver': {
        const v = value();
        if (v instanceof Error) return v;
        if (!(LVS_DRIVERS as readonly string[]).includes(v))
          return new Error(`--lvs-driver must be one of ${LVS_DRIVERS.join(', ')}, not '${v}'`);
        lvsDriver = v as LvsDriverKind;
        break;
      }
      case '--http': {
        const v = value();
        if (v instanceof Error) return v;
        httpText = v;
        break;
      }
      case '--http-allow-remote':
        httpAllowRemote = true;
        break;
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
  const http = httpText !== undefined ? parseHttpListen(httpText, httpAllowRemote) : undefined;
  if (http instanceof Error) return http;
  if (httpAllowRemote && http === undefined) return new Error('--http-allow-remote needs --http ADDR:PORT');
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
    strict,
    lvsDriver,
    http,
  };
}

export const USAGE = `Usage: vigil [OPTION...]
       vigil sniff -r FILE.pcap [--json]
       vigil sniff -i IFACE [--json] [--summary] [-c N] [--duration S]   (live, as root)
       vigil status [--json] [-p PIDFILE]
       vigil lvs [--stats|--rate|--thresholds|--tun-info] [--json] [-p PIDFILE]   (the LVS table, like ipvsadm -Ln)
       vigil demo                      (as root: live failover demo in network namespaces)
       vigil genhash -s SERVER -p PORT -u URL [-S] [-I] [-V VHOST] [-P 1.0|1.0c|1.1] [-t SECS] [-m MARK] [-v]
                                       (MD5 of a web page's body, for HTTP_GET/SSL_GET digest; also -T/--genhash)

keepalived-compatible options:
  -f, --use-file=FILE     use the specified configuration file (default ${DEFAULT_CONFIG_FILE})
  -t, --config-test       check the configuration for errors and exit
  -n, --dont-fork         don't fork the daemon process
  -l, --log-console       log messages to the console
  -D, --log-detail        detailed log messages
  -p, --pid=FILE          use the specified pidfile
  -i, --config-id ID      skip any configuration lines beginning '@' that don't match ID
      --json              with -t: print the normalized configuration model as JSON
      --strict            with -t: every warning is an error (exit 5 when there are any)
      --lvs-driver=DRIVER ipvs or nftables (default: ipvs when the kernel has it, else nftables)
      --http=ADDR:PORT    serve the read-only HTTP API, Prometheus /metrics and a live dashboard
                          (off by default; e.g. 127.0.0.1:9100)
      --http-allow-remote allow --http on an address other than loopback
  -h, --help              display this help message
  -v, --version           display the version number
`;

/** `vigil genhash` (keepalived's genhash / `keepalived --genhash`, 2.2.7 check_genhash.c). */
export interface GenhashOptions {
  readonly server: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly port: number;
  readonly url: string;
  readonly ssl: boolean;
  readonly sni: boolean;
  readonly virtualhost?: string;
  readonly protocol?: '1.0' | '1.0C' | '1.1';
  /** -t in seconds, as ms; keepalived's default is UINT_MAX microseconds. */
  readonly timeoutMs: number;
  readonly fwmark?: number;
  readonly verbose: boolean;
}

/** keepalived's genhash default timeout: UINT_MAX microseconds (about 71.6 minutes). */
export const GENHASH_DEFAULT_TIMEOUT_MS = 4294967.295;

const GENHASH_LONG: Record<string, { short: string; arg: boolean }> = {
  help: { short: 'h', arg: false },
  verbose: { short: 'v', arg: false },
  'use-ssl': { short: 'S', arg: false },
  'use-sni': { short: 'I', arg: false },
  server: { short: 's', arg: true },
  'use-virtualhost': { short: 'V', arg: true },
  port: { short: 'p', arg: true },
  url: { short: 'u', arg: true },
  fwmark: { short: 'm', arg: true },
  protocol: { short: 'P', arg: true },
  timeout: { short: 't', arg: true },
};
const GENHASH_SHORT_ARG = new Set(['s', 'V', 'p', 'u', 'm', 'P', 't']);
const GENHASH_SHORT_FLAG = new Set(['h', 'v', 'S', 'I']);

/**
 * genhash's flags as getopt_long reads them (`:hvSs:V:p:u:m:P:t:I`): short options may be bundled
 * or take their value attached, long ones may be abbreviated and take `=VALUE`. Returns the options,
 * or an Error whose message is genhash's diagnostic ('' when it only prints the usage); -h is such an
 * error, as in keepalived (usage, exit status 1).
 */
export function parseGenhashArgs(argv: readonly string[]): GenhashOptions | Error {
  if (argv.length <= 1) return new Error('');
  const found = new Map<string, string>();
  const flags = new Set<string>();
  const problems: string[] = [];
  let bad = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const matches = Object.keys(GENHASH_LONG).filter((k) => k === name || k.startsWith(name));
      const key = matches.includes(name) ? name : matches.length === 1 ? matches[0] : undefined;
      const spec = key !== undefined ? GENHASH_LONG[key] : undefined;
      if (spec === undefined) {
        problems.push(`Unknown option ${a}`);
        bad = true;
        continue;
      }
      if (!spec.arg) {
        flags.add(spec.short);
        continue;
      }
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) {
        problems.push(`Missing parameter for option --${key}`);
        bad = true;
        continue;
      }
      found.set(spec.short, v);
    } else if (a.startsWith('-') && a.length > 1 && a !== '--') {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (GENHASH_SHORT_FLAG.has(c)) {
          flags.add(c);
        } else if (GENHASH_SHORT_ARG.has(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) {
            problems.push(`Missing parameter for option -${c}`);
            bad = true;
          } else found.set(c, v);
          break;
        } else {
          problems.push(`Unknown option -${c}`);
          bad = true;
        }
      }
    } else if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    } else positional.push(a);
  }
  if (flags.has('h')) bad = true;
  if (bad) return new Error(problems.join('\n'));
  if (positional.length > 0) return new Error(`Unexpected argument(s): ${positional.join(' ')}`);

  const serverText = found.get('s');
  const parsed = serverText !== undefined ? canonicalAddress(serverText) : undefined;
  if (serverText !== undefined && parsed === undefined)
    return new Error(`server should be an IP, not ${serverText}`);
  let port: number | undefined;
  const portText = found.get('p');
  if (portText !== undefined) {
    port = /^[+-]?\d+$/.test(portText.trimStart()) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(port) || port <= 0 || port > 65535)
      return new Error(`invalid port number '${portText}'`);
  }
  let protocol: GenhashOptions['protocol'];
  const p = found.get('P');
  if (p !== undefined) {
    if (p === '1.0' || p === '1.1') protocol = p;
    else if (p === '1.0c' || p === '1.0C') protocol = '1.0C';
    else return new Error(`invalid HTTP protocol version '${p}'`);
  }
  let timeoutMs = GENHASH_DEFAULT_TIMEOUT_MS;
  const t = found.get('t');
  if (t !== undefined) {
    const v = t.replace(/^[ \t]+/, '');
    if (!/^\d+$/.test(v)) return new Error(`invalid timeout '${t}'`);
    timeoutMs = Number(v) * 1000;
  }
  let fwmark: number | undefined;
  const m = found.get('m');
  if (m !== undefined) {
    const v = m.replace(/^[ \t]+/, '');
    if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return new Error(`invalid fwmark '${m}'`);
    fwmark = Number(v);
  }
  const url = found.get('u');
  if (parsed === undefined || port === undefined || url === undefined) return new Error('');
  const virtualhost = found.get('V');
  return {
    server: parsed.address,
    family: parsed.family,
    port,
    url,
    ssl: flags.has('S'),
    sni: flags.has('I'),
    ...(virtualhost !== undefined ? { virtualhost } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    timeoutMs,
    ...(fwmark !== undefined ? { fwmark } : {}),
    verbose: flags.has('v'),
  };
}

export const GENHASH_USAGE = `Usage: vigil genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
`;
