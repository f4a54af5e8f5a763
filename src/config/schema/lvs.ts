/** LVS CONFIGURATION blocks: virtual_server_group, virtual_server, real_server and the checkers. */
import { LVS_SCHEDULERS } from '../model.js';
import {
  alias,
  type BlockSpec,
  bool,
  flag,
  int,
  type KeywordSpec,
  later,
  script,
  secondsMs,
  special,
  str,
  wholeSecondsMs,
  words,
} from './types.js';

// `NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`, upper case only: keepalived
// 2.2.7 rejects `lb_kind tun` (check_parser.c svr_forwarding_handler). Read in build/specials.ts.
const LVS_METHOD = { t: 'special', reader: 'lvs-method' } as const;

/** keepalived 2.2.7 reads connect_timeout as 32-bit microseconds: at most 4294.967295 s. */
const TIMER_MAX_S = 4294.967295;
/** delay_loop, delay_before_retry and warmup are 64-bit microseconds in keepalived: effectively unbounded. */
const LONG_TIMER_MAX_S = Number.MAX_SAFE_INTEGER;

/** Options that virtual servers, real servers and checkers share (checker defaults). */
const CHECK_TIMING: readonly KeywordSpec[] = [
  secondsMs('connect_timeout', 'connectTimeoutMs', 0.000001, TIMER_MAX_S),
  // keepalived 2.2.7 check_parser.c: at least 1 in virtual_server/real_server (0 in a checker).
  int('retry', 'retry', 1, 4294967295),
  secondsMs('delay_before_retry', 'delayBeforeRetryMs', 0, LONG_TIMER_MAX_S),
  secondsMs('warmup', 'warmupMs', 0, LONG_TIMER_MAX_S),
  secondsMs('delay_loop', 'delayLoopMs', 0.000001, LONG_TIMER_MAX_S),
];

/** keepalived 2.2.7 install_checker_common_keywords(false): what MISC_CHECK takes. */
const CHECKER_TIMING: readonly KeywordSpec[] = [
  int('retry', 'retry', 0, 4294967295),
  secondsMs('delay_before_retry', 'delayBeforeRetryMs', 0, LONG_TIMER_MAX_S),
  secondsMs('warmup', 'warmupMs', 0, LONG_TIMER_MAX_S),
  secondsMs('delay_loop', 'delayLoopMs', 0.000001, LONG_TIMER_MAX_S),
  bool('alpha', 'alpha'),
  bool('log_all_failures', 'logAllFailures'),
  // Outside HTTP_GET/SSL_GET keepalived 2.2.7 does not know it (bare, that is a plain config error).
  { ...alias('nb_get_retry', 'retry'), bare: 'error' },
];

const CHECKER_COMMON: readonly KeywordSpec[] = [
  { name: 'connect_ip', kind: { t: 'ip', prefixOk: true }, field: 'connectIp' },
  int('connect_port', 'connectPort', 1, 65535),
  { name: 'bindto', kind: { t: 'ip', prefixOk: true }, field: 'bindto' },
  str('bind_if', 'bindIf'),
  int('bind_port', 'bindPort', 1, 65535),
  int('fwmark', 'fwmark', 0, 4294967295),
  secondsMs('connect_timeout', 'connectTimeoutMs', 0.000001, TIMER_MAX_S),
  // keepalived 2.2.7 only knows nb_get_retry in HTTP_GET/SSL_GET; vigil accepts it in every checker.
  ...CHECKER_TIMING,
];

const SMTP_HOST: BlockSpec = { name: 'host', keywords: CHECKER_COMMON };

export const HTTP_URL: BlockSpec = {
  name: 'url',
  keywords: [
    str('path', 'path'),
    // keepalived 2.2.7 accepts several digests per url (any may match); a repeated one is an error.
    special('digest', 'digest', 'digests', { default: [] }),
    special('status_code', 'status-code', 'statusCode'),
    str('virtualhost', 'virtualhost', { bare: 'error' }),
    str('regex', 'regex', { bare: 'accepted' }),
    flag('regex_no_match', 'regexNoMatch', { default: false }),
    later('regex_options'),
    later('regex_stack'),
    later('regex_min_offset'),
    later('regex_max_offset'),
  ],
};

