/** VRRPD CONFIGURATION blocks: vrrp_script, track_file, vrrp_track_process, vrrp_sync_group, vrrp_instance. */
import {
  type BlockSpec,
  bool,
  flag,
  int,
  type KeywordSpec,
  later,
  laterBlock,
  negFlag,
  script,
  secondsMs,
  special,
  str,
  wholeSecondsMs,
  words,
} from './types.js';

export const VRRP_SCRIPT: BlockSpec = {
  name: 'vrrp_script',
  keywords: [
    script('script', 'script', { bare: 'error' }, false),
    // keepalived 2.2.7 reads these as whole seconds.
    wholeSecondsMs('interval', 'intervalMs', 1, 4294, { default: 1000 }),
    wholeSecondsMs('timeout', 'timeoutMs', 1, 4294),
    special('weight', 'weight', 'weight', { default: 0, note: '-253..253' }),
    int('rise', 'rise', 1, 2147483647, { default: 1 }),
    int('fall', 'fall', 1, 2147483647, { default: 1 }),
    special('user', 'script-user'),
    flag('init_fail', 'initFail', { default: false }),
  ],
};

export const TRACK_FILE: BlockSpec = {
  name: 'track_file',
  keywords: [
    str('file', 'file', { bare: 'error' }),
    special('weight', 'weight', 'weight', { default: 1, note: '-254..254', bare: 'error' }),
    special('init_file', 'init-file', 'initFile'),
  ],
};

export const TRACK_PROCESS: BlockSpec = {
  name: 'vrrp_track_process',
  keywords: [
    words('process', 'process', { minArgs: 1 }),
    {
      name: 'param_match',
      kind: { t: 'enum', values: ['initial', 'partial'] },
      field: 'paramMatch',
      bare: 'accepted',
    },
    // keepalived.conf(5) says the default weight is 1, but keepalived 2.2.7 never sets it
    // (vrrp_data.c alloc_vrrp_process): 0, so a process that is not running means FAULT. The
    // daemon differential (test/integration/daemon/drop-in-corpus.test.ts) found it.
    special('weight', 'weight', 'weight', { default: 0, note: '-254..254', bare: 'error' }),
    int('quorum', 'quorum', 1, 65535, { default: 1 }),
    int('quorum_max', 'quorumMax', 0, 65535),
    secondsMs('fork_delay', 'forkDelayMs', 0.000001, 3600),
    secondsMs('terminate_delay', 'terminateDelayMs', 0.000001, 3600),
    secondsMs('delay', 'delayMs', 0.000001, 3600),
    flag('full_command', 'fullCommand', { default: false }),
  ],
};

const NOTIFY: readonly KeywordSpec[] = [
  script('notify_master', 'notifyMaster'),
  script('notify_backup', 'notifyBackup'),
  script('notify_fault', 'notifyFault'),
  script('notify_stop', 'notifyStop'),
  script('notify', 'notify'),
];

const TRACKS: readonly KeywordSpec[] = [
  // keepalived 2.2.7 ignores a track list written without its block.
  special('track_interface', 'track-interface', 'trackInterface', { default: [], bare: 'accepted' }),
  special('track_script', 'track-list', 'trackScript', { default: [], bare: 'accepted' }),
  special('track_file', 'track-list', 'trackFile', { default: [], bare: 'accepted' }),
  special('track_process', 'track-list', 'trackProcess', { default: [], bare: 'accepted' }),
  special('track_bfd', 'track-list', 'trackBfd', { default: [], notImplemented: true, bare: 'accepted' }),
];

export const SYNC_GROUP: BlockSpec = {
  name: 'vrrp_sync_group',
  keywords: [
    special('group', 'sync-members', 'group', { default: [] }),
    ...TRACKS,
    ...NOTIFY,
    bool('notify_priority_changes', 'notifyPriorityChanges'),
    bool('smtp_alert', 'smtpAlert'),
    // Deprecated in 2.2.7 (a config error there); vigil warns.
    flag('global_tracking', 'globalTracking', {
      default: false,
      deprecatedFor: 'track_interface/track_script/track_file on the sync group',
    }),
    flag('sync_group_tracking_weight', 'syncGroupTrackingWeight', { default: false }),
  ],
};

export const AUTHENTICATION: BlockSpec = {
  name: 'authentication',
  keywords: [
    { name: 'auth_type', kind: { t: 'enum', values: ['PASS', 'AH'] }, field: 'type' },
    str('auth_pass', 'pass'),
  ],
};

