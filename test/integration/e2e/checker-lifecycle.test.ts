/**
 * The health checker's real-server life cycle end to end, in namespaces: a director `dir` running
 * vigil (`-n -l -f conf`) with a VRRP instance holding the VIPs and two NAT virtual servers on
 * the same two nginx real servers (`rs1` 198.51.100.2, `rs2` 198.51.100.3), HTTP_GET-checked
 * (url path + status_code); a third nginx (`rs3` 198.51.100.4) is a sorry server; a client `cli`
 * sends requests through the VIPs (LVS data plane: whichever driver the daemon picks, nftables on
 * a kernel without IPVS).
 *
 * - VS_A 192.0.2.100:80 (quorum 1, no sorry server): stopping nginx on rs1 removes it after
 *   retry+1 failed attempts spaced delay_before_retry (checkers.md 2.1), notify_down runs with no
 *   arguments (3.6), new requests all reach rs2; restarting it runs notify_up and re-adds it.
 * - VS_Q 192.0.2.101:80 (quorum 2, quorum_up/quorum_down, sorry_server rs3): keepalived's
 *   update_quorum_state (checkers.md 3.5) puts the sorry server in on quorum LOSS, not only when
 *   every real server is down, so losing rs1 (weight 2 -> 1 < 2) runs quorum_down and rs3 takes
 *   all the traffic although rs2 is alive; rs1 back runs notify_up and quorum_up, rs3 leaves.
 * - smtp_alert to python's smtpd (in the director): keepalived's subjects for the real-server
 *   transitions (`[<router_id>] Realserver <RS> of virtual server <VS> - DOWN|UP`) and the VS's
 *   quorum mail. Skipped with a reason when python has no smtpd module.
 *
 * Two virtual servers rather than one: "new requests all reach rs2" (quorum 1) and "the sorry
 * server takes the traffic when quorum is lost" (quorum 2) cannot both hold for one virtual server
 * with two real servers, and one daemon with both keeps the test in one run of the checkers.
 *
 * Everything (namespaces, nginx, smtpd, vigil, files) goes in lab.destroy(), even on failure.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, type DaemonHandle, type Lab, type StatusJson } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import { load } from '../lvs/lvs-lab.js';
import {
  conf,
  e2eSkip,
  instance,
  NGINX,
  type Nginx,
  nginx,
  pythonWithSmtpd,
  readLines,
  type SmtpSink,
  smtpSink,
  timing,
  writeScript,
} from './helpers.js';

const python = pythonWithSmtpd();
const skip = e2eSkip(['nft', NGINX]);

const VIP_A = '192.0.2.100';
const VIP_Q = '192.0.2.101';
const RS = { rs1: '198.51.100.2', rs2: '198.51.100.3', rs3: '198.51.100.4' } as const;
const VS_A = `[${VIP_A}]:tcp:80`;
const VS_Q = `[${VIP_Q}]:tcp:80`;
const FMT = (a: string) => `[${a}]:tcp:80`;
const RS1 = FMT(RS.rs1);
const SORRY = FMT(RS.rs3);
const ROUTER_ID = 'chk_e2e';

// Small timers so that a transition takes seconds: first failure within delay_loop of the stop,
// then `RETRY` more attempts DELAY_BEFORE_RETRY apart.
const DELAY_LOOP = 0.5;
const RETRY = 2;
const DELAY_BEFORE_RETRY = 1;
/** The earliest a stopped server can be removed after the stop: retry x delay_before_retry. */
const DOWN_MIN_MS = RETRY * DELAY_BEFORE_RETRY * 1000;
/** The latest, with slack for attempts, timers and the log: delay_loop + retry x delay_before_retry. */
const DOWN_MAX_MS = (DELAY_LOOP + RETRY * DELAY_BEFORE_RETRY) * 1000 + 900;

/** One notify/quorum script per event: appends `<event> <number of arguments>` to `events`. */
function eventScripts(dir: string): (event: string) => string {
  return (event) => writeScript(join(dir, `${event}.sh`), `echo "${event} $#" >> ${join(dir, 'events')}`);
}