const HTTP_KEYWORDS: readonly KeywordSpec[] = [
  ...CHECKER_COMMON.filter((k) => k.name !== 'nb_get_retry'),
  alias('nb_get_retry', 'retry'),
  { name: 'url', kind: { t: 'block', block: HTTP_URL, multi: true }, field: 'url', default: [] },
  {
    name: 'http_protocol',
    kind: { t: 'enum', values: ['1.0', '1.1', '1.0C', '1.0c'] },
    field: 'httpProtocol',
    bare: 'error',
  },
  str('virtualhost', 'virtualhost', { bare: 'error' }),
  bool('fast_recovery', 'fastRecovery'),
  // keepalived 2.2.7 installs one keyword set for both (install_http_ssl_check_keyword): HTTP_GET
  // accepts enable_sni too, without effect.
  bool('enable_sni', 'enableSni'),
];

export const CHECKERS: Record<string, BlockSpec> = {
  HTTP_GET: { name: 'HTTP_GET', keywords: HTTP_KEYWORDS },
  SSL_GET: { name: 'SSL_GET', keywords: HTTP_KEYWORDS },
  TCP_CHECK: { name: 'TCP_CHECK', keywords: CHECKER_COMMON },
  SMTP_CHECK: {
    name: 'SMTP_CHECK',
    keywords: [
      ...CHECKER_COMMON,
      str('helo_name', 'heloName', { bare: 'error' }),
      // Older syntax, still accepted by 2.2.7: one `host { connect_ip ... }` per target.
      { name: 'host', kind: { t: 'block', block: SMTP_HOST, multi: true }, field: 'hosts', default: [] },
    ],
  },
  // MISC_CHECK has no connection keywords in keepalived 2.2.7 (install_checker_common_keywords(false)).
  MISC_CHECK: {
    name: 'MISC_CHECK',
    keywords: [
      ...CHECKER_TIMING,
      script('misc_path', 'miscPath', { bare: 'error' }, false),
      wholeSecondsMs('misc_timeout', 'miscTimeoutMs', 0, 4294),
      flag('misc_dynamic', 'miscDynamic', { default: false }),
      special('user', 'script-user', undefined, { bare: 'error' }),
    ],
  },
  DNS_CHECK: {
    name: 'DNS_CHECK',
    keywords: [
      ...CHECKER_COMMON,
      {
        name: 'type',
        kind: {
          t: 'enum',
          values: ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'],
          caseInsensitive: true,
        },
        field: 'queryType',
        default: 'SOA',
      },
      str('name', 'name', { default: '.' }),
    ],
  },
  UDP_CHECK: {
    name: 'UDP_CHECK',
    keywords: [
      ...CHECKER_COMMON,
      str('payload', 'payload', { bare: 'error' }),
      words('require_reply', 'requireReply'),
      int('min_reply_length', 'minReplyLength', 0, 65535, { default: 0 }),
      int('max_reply_length', 'maxReplyLength', 0, 65535, { default: 255 }),
    ],
  },
  PING_CHECK: { name: 'PING_CHECK', keywords: CHECKER_COMMON },
  FILE_CHECK: {
    name: 'FILE_CHECK',
    // keepalived 2.2.7 FILE_CHECK knows only these two keywords.
    keywords: [str('track_file', 'trackFile'), special('weight', 'weight', 'weight', { bare: 'error' })],
  },
  BFD_CHECK: {
    name: 'BFD_CHECK',
    keywords: [str('name', 'name', { bare: 'error' }), bool('alpha', 'alpha')],
  },
};

/** Checkers the model reads but vigil cannot run yet (BFD needs a bfd_instance, which is not implemented). */
const CHECKERS_NOT_IMPLEMENTED = new Set(['BFD_CHECK']);

const CHECKER_KEYWORDS: readonly KeywordSpec[] = Object.keys(CHECKERS).map((name) => ({
  name,
  kind: { t: 'block', block: CHECKERS[name]!, multi: true },
  field: 'checkers',
  ...(CHECKERS_NOT_IMPLEMENTED.has(name) ? { notImplemented: true } : {}),
}));