export const VRRP_INSTANCE: BlockSpec = {
  name: 'vrrp_instance',
  keywords: [
    { name: 'state', kind: { t: 'enum', values: ['MASTER', 'BACKUP'] }, field: 'state' },
    str('interface', 'interface'),
    int('virtual_router_id', 'virtualRouterId', 1, 255),
    int('priority', 'priority', 1, 255),
    secondsMs('advert_int', 'advertIntMs', 0.01, 255, { default: 1000 }),
    int('version', 'version', 2, 3),
    flag('nopreempt', 'nopreempt', { default: false }),
    flag('preempt', undefined),
    secondsMs('preempt_delay', 'preemptDelayMs', 0, 1000, { default: 0 }),
    { name: 'authentication', kind: { t: 'block', block: AUTHENTICATION }, field: 'authentication' },
    special('virtual_ipaddress', 'vips', 'virtualIpaddress', { default: [] }),
    special('virtual_ipaddress_excluded', 'vips', 'virtualIpaddressExcluded', {
      default: [],
      bare: 'accepted',
    }),
    special('virtual_routes', 'routes', 'virtualRoutes', { default: [], bare: 'accepted' }),
    special('virtual_rules', 'rules', 'virtualRules', {
      default: [],
      notImplemented: true,
      bare: 'accepted',
    }),
    ...TRACKS,
    { name: 'mcast_src_ip', kind: { t: 'ip', prefixOk: true }, field: 'mcastSrcIp' },
    { name: 'unicast_src_ip', kind: { t: 'ip' }, field: 'unicastSrcIp' },
    { name: 'mcast_dst_ip', kind: { t: 'ip' }, field: 'mcastDstIp' },
    special('unicast_peer', 'peers', 'unicastPeer', { default: [] }),
    int('unicast_ttl', 'unicastTtl', 0, 255),
    wholeSecondsMs('garp_master_delay', 'garpMasterDelayMs', 0, 4294),
    int('garp_master_repeat', 'garpMasterRepeat', 1, 4294967295),
    wholeSecondsMs('garp_master_refresh', 'garpMasterRefreshMs', 0, 4294967295),
    int('garp_master_refresh_repeat', 'garpMasterRefreshRepeat', 1, 4294967295),
    wholeSecondsMs('garp_lower_prio_delay', 'garpLowerPrioDelayMs', 0, 4294),
    int('garp_lower_prio_repeat', 'garpLowerPrioRepeat', 0, 2147483647),
    int('down_timer_adverts', 'downTimerAdverts', 1, 100),
    flag('dont_track_primary', 'dontTrackPrimary', { default: false }),
    flag('accept', 'accept'),
    negFlag('no_accept', 'accept'),
    bool('skip_check_adv_addr', 'skipCheckAdvAddr'),
    bool('strict_mode', 'strictMode'),
    flag('check_unicast_src', 'checkUnicastSrc', { default: false }),
    bool('smtp_alert', 'smtpAlert'),
    bool('notify_priority_changes', 'notifyPriorityChanges'),
    ...NOTIFY,
    script('notify_master_rx_lower_pri', 'notifyMasterRxLowerPri'),
    // keepalived 2.2.7: `notify_deleted [SCRIPT]` (an instance keyword; bare it only sends the notification).
    script('notify_deleted', 'notifyDeleted', { bare: 'accepted' }),
    special('use_vmac', 'use-vmac', 'useVmac'),
    flag('vmac_xmit_base', 'vmacXmitBase', { default: false }),
    flag('promote_secondaries', 'promoteSecondaries', { default: false }),
    bool('lower_prio_no_advert', 'lowerPrioNoAdvert'),
    bool('higher_prio_send_advert', 'higherPrioSendAdvert'),
    later('debug', { minArgs: 1, kind: { t: 'int', min: 0, max: 4 } }),
    later('vrf', { minArgs: 1 }),
    later('use_vmac_addr'),
    later('use_ipvlan'),
    later('native_ipv6'),
    later('track_src_ip'),
    // An instance that is unicast (a unicast keyword) but has no peers stays in FAULT.
    flag('unicast_fault_no_peer', 'unicastFaultNoPeer', { default: false }),
    later('old_unicast_checksum'),
    later('garp_extra_if', { minArgs: 1, bare: 'error', kind: { t: 'special', reader: 'garp-extra-if' } }),
    later('kernel_rx_buf_size', { minArgs: 1, bare: 'error', kind: { t: 'int', min: 0, max: 4294967295 } }),
    later('linkbeat_use_polling'),
    // keepalived 2.2.7: "Specifying lvs_sync_daemon_interface against a vrrp is deprecated" (a config error).
    later('lvs_sync_daemon_interface', { deprecatedFor: 'global_defs lvs_sync_daemon', minArgs: 1 }),
  ],
};

export const GARP_GROUP_LATER: KeywordSpec = laterBlock('garp_group');
