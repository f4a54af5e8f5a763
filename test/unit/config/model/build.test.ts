import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildModel } from '../../../../src/config/build/index.js';
import type { SourcePos } from '../../../../src/config/diagnostics.js';
import type { ConfigNode, Token } from '../../../../src/config/tree.js';
import { check, errors, instance, show, warnings } from './helpers.js';

const p = (line: number, column = 1): SourcePos => ({ file: 't.conf', line, column });
const tok = (text: string, line: number, column = 1): Token => ({
  text,
  pos: p(line, column),
  quoted: false,
});
const stmt = (line: number, ...words: string[]): ConfigNode => ({
  keyword: tok(words[0]!, line),
  args: words.slice(1).map((w, i) => tok(w, line, 10 + i * 5)),
});

test('builder reads a hand-built tree (independent of the parser)', () => {
  const nodes: ConfigNode[] = [
    {
      keyword: tok('vrrp_instance', 1),
      args: [tok('VI_1', 1, 15)],
      children: [
        stmt(2, 'state', 'BACKUP'),
        stmt(3, 'interface', 'eth0'),
        stmt(4, 'virtual_router_id', '7'),
        stmt(5, 'advert_int', '0.5'),
        stmt(6, 'version', '3'),
        {
          keyword: tok('virtual_ipaddress', 7),
          args: [],
          children: [stmt(8, '192.0.2.5/24', 'dev', 'eth0')],
        },
      ],
    },
  ];
  const { model, diagnostics } = buildModel(nodes);
  assert.equal(diagnostics.items.length, 0, JSON.stringify(diagnostics.items));
  const i = model.instances[0]!;
  assert.equal(i.name, 'VI_1');
  assert.equal(i.advertIntMs, 500);
  assert.equal(i.version, 3);
  assert.equal(i.priority, 100);
  assert.deepEqual(i.virtualIpaddress[0]?.dev, 'eth0');
  assert.equal(i.virtualIpaddress[0]?.prefixLen, 24);
  assert.deepEqual(i.keyPos.virtualRouterId, p(4));
});

test('defaults follow keepalived 2.2.7: priority 255 for state MASTER, 100 otherwise; advert 1s; v2', () => {
  const m = check(instance('state MASTER') + instance('', '192.0.2.101', 'VI_2')).model!;
  assert.equal(m.instances[0]!.priority, 255);
  assert.equal(m.instances[1]!.priority, 100);
  assert.equal(m.instances[1]!.advertIntMs, 1000);
  assert.equal(m.instances[1]!.version, 2);
  assert.equal(m.globalDefs.vrrpMcastGroup4, '224.0.0.18');
  assert.equal(m.globalDefs.smtpConnectTimeoutMs, 30000);
});

test('global vrrp_version applies to instances without their own version', () => {
  const m = check(`global_defs {\n vrrp_version 3\n}\n${instance('advert_int 0.25')}`).model!;
  assert.equal(m.instances[0]!.version, 3);
  assert.equal(m.instances[0]!.advertIntMs, 250);
});

test('the model is JSON-serialisable and round-trips', () => {
  const r = check(`${instance('priority 150\ntrack_script {\n  chk weight 10\n}')}
vrrp_script chk {\n script "/bin/true"\n weight -20\n}
virtual_server 192.0.2.10 80 {\n lb_algo wrr\n lb_kind DR\n real_server 198.51.100.1 80 {\n  weight 3\n  HTTP_GET {\n   url {\n    path /\n    status_code 200-299 301\n   }\n   connect_timeout 3\n  }\n }\n}`);
  const json = JSON.stringify(r.model);
  assert.deepEqual(JSON.parse(json), r.model);
  const vs = r.model!.virtualServers[0]!;
  assert.deepEqual(vs.address, { kind: 'ip', address: '192.0.2.10', family: 4, port: 80 });
  assert.equal(vs.lvsSched, 'wrr');
  assert.equal(vs.lvsMethod, 'DR');
  const c = vs.realServers[0]!.checkers[0]!;
  assert.equal(c.type, 'HTTP_GET');
  if (c.type === 'HTTP_GET') {
    assert.deepEqual(c.url[0]!.statusCode, [
      [200, 299],
      [301, 301],
    ]);
    assert.equal(c.connectTimeoutMs, 3000);
  }
  assert.equal(r.model!.vrrpScripts[0]!.weight, -20);
  assert.equal(r.model!.instances[0]!.trackScript[0]!.weight, 10);
});