function realServer(
  address: string,
  script: (e: string) => string,
  notify?: string,
  logAllFailures = false,
): string {
  return [
    `  real_server ${address} 80 {`,
    '    weight 1',
    ...(notify
      ? [`    notify_up ${script(`${notify}-up`)}`, `    notify_down ${script(`${notify}-down`)}`]
      : []),
    '    HTTP_GET {',
    '      url {',
    '        path /health.html',
    '        status_code 200',
    '      }',
    '      connect_timeout 1',
    `      delay_loop ${DELAY_LOOP}`,
    `      retry ${RETRY}`,
    `      delay_before_retry ${DELAY_BEFORE_RETRY}`,
    ...(logAllFailures ? ['      log_all_failures'] : []),
    '    }',
    '  }',
  ].join('\n');
}

function directorConf(dir: string, smtpPort: number | undefined): string {
  const script = eventScripts(dir);
  return conf({
    routerId: ROUTER_ID,
    global:
      smtpPort === undefined
        ? []
        : [
            'notification_email {',
            '  ops@example.com',
            '}',
            'notification_email_from vigil@example.com',
            `smtp_server 127.0.0.1 ${smtpPort}`,
            'smtp_connect_timeout 5',
          ],
    body: [
      instance({
        name: 'VI_1',
        vrid: 61,
        priority: 100,
        state: 'MASTER',
        vips: [`${VIP_A}/24`, `${VIP_Q}/24`],
      }),
      `virtual_server ${VIP_A} 80 {`,
      '  lb_algo rr',
      '  lb_kind NAT',
      '  protocol TCP',
      realServer(RS.rs1, script, 'a-rs1', true),
      realServer(RS.rs2, script, undefined, true),
      '}',
      `virtual_server ${VIP_Q} 80 {`,
      '  lb_algo rr',
      '  lb_kind NAT',
      '  protocol TCP',
      '  quorum 2',
      `  quorum_up ${script('q-quorum-up')}`,
      `  quorum_down ${script('q-quorum-down')}`,
      `  sorry_server ${RS.rs3} 80`,
      ...(smtpPort === undefined ? [] : ['  smtp_alert']),
      realServer(RS.rs1, script, 'q-rs1'),
      realServer(RS.rs2, script),
      '}',
    ].join('\n'),
  });
}

/** The messages python's DebuggingServer printed. */
const mails = (smtp: SmtpSink) => smtp.text().split('---------- MESSAGE FOLLOWS ----------').slice(1);

/** The time (ms) of the first log line from `from` on that contains `text`. */
function loggedAt(d: DaemonHandle, text: string, from: number): number {
  const line = d
    .log()
    .slice(from)
    .split('\n')
    .find((l) => l.includes(text));
  const m = line === undefined ? null : /^(\d{4}-\d\d-\d\dT[\d:.]+Z) /.exec(line);
  assert.ok(m, `no timestamped log line with ${JSON.stringify(text)}`);
  return Date.parse(m[1]!);
}