export const REAL_SERVER: BlockSpec = {
  name: 'real_server',
  keywords: [
    int('weight', 'weight', 0, 2147483647, { default: 1 }),
    { name: 'lvs_method', kind: LVS_METHOD, field: 'lvsMethod' },
    script('notify_up', 'notifyUp'),
    script('notify_down', 'notifyDown'),
    int('uthreshold', 'uthreshold', 0, 4294967295),
    int('lthreshold', 'lthreshold', 0, 4294967295),
    bool('smtp_alert', 'smtpAlert'),
    str('virtualhost', 'virtualhost', { bare: 'error' }),
    ...CHECK_TIMING,
    bool('alpha', 'alpha'),
    bool('inhibit_on_failure', 'inhibitOnFailure'),
    later('snmp_name', { minArgs: 1, bare: 'error' }),
    ...CHECKER_KEYWORDS,
  ],
};

export const VIRTUAL_SERVER: BlockSpec = {
  name: 'virtual_server',
  keywords: [
    { name: 'lvs_sched', kind: { t: 'enum', values: LVS_SCHEDULERS }, field: 'lvsSched', default: 'wlc' },
    // keepalived's older names, still accepted without a warning by 2.2.7.
    { name: 'lb_algo', kind: { t: 'enum', values: LVS_SCHEDULERS }, field: 'lvsSched' },
    { name: 'lvs_method', kind: LVS_METHOD, field: 'lvsMethod', default: 'NAT' },
    { name: 'lb_kind', kind: LVS_METHOD, field: 'lvsMethod' },
    {
      name: 'protocol',
      kind: { t: 'enum', values: ['TCP', 'UDP', 'SCTP'], caseInsensitive: true },
      field: 'protocol',
    },
    // keepalived.conf(5): `persistence_timeout [<INTEGER>]`, 6 minutes when the value is omitted.
    // LVS_MAX_TIMEOUT: 31 days.
    int('persistence_timeout', 'persistenceTimeoutS', 1, 2678400, { valueIfBare: 360 }),
    str('persistence_granularity', 'persistenceGranularity'),
    str('persistence_engine', 'persistenceEngine'),
    flag('ha_suspend', 'haSuspend', { default: false }),
    bool('smtp_alert', 'smtpAlert'),
    str('virtualhost', 'virtualhost', { bare: 'error' }),
    flag('omega', 'omega', { default: false }),
    int('quorum', 'quorum', 1, 4294967295, { default: 1 }),
    int('hysteresis', 'hysteresis', 0, 4294967295, { default: 0 }),
    script('quorum_up', 'quorumUp'),
    script('quorum_down', 'quorumDown'),
    { name: 'ip_family', kind: { t: 'enum', values: ['inet', 'inet6'] }, field: 'ipFamily' },
    special('sorry_server', 'sorry-server', 'sorryServer'),
    flag('sorry_server_inhibit', 'sorryServerInhibit', { default: false }),
    ...CHECK_TIMING,
    // keepalived 2.2.7 takes these bare in a virtual_server (any word after them is ignored).
    flag('alpha', 'alpha'),
    flag('inhibit_on_failure', 'inhibitOnFailure'),
    {
      name: 'real_server',
      kind: { t: 'block', block: REAL_SERVER, multi: true },
      field: 'realServers',
      default: [],
    },
    { name: 'sorry_server_lvs_method', kind: LVS_METHOD, field: 'sorryServerLvsMethod', bare: 'error' },
    later('snmp_name', { minArgs: 1, bare: 'error' }),
    // IPVS service flags (keepalived lbflags_handler); what they mean is resolved in check/plan.ts.
    flag('flag-1', 'flag1'),
    flag('flag-2', 'flag2'),
    flag('flag-3', 'flag3'),
    flag('sh-port', 'shPort'),
    flag('sh-fallback', 'shFallback'),
    flag('mh-port', 'mhPort'),
    flag('mh-fallback', 'mhFallback'),
    flag('ops', 'ops'),
  ],
};

/**
 * The blocks only keepalived's checker process reads (its VRRP process skips them): errors in them
 * never stop VRRP.
 */
export const CHECKER_BLOCKS: ReadonlySet<string> = new Set([
  VIRTUAL_SERVER.name,
  REAL_SERVER.name,
  HTTP_URL.name,
  SMTP_HOST.name,
  'virtual_server_group',
  'sorry_server',
  ...Object.keys(CHECKERS),
]);