test('every checker type builds into its own union member', () => {
  const types = [
    'HTTP_GET',
    'SSL_GET',
    'TCP_CHECK',
    'SMTP_CHECK',
    'MISC_CHECK',
    'DNS_CHECK',
    'UDP_CHECK',
    'PING_CHECK',
    'FILE_CHECK',
    'BFD_CHECK',
  ];
  const body = types
    .map(
      (t) =>
        `  ${t} {\n${t === 'MISC_CHECK' ? '   misc_path "/bin/true arg"\n' : ''}${t.endsWith('_GET') ? '   url {\n    path /\n   }\n' : ''}${t === 'FILE_CHECK' ? '   track_file tf\n' : ''}${t === 'BFD_CHECK' ? '   name b1\n' : ''}  }`,
    )
    .join('\n');
  const r = check(
    `track_file tf {\n file /tmp/tf\n}\nbfd_instance b1 {\n neighbor_ip 192.0.2.9\n}\nvirtual_server fwmark 5 {\n lb_algo rr\n lb_kind DR\n real_server 198.51.100.2 {\n${body}\n }\n}`,
  );
  assert.equal(errors(r).length, 0, show(r));
  const cs = r.model!.virtualServers[0]!.realServers[0]!.checkers;
  assert.deepEqual(
    cs.map((c) => c.type),
    types,
  );
  const misc = cs[4]!;
  assert.ok(misc.type === 'MISC_CHECK' && misc.miscPath?.argv[1] === 'arg');
  const dns = cs[5]!;
  assert.ok(dns.type === 'DNS_CHECK' && dns.queryType === 'SOA');
});

test('nb_get_retry is a deprecated alias of retry: warns with the replacement and sets retry', () => {
  const r = check(
    'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n  TCP_CHECK {\n   nb_get_retry 4\n  }\n }\n}',
  );
  assert.equal(errors(r).length, 0, show(r));
  assert.match(show(r), /:7:4: warning: 'nb_get_retry' is deprecated; use 'retry' instead/);
  const c = r.model!.virtualServers[0]!.realServers[0]!.checkers[0]!;
  assert.equal(c.retry, 4);
});

test('keywords accepted but not implemented are warned about by name and kept in the model', () => {
  const r = check(`global_defs {\n lvs_sync_daemon eth0 VI_1\n}\n${instance('debug 2')}`);
  assert.equal(errors(r).length, 0, show(r));
  const w = warnings(r).map((d) => d.message);
  assert.ok(w.includes("'lvs_sync_daemon' is accepted but not implemented by vigil yet"), w.join('\n'));
  assert.ok(w.includes("'debug' is accepted but not implemented by vigil yet"));
  assert.deepEqual(r.model!.globalDefs.unimplemented.lvs_sync_daemon, ['eth0', 'VI_1']);
});

test('unknown keywords get a suggestion (edit distance and case) with file:line:col', () => {
  const r = check(instance('priorty 100\nNopreempt'));
  const e = errors(r).map((d) => `${d.pos.line}:${d.pos.column} ${d.message}`);
  assert.ok(
    e.includes("4:1 unknown keyword 'priorty' in vrrp_instance; did you mean 'priority'?"),
    e.join('\n'),
  );
  assert.ok(e.includes("5:1 unknown keyword 'Nopreempt' in vrrp_instance; did you mean 'nopreempt'?"));
  // Case-only mistakes are recovered, so the value is still read.
  assert.equal(r.model!.instances[0]!.nopreempt, true);
});