/** A RegExp matching `text` literally. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

type Vs = NonNullable<StatusJson['virtualServers']>[number];

describe('checker life cycle: HTTP_GET, removal, notify, quorum, sorry server, smtp_alert', {
  skip,
  timeout: 90_000,
}, () => {
  let lab: Lab;
  let d: DaemonHandle;
  let smtp: SmtpSink | undefined;
  const servers = new Map<string, Nginx>();
  const events = () => readLines(join(lab.dir, 'events'));
  /** The log of the rs1 stop, up to its removal from both virtual servers. */
  let downLog = '';

  /** virtualServers of `vigil status --json`, by name. */
  const vss = async (): Promise<Map<string, Vs>> =>
    new Map(((await lab.status(d)).virtualServers ?? []).map((v) => [v.name, v]));
  const aliveOf = (v: Vs | undefined) =>
    Object.fromEntries((v?.realServers ?? []).map((r) => [r.address, r.alive]));

  /** Requests through `vip` from the client until every answer comes from `want` (and each of them answers). */
  const waitTraffic = async (vip: string, want: readonly string[], what: string) => {
    let last: unknown;
    const r = await waitFor(
      async () => {
        const got = await load(lab, 12, 2, undefined, vip);
        last = got;
        const hosts = Object.keys(got.counts).sort();
        return got.failed === 0 && JSON.stringify(hosts) === JSON.stringify([...want].sort())
          ? got
          : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, message: `${what}: last ${JSON.stringify(last)}` },
    );
    return r;
  };

  before(async () => {
    lab = await createLab(['dir', 'cli', 'rs1', 'rs2', 'rs3']);
    const ex = (h: string, ...a: string[]) => lab.topo.exec(h, a[0]!, a.slice(1));
    await ex('dir', 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'eth0');
    // One L2 segment for both subnets: no ICMP redirects from the director.
    for (const k of [
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.eth0.send_redirects=0',
    ])
      await ex('dir', 'sysctl', '-q', '-w', k);
    for (const [h, a] of Object.entries(RS)) {
      await ex(h, 'ip', '-4', 'addr', 'flush', 'dev', 'eth0');
      await ex(h, 'ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      await ex(h, 'ip', 'route', 'add', 'default', 'via', '198.51.100.1');
      const n = nginx(lab, h);
      writeFileSync(n.indexFile, `${h}\n`);
      writeFileSync(join(n.htmlDir, 'health.html'), 'ok\n');
      await n.start();
      servers.set(h, n);
    }
    if (python) smtp = await smtpSink(lab, 'dir', python, 2525);
  });
  after(() => lab?.destroy());

  test('start: both real servers alive, the client reaches both', async () => {
    if (!smtp) console.log('# smtp_alert part skipped: python3 has no smtpd module');
    d = lab.start('vigil', 'dir', directorConf(lab.dir, smtp?.port));
    await d.waitLog(/\(VI_1\) Entering MASTER STATE/, { timeoutMs: 15_000 });
    await d.waitLog(/LVS driver: (nftables|ipvs) /);
    for (const vs of [VS_A, VS_Q])
      for (const a of [RS.rs1, RS.rs2])
        await d.waitLog(literal(`Activating healthchecker for service ${FMT(a)} for VS ${vs}`));
    // Every checker has succeeded once (keepalived logs the first success).
    await waitFor(
      () =>
        (d.log().match(/Remote Web server \[198\.51\.100\.[23]\]:tcp:80 succeed on service\./g) ?? [])
          .length >= 4,
      { timeoutMs: 10_000, message: `four first successes\n${d.log()}` },
    );
    const s = await vss();
    assert.deepEqual([...s.keys()], [VS_A, VS_Q]);
    assert.deepEqual(aliveOf(s.get(VS_A)), { [RS.rs1]: true, [RS.rs2]: true });
    assert.deepEqual(aliveOf(s.get(VS_Q)), { [RS.rs1]: true, [RS.rs2]: true });
    assert.equal(s.get(VS_Q)?.quorumUp, true);
    assert.equal(s.get(VS_Q)?.sorryServerActive, false);
    const a = await waitTraffic(VIP_A, ['rs1', 'rs2'], 'VS_A served by rs1 and rs2');
    const q = await waitTraffic(VIP_Q, ['rs1', 'rs2'], 'VS_Q served by rs1 and rs2');
    console.log(`# start: VS_A ${JSON.stringify(a.counts)}, VS_Q ${JSON.stringify(q.counts)}`);
    // No notify for the initial adds (no rs_init_notifies); quorum_up only for the start-up quorum.
    assert.ok(
      events().every((e) => e === 'q-quorum-up 0'),
      `start-up events ${JSON.stringify(events())}`,
    );
  });

  test('nginx stopped on rs1: removed after retry+1 failures, notify_down, quorum lost, sorry server', async () => {
    const from = d.log().length;
    const before = events().length;
    const t0 = Date.now();
    await servers.get('rs1')!.stop();
    await d.waitLog(literal(`Removing service ${RS1} from VS ${VS_A}`), {
      from,
      timeoutMs: DOWN_MAX_MS + 5000,
    });
    await d.waitLog(/Removing service \[198\.51\.100\.2\]:tcp:80 from VS \[192\.0\.2\.101\]:tcp:80/, {
      from,
      timeoutMs: 5000,
    });
    const downLine = `HTTP_CHECK on service ${RS1} failed after ${RETRY} retries.`;
    assert.ok(d.log().slice(from).includes(downLine), `"${downLine}" in\n${d.log().slice(from)}`);
    // VS_A's checkers have log_all_failures: keepalived 2.2.7 (check_http.c timeout_epilog) logs
    // every failed attempt of an up checker as "<reason> server <RS>.", so the removal came after
    // exactly retry+1 failed attempts.
    downLog = d.log().slice(from);
    const failed = downLog.match(/\S.* server \[198\.51\.100\.2\]:tcp:80\.$/gm) ?? [];
    assert.equal(failed.length, RETRY + 1, downLog);
    // First failed attempt -> removal: retry x delay_before_retry, plus the attempts' own time.
    const spaced =
      loggedAt(d, `Removing service ${RS1} from VS ${VS_A}`, from) -
      loggedAt(d, ' server [198.51.100.2]:tcp:80.', from);
    timing(`VS_A first failed attempt -> removal (retry x delay_before_retry = ${DOWN_MIN_MS})`, spaced);
    // Log lines are stamped by the main thread when they arrive from the checker thread: on a
    // loaded machine the first one can arrive late, so the lower bound has some slack.
    assert.ok(spaced >= DOWN_MIN_MS - 100 && spaced <= DOWN_MIN_MS + 500, `${spaced} ms\n${downLog}`);
    for (const vs of [VS_A, VS_Q]) {
      const ms = loggedAt(d, `Removing service ${RS1} from VS ${vs}`, from) - t0;
      timing(`nginx stop -> "Removing service" for ${vs} (bounds ${DOWN_MIN_MS}..${DOWN_MAX_MS})`, ms);
      assert.ok(ms >= DOWN_MIN_MS - 50, `removed after ${ms} ms, before retry x delay_before_retry`);
      assert.ok(ms <= DOWN_MAX_MS, `removed after ${ms} ms, later than ${DOWN_MAX_MS}`);
    }
    // The three lines come together, but the log may arrive in pieces: wait for each.
    await d.waitLog(/Lost quorum 2-0=2 > 1 for VS \[192\.0\.2\.101\]:tcp:80/, { from });
    await d.waitLog(/Adding sorry server \[198\.51\.100\.4\]:tcp:80 to VS \[192\.0\.2\.101\]:tcp:80/, {
      from,
      timeoutMs: 2000,
    });
    await d.waitLog(/Removing alive servers from the pool for VS \[192\.0\.2\.101\]:tcp:80/, {
      from,
      timeoutMs: 2000,
    });
    // notify_down and quorum_down ran, with no arguments.
    await waitFor(() => events().length >= before + 3, {
      timeoutMs: 5000,
      message: `three scripts ran: ${JSON.stringify(events())}`,
    });
    assert.deepEqual(events().slice(before).sort(), ['a-rs1-down 0', 'q-quorum-down 0', 'q-rs1-down 0']);

    const s = await vss();
    assert.deepEqual(aliveOf(s.get(VS_A)), { [RS.rs1]: false, [RS.rs2]: true });
    assert.deepEqual(aliveOf(s.get(VS_Q)), { [RS.rs1]: false, [RS.rs2]: true });
    assert.equal(s.get(VS_Q)?.quorumUp, false);
    assert.equal(s.get(VS_Q)?.sorryServerActive, true);
    // New requests: VS_A all to rs2; VS_Q (quorum lost) all to the sorry server.
    const a = await waitTraffic(VIP_A, ['rs2'], 'VS_A served by rs2 only');
    const q = await waitTraffic(VIP_Q, ['rs3'], 'VS_Q served by the sorry server only');
    console.log(`# rs1 down: VS_A ${JSON.stringify(a.counts)}, VS_Q ${JSON.stringify(q.counts)}`);
  });

  // keepalived 2.2.7 (check_http.c timeout_epilog) logs every failed attempt of an up HTTP checker
  // with log_all_failures as "<reason> server <RS>." (e.g. "Connection failed server
  // [198.51.100.2]:tcp:80."), the final one included, before "HTTP_CHECK on service ... failed
  // after N retries." (wording.ts failureLine).
  test('log_all_failures: keepalived words for each failed HTTP attempt', () => {
    const lines = downLog.match(/\S.* server \[198\.51\.100\.2\]:tcp:80\.$/gm) ?? [];
    assert.equal(lines.length, RETRY + 1, downLog);
    // Reasons vary with how nginx goes (refused, reset, closed before a header): keepalived's phrases.
    assert.ok(
      lines.every((l) =>
        /(connecting|Connection failed|Read|Timeout|unreachable|Cannot send) .*server \[/.test(l),
      ),
      lines.join('\n'),
    );
    // Both virtual servers check rs1 and log the same down line: VS_A's is the last one.
    const final = downLog.lastIndexOf(`HTTP_CHECK on service ${RS1} failed after ${RETRY} retries.`);
    assert.ok(final > downLog.lastIndexOf(lines.at(-1)!), downLog);
  });

  test('smtp_alert: keepalived subjects for the checker and quorum transitions', {
    skip: python ? false : 'python3 has no smtpd module',
  }, async () => {
    const m = await waitFor(
      () =>
        mails(smtp!).find((x) =>
          x.includes(`Subject: [${ROUTER_ID}] Realserver ${RS1} of virtual server ${VS_A} - DOWN`),
        ),
      { timeoutMs: 10_000, message: `RS DOWN mail\n${smtp!.text()}` },
    );
    assert.match(m, /=> CHECK failed on service/);
    assert.match(m, /From: vigil@example\.com/);
    const v = await waitFor(
      () => mails(smtp!).find((x) => x.includes(`Subject: [${ROUTER_ID}] Virtualserver ${VS_Q} - DOWN`)),
      { timeoutMs: 10_000, message: `VS DOWN mail\n${smtp!.text()}` },
    );
    // keepalived's do_vs_notifies prints "%u+%u=%ld <= %ld" for a loss too (the log line says 2-0=2 > 1).
    assert.match(v, /=> Lost quorum 2\+0=2 <= 1 <=/);
  });

  test('nginx back on rs1: notify_up, quorum_up, the sorry server leaves', async () => {
    const from = d.log().length;
    const before = events().length;
    await servers.get('rs1')!.start();
    await d.waitLog(/Adding service \[198\.51\.100\.2\]:tcp:80 to VS \[192\.0\.2\.100\]:tcp:80/, {
      from,
      timeoutMs: 10_000,
    });
    await d.waitLog(/Gained quorum 2\+0=2 <= 2 for VS \[192\.0\.2\.101\]:tcp:80/, {
      from,
      timeoutMs: 10_000,
    });
    // The lines after "Gained quorum" come in the same tick, but the log may arrive in pieces
    // (a CI run saw it cut right after "Gained quorum"): wait for each.
    await d.waitLog(literal(`Removing sorry server ${SORRY} from VS ${VS_Q}`), { from, timeoutMs: 2000 });
    await d.waitLog(literal(`Adding alive servers to the pool for VS ${VS_Q}`), { from, timeoutMs: 2000 });
    const log = d.log().slice(from);
    assert.ok(log.includes(`Remote Web server ${RS1} succeed on service.`), log);
    await waitFor(() => events().length >= before + 3, {
      timeoutMs: 5000,
      message: `three scripts ran: ${JSON.stringify(events())}`,
    });
    assert.deepEqual(events().slice(before).sort(), ['a-rs1-up 0', 'q-quorum-up 0', 'q-rs1-up 0']);

    const s = await vss();
    assert.deepEqual(aliveOf(s.get(VS_A)), { [RS.rs1]: true, [RS.rs2]: true });
    assert.deepEqual(aliveOf(s.get(VS_Q)), { [RS.rs1]: true, [RS.rs2]: true });
    assert.equal(s.get(VS_Q)?.quorumUp, true);
    assert.equal(s.get(VS_Q)?.sorryServerActive, false);
    await waitTraffic(VIP_A, ['rs1', 'rs2'], 'VS_A served by rs1 and rs2 again');
    await waitTraffic(VIP_Q, ['rs1', 'rs2'], 'VS_Q served by rs1 and rs2 again, not the sorry server');
    if (smtp) {
      const subject = `Subject: [${ROUTER_ID}] Realserver ${RS1} of virtual server ${VS_A} - UP`;
      const m = await waitFor(() => mails(smtp!).find((x) => x.includes(subject)), {
        timeoutMs: 10_000,
        message: `RS UP mail\n${smtp.text()}`,
      });
      assert.match(m, /=> CHECK succeed on service <=/);
    }
  });

  test('SIGTERM: the daemon exits 0 and shuts the services down', async () => {
    d.signal('SIGTERM');
    const exit = await d.exited;
    assert.equal(exit.code, 0, d.log().slice(-3000));
    assert.match(
      d.log(),
      /Shutting down service \[198\.51\.100\.2\]:tcp:80 from VS \[192\.0\.2\.100\]:tcp:80/,
    );
    const tables = (await lab.topo.exec('dir', 'nft', ['list', 'tables'])).stdout;
    assert.doesNotMatch(tables, /vigil_lvs/);
  });
});