test('machine-translated capitals and glued arguments are suggested and recovered', () => {
  const r = check(
    `Global_defs {\n Router_id X1\n}\n${instance('Notify_master/usr/local/bin/x.sh notify_master')}`,
  );
  const e = errors(r).map((d) => d.message);
  assert.ok(
    e.includes("unknown keyword 'Global_defs' in the top level; did you mean 'global_defs'?"),
    e.join('\n'),
  );
  assert.ok(e.includes("unknown keyword 'Router_id' in global_defs; did you mean 'router_id'?"));
  assert.ok(e.some((m) => m.includes("did you mean 'notify_master /usr/local/bin/x.sh'")));
  assert.equal(r.model!.globalDefs.routerId, 'X1');
  assert.equal(r.model!.instances[0]!.notifyMaster?.command, '/usr/local/bin/x.sh');
});

test('an unrelated unknown keyword gets no suggestion', () => {
  const r = check(instance('frobnicate_everything 1'));
  assert.ok(errors(r).some((d) => d.message === "unknown keyword 'frobnicate_everything' in vrrp_instance"));
});

test('invalid values report the offending token position', () => {
  const r = check(instance('priority abc\nstate MAYBE'));
  const e = errors(r).map((d) => `${d.pos.line}:${d.pos.column} ${d.message}`);
  assert.ok(e.includes("4:10 priority: invalid number 'abc'"), e.join('\n'));
  assert.ok(e.some((m) => m.startsWith("5:7 invalid state 'MAYBE'")));
  assert.equal(r.exitCode, 5);
});

test('a block keyword without a block is an error', () => {
  const r = check(instance('authentication'));
  assert.ok(errors(r).some((d) => d.message === "'authentication' needs a { ... } block"));
});

test('virtual_server forms: ip port, fwmark, group; bad address reported', () => {
  const r = check(
    `virtual_server_group G {\n 192.0.2.1 80\n}\nvirtual_server group G {\n}\nvirtual_server fwmark 3 {\n}\nvirtual_server 300.1.1.1 80 {\n}`,
  );
  assert.deepEqual(
    r.model!.virtualServers.map((v) => v.address.kind),
    ['group', 'fwmark'],
  );
  assert.deepEqual(r.model!.virtualServerGroups[0]!.members[0]!.words, ['192.0.2.1', '80']);
  assert.ok(
    errors(r).some((d) => d.pos.line === 8 && d.message.includes("'300.1.1.1'")),
    show(r),
  );
});

test('not-implemented keywords with a model field are still read and checked, and warned about', () => {
  const r = check(instance('track_bfd {\n  bfd1\n}'));
  assert.ok(
    warnings(r).some((d) => d.message === "'track_bfd' is accepted but not implemented by vigil yet"),
    show(r),
  );
  // down_timer_adverts is implemented: read, and no such warning.
  const d = check(instance('down_timer_adverts 5'));
  assert.equal(errors(d).length, 0, show(d));
  assert.ok(!warnings(d).some((x) => x.message.includes('not implemented')), show(d));
  assert.equal(d.model!.instances[0]!.downTimerAdverts, 5);
  // use_vmac and vmac_xmit_base are implemented: read, and no such warning.
  const v = check(instance('use_vmac vrrp51\nvmac_xmit_base'));
  assert.ok(!warnings(v).some((d) => d.message.includes('not implemented')), show(v));
  assert.deepEqual(v.model!.instances[0]!.useVmac, { name: 'vrrp51' });
  assert.equal(v.model!.instances[0]!.vmacXmitBase, true);
  const p = check(`vrrp_track_process p {\n process nginx\n weight 999\n}\n${instance()}`);
  // vrrp_track_process is implemented (src/track/track-process.ts): checked, and no such warning.
  assert.ok(!warnings(p).some((d) => d.message.includes('not implemented')), show(p));
  assert.ok(
    errors(p).some((d) => /number '999' is outside the range -254\.\.254/.test(d.message)),
    show(p),
  );
});

test('the checker globals vigil honours are read without a not-implemented warning', () => {
  const r = check(
    'global_defs {\n smtp_alert_checker false\n checker_log_all_failures\n no_checker_emails\n rs_init_notifies\n}\n',
  );
  assert.equal(errors(r).length, 0, show(r));
  assert.ok(!warnings(r).some((d) => d.message.includes('not implemented')), show(r));
  const g = r.model!.globalDefs;
  assert.deepEqual(
    [g.smtpAlertChecker, g.checkerLogAllFailures, g.noCheckerEmails, g.rsInitNotifies],
    [false, true, true, true],
  );
});

test('HTTP_GET takes the keywords keepalived 2.2.7 gives both HTTP checkers (enable_sni, fast_recovery, regex options)', () => {
  const r = check(`virtual_server 192.0.2.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 198.51.100.1 80 {
    HTTP_GET {
      enable_sni
      fast_recovery
      url {
        path /
        regex "ok"
        regex_no_match
      }
    }
  }
}
`);
  assert.equal(errors(r).length, 0, show(r));
  const c = r.model!.virtualServers[0]!.realServers[0]!.checkers[0]!;
  assert.ok(c.type === 'HTTP_GET' && c.enableSni === true && c.fastRecovery === true, show(r));
});

test('the SSL block is modelled', () => {
  const r = check(
    'SSL {\n password secret\n ca /etc/ssl/ca.pem\n certificate /etc/ssl/c.pem\n key /etc/ssl/k.pem\n}\n',
  );
  assert.equal(errors(r).length, 0, show(r));
  assert.equal(r.model!.ssl?.ca, '/etc/ssl/ca.pem');
  assert.equal(r.model!.ssl?.key, '/etc/ssl/k.pem');
});

test('persistence_timeout without a value means 6 minutes; vrrp_track_process weight defaults to 0 (keepalived 2.2.7 code, not its man page)', () => {
  const r = check(
    'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n persistence_timeout\n real_server 198.51.100.1 80 {\n }\n}\n',
  );
  assert.equal(errors(r).length, 0, show(r));
  assert.equal(r.model!.virtualServers[0]!.persistenceTimeoutS, 360);
  const p = check(`vrrp_track_process p {\n process nginx\n}\n${instance()}`);
  assert.equal(p.model!.trackProcesses[0]!.weight, 0);
});

test('effective checker timing inherits checker -> real server -> virtual server -> keepalived default', async () => {
  const { effectiveTiming } = await import('../../../../src/config/build/effective.js');
  const r = check(
    'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n delay_loop 10\n retry 4\n real_server 198.51.100.1 80 {\n  connect_timeout 2\n  HTTP_GET {\n   url {\n    path /\n   }\n   retry 2\n  }\n  DNS_CHECK {\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n }\n}\n',
  );
  assert.equal(errors(r).length, 0, show(r));
  const vs = r.model!.virtualServers[0]!;
  const rs = vs.realServers[0]!;
  const [http, dns, misc] = rs.checkers;
  assert.deepEqual(effectiveTiming(vs, rs, http!), {
    connectTimeoutMs: 2000,
    retry: 2,
    delayBeforeRetryMs: 3000,
    delayLoopMs: 10000,
    warmupMs: 10000,
    alpha: false,
  });
  assert.equal(effectiveTiming(vs, rs, dns!).retry, 4);
  assert.equal(effectiveTiming(vs, rs, dns!).delayBeforeRetryMs, 10000);
  assert.equal(effectiveTiming(vs, rs, misc!).delayBeforeRetryMs, 1000);
  const bare = check(
    'virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 198.51.100.1 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n }\n}\n',
  ).model!.virtualServers[0]!;
  const t = effectiveTiming(bare, bare.realServers[0]!, bare.realServers[0]!.checkers[0]!);
  assert.deepEqual([t.retry, t.delayLoopMs, t.connectTimeoutMs], [0, 60000, 5000]);
});
