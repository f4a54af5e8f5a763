import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness, planOf, RS1, RS2, VS, vs } from './helpers.js';

const twoTcp = (rsOpts = '', vsOpts = '') =>
  vs(`${vsOpts}
  real_server 198.51.100.1 80 {
    weight 1
${rsOpts}
    TCP_CHECK { connect_timeout 1 }
  }
  real_server 198.51.100.2 80 {
    weight 1
${rsOpts}
    TCP_CHECK { connect_timeout 1 }
  }`);

test('resolution: checker -> real_server -> virtual_server -> type default, G1 connect target', () => {
  const p = planOf(
    vs(`  retry 4
  delay_before_retry 2
  real_server 198.51.100.1 {
    delay_loop 7
    TCP_CHECK { }
    TCP_CHECK {
      connect_port 8080
      connect_ip 198.51.100.9
      retry 0
      warmup 0
    }
    MISC_CHECK { misc_path "/bin/true" }
  }
  real_server 198.51.100.2 80 {
    DNS_CHECK { }
  }`),
  );
  const [a, b, m] = p.virtualServers[0]!.realServers[0]!.checkers;
  assert.equal(a!.delayLoopMs, 7000);
  assert.equal(a!.retry, 4);
  assert.equal(a!.delayBeforeRetryMs, 2000);
  assert.equal(a!.connectTimeoutMs, 5000);
  assert.equal(a!.warmupMs, 7000, 'warmup defaults to the resolved delay_loop');
  // G1: the real server has no port written, so its checker targets port 0.
  assert.deepEqual([a!.target.address, a!.target.port], ['198.51.100.1', 0]);
  assert.deepEqual([b!.target.address, b!.target.port, b!.retry, b!.warmupMs], ['198.51.100.9', 8080, 0, 0]);
  // MISC: the attempt's limit is misc_timeout, else the virtual server's delay_loop.
  assert.equal(m!.attemptTimeoutMs, 10_000);
  // The real server still takes the VS port in the table and in its name.
  assert.equal(p.virtualServers[0]!.realServers[0]!.name, '[198.51.100.1]:tcp:80');
  assert.ok(p.warnings.some((w) => w.includes('targets port 0')));
  const dns = p.virtualServers[0]!.realServers[1]!.checkers[0]!;
  // rs/vs retry 4 applies; delay_before_retry from the VS.
  assert.deepEqual([dns.retry, dns.delayBeforeRetryMs], [4, 2000]);
  const bare = planOf(
    vs('  real_server 198.51.100.2 80 {\n    DNS_CHECK { }\n    MISC_CHECK { misc_path /bin/true }\n  }'),
  );
  const [d, mm] = bare.virtualServers[0]!.realServers[0]!.checkers;
  assert.deepEqual(
    [d!.retry, d!.delayBeforeRetryMs],
    [3, 10_000],
    'DNS: retry 3, delay_before_retry = delay_loop',
  );
  assert.equal(mm!.retry, 0, 'MISC: retry 0');
});

test('first attempt at 1 s + random x warmup; then every delay_loop', () => {
  const h = harness(twoTcp('', '  warmup 4'), { random: () => 0.5 });
  h.lc.start();
  h.run(100_000);
  const times = h.attempts.filter((a) => a.req.rs === RS1).map((a) => a.at);
  assert.deepEqual(times.slice(0, 3), [3000, 13_000, 23_000]);
  assert.ok(h.logs().includes(`Activating healthchecker for service ${RS1} for VS ${VS}`));
});

test('startup: every server is in service at once, and the first failure is final', () => {
  const h = harness(twoTcp('    retry 3'));
  h.health.set('198.51.100.1', false);
  h.lc.start();
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1', '198.51.100.2:80=1']);
  assert.ok(h.logs().includes(`Gained quorum 1+0=1 <= 2 for VS ${VS}`), h.logs().join('\n'));
  h.newLogs();
  h.run(1000);
  // The first success is logged too (keepalived: !has_run), but changes nothing.
  assert.deepEqual(h.newLogs(), [
    `TCP_CHECK on service ${RS1} failed.`,
    `Removing service ${RS1} from VS ${VS}`,
    `TCP connection to ${RS2} success.`,
  ]);
  assert.deepEqual(h.dests(), ['198.51.100.2:80=1']);
  assert.ok(h.events.some((e) => e.type === 'fifo' && e.line === `RS ${RS1} ${VS} DOWN\n`));
  // Down and failing: one attempt per delay_loop, nothing logged.
  h.run(30_000);
  assert.deepEqual(
    h.attempts.filter((a) => a.req.rs === RS1).map((a) => a.at),
    [1000, 11_000, 21_000, 31_000],
  );
  assert.deepEqual(h.newLogs(), []);
});

test('up -> down after retry+1 failures spaced delay_before_retry; one success brings it back', () => {
  const h = harness(twoTcp('    retry 2\n    delay_before_retry 3'));
  h.lc.start();
  h.run(1000);
  h.newLogs();
  h.health.set('198.51.100.1', false);
  h.run(20_000);
  const rs1 = () => h.attempts.filter((a) => a.req.rs === RS1).map((a) => a.at);
  assert.deepEqual(rs1(), [1000, 11_000, 14_000, 17_000]);
  assert.deepEqual(h.newLogs(), [
    `TCP_CHECK on service ${RS1} failed after 2 retries.`,
    `Removing service ${RS1} from VS ${VS}`,
  ]);
  h.health.set('198.51.100.1', true);
  h.run(10_000);
  assert.deepEqual(rs1().slice(4), [27_000]);
  assert.deepEqual(h.newLogs(), [`TCP connection to ${RS1} success.`, `Adding service ${RS1} to VS ${VS}`]);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1', '198.51.100.2:80=1']);
  // A failure in between successes does not take it down.
  h.health.set('198.51.100.1', false);
  h.run(10_000);
  h.health.set('198.51.100.1', true);
  h.run(10_000);
  assert.deepEqual(h.newLogs(), []);
});

test("log_all_failures: TCP_CHECK logs each failure of an up checker in keepalived's words, the final one too", () => {
  const h = harness(
    vs(
      '  real_server 198.51.100.1 80 {\n    TCP_CHECK {\n      retry 2\n      log_all_failures true\n    }\n  }',
    ),
  );
  h.lc.start();
  h.run(1000);
  h.health.set('198.51.100.1', false);
  h.newLogs();
  h.run(12_500);
  // check_tcp.c tcp_check_thread: "TCP connection to <RS> failed." before each epilog.
  assert.deepEqual(h.newLogs(), [
    `TCP connection to ${RS1} failed.`,
    `TCP connection to ${RS1} failed.`,
    `TCP connection to ${RS1} failed.`,
    `TCP_CHECK on service ${RS1} failed after 2 retries.`,
    `Removing service ${RS1} from VS ${VS}`,
    `Lost quorum 1-0=1 > 0 for VS ${VS}`,
  ]);
  // Down: keepalived logs no more per-attempt lines.
  h.run(20_000);
  assert.deepEqual(h.newLogs(), []);
});

const threeUrls = (extra = '') =>
  vs(`  real_server 198.51.100.1 80 {
    HTTP_GET {
      url { path /a }
      url { path /b }
      url { path /c }
      retry 1
      delay_before_retry 2
      log_all_failures
${extra}    }
  }`);

/** An HTTP harness whose url `/b` answers as `bad` says; [at, url] of each attempt. */
function urlHarness(conf: string) {
  const h = harness(conf);
  const state = { bad: false };
  h.respond = (req) =>
    req.url === 1 && state.bad
      ? { ok: false, reason: 'HTTP status code error to' }
      : { ok: true, detail: `HTTP status code success url(${req.checker.urls?.[req.url ?? 0]})` };
  const walk = () => h.attempts.map((a) => [a.at, a.req.url]);
  return { h, state, walk };
}

test('HTTP_GET with several urls: one url per delay_loop tick, a whole pass before up, a failed url re-polled alone', () => {
  const { h, state, walk } = urlHarness(threeUrls());
  h.lc.start();
  h.run(21_000);
  // check_http.c epilog: url_it moves on after each success, delay_loop apart.
  assert.deepEqual(walk(), [
    [1000, 0],
    [11_000, 1],
    [21_000, 2],
  ]);
  assert.ok(h.newLogs().includes(`Remote Web server ${RS1} succeed on service.`));
  state.bad = true;
  h.run(22_000); // /a at 31 s, /b fails at 41 s, retried at 43 s: down
  assert.deepEqual(walk().slice(3), [
    [31_000, 0],
    [41_000, 1],
    [43_000, 1],
  ]);
  assert.deepEqual(h.newLogs(), [
    `HTTP status code error to server ${RS1}.`,
    `HTTP status code error to server ${RS1}.`,
    `HTTP_CHECK on service ${RS1} failed after 1 retries.`,
    `Removing service ${RS1} from VS ${VS}`,
    `Lost quorum 1-0=1 > 0 for VS ${VS}`,
  ]);
  assert.deepEqual(h.dests(), [], 'out of the table');
  h.run(10_000); // the failed url alone, every max(delay_before_retry, delay_loop); silent while down
  assert.deepEqual(walk().slice(6), [[53_000, 1]]);
  assert.deepEqual(h.newLogs(), []);
  state.bad = false;
  h.run(40_000); // /b passes at 63 s: the pass restarts at /a; up after /c
  assert.deepEqual(walk().slice(7), [
    [63_000, 1],
    [73_000, 0],
    [83_000, 1],
    [93_000, 2],
  ]);
  assert.deepEqual(h.newLogs(), [
    `HTTP status code success to ${RS1} url(/b)`,
    `HTTP status code success to ${RS1} url(/a)`,
    `HTTP status code success to ${RS1} url(/b)`,
    `HTTP status code success to ${RS1} url(/c)`,
    `Remote Web server ${RS1} succeed on service.`,
    `Adding service ${RS1} to VS ${VS}`,
    `Gained quorum 1+0=1 <= 1 for VS ${VS}`,
  ]);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1'], 'back in the table');
});

test('HTTP_GET fast_recovery: the first pass and a recovery pass run at once', () => {
  const { h, state, walk } = urlHarness(threeUrls('      fast_recovery\n'));
  h.lc.start();
  h.run(1000);
  assert.deepEqual(walk(), [
    [1000, 0],
    [1000, 1],
    [1000, 2],
  ]);
  h.run(10_000); // up: delay_loop again
  assert.deepEqual(walk().slice(3), [[11_000, 0]]);
  state.bad = true;
  h.run(12_000); // /b fails at 21 s and 23 s: down, then re-polled at 33 s
  state.bad = false;
  h.run(10_000);
  assert.deepEqual(walk().slice(4), [
    [21_000, 1],
    [23_000, 1],
    [33_000, 1],
    [33_000, 0],
    [33_000, 1],
    [33_000, 2],
  ]);
  assert.equal(h.dests().length, 1);
});

test('HTTP_GET: at start the first failure is final; alpha logs no down line (check_http.c epilog)', () => {
  const { h, state } = urlHarness(threeUrls());
  state.bad = true;
  h.lc.start();
  h.run(11_000);
  assert.deepEqual(h.newLogs().slice(-4), [
    `HTTP status code error to server ${RS1}.`,
    `HTTP_CHECK on service ${RS1} failed after 1 retries.`,
    `Removing service ${RS1} from VS ${VS}`,
    `Lost quorum 1-0=1 > 0 for VS ${VS}`,
  ]);
  const a = urlHarness(threeUrls('      alpha\n'));
  a.state.bad = true;
  a.h.lc.start();
  a.h.run(11_000);
  assert.ok(!a.h.logs().some((l) => l.includes('failed after')), a.h.logs().join('\n'));
  assert.deepEqual(a.h.dests(), []);
});

test('alpha: the server starts out of service; the first success adds it, a first failure notifies down', () => {
  const h = harness(
    vs(`  alpha
  real_server 198.51.100.1 80 {
    notify_down /bin/down
    notify_up /bin/up
    TCP_CHECK { }
  }
  real_server 198.51.100.2 80 {
    notify_down /bin/down
    TCP_CHECK { }
  }`),
  );
  h.health.set('198.51.100.2', false);
  h.lc.start();
  assert.deepEqual(h.dests(), []);
  assert.equal(h.lc.status()[0]!.quorumUp, false);
  h.newLogs();
  h.run(1000);
  assert.deepEqual(h.newLogs(), [
    `TCP connection to ${RS1} success.`,
    `Adding service ${RS1} to VS ${VS}`,
    `Gained quorum 1+0=1 <= 1 for VS ${VS}`,
    `TCP_CHECK on service ${RS2} failed.`,
  ]);
  const scripts = h.events.flatMap((e) => (e.type === 'script' ? [`${e.what} ${e.script.command}`] : []));
  assert.deepEqual(scripts, ['notify_up /bin/up', 'notify_down /bin/down']);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
});

test('without alpha a first success notifies nothing', () => {
  const h = harness(twoTcp('    notify_up /bin/up'));
  h.lc.start();
  h.run(1000);
  assert.equal(h.events.filter((e) => e.type === 'script' || e.type === 'mail').length, 0);
});

test('inhibit_on_failure: a failed server stays with weight 0 (Disabling / Enabling)', () => {
  const h = harness(twoTcp('    inhibit_on_failure'));
  h.health.set('198.51.100.1', false);
  h.lc.start();
  h.run(1000);
  assert.ok(h.logs().includes(`Disabling service ${RS1} of VS ${VS}`));
  assert.deepEqual(h.dests(), ['198.51.100.1:80=0', '198.51.100.2:80=1']);
  h.health.set('198.51.100.1', true);
  h.run(10_000);
  assert.ok(h.logs().includes(`Enabling service ${RS1} of VS ${VS}`));
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1', '198.51.100.2:80=1']);
});

test('inhibit_on_failure with alpha: in the table at weight 0 from the start', () => {
  const h = harness(twoTcp('    inhibit_on_failure\n    alpha'));
  h.lc.start();
  assert.deepEqual(h.dests(), ['198.51.100.1:80=0', '198.51.100.2:80=0']);
});

test('a server is in service only while all its checkers are up', () => {
  const h = harness(
    vs(`  real_server 198.51.100.1 80 {
    TCP_CHECK {
      retry 0
    }
    TCP_CHECK {
      retry 0
      connect_port 8080
    }
  }`),
  );
  let port8080 = true;
  let port80 = true;
  h.respond = (req) =>
    (req.checker.target.port === 8080 ? port8080 : port80) ? { ok: true } : { ok: false, reason: 'refused' };
  h.lc.start();
  h.run(1000);
  port8080 = false;
  h.run(10_000);
  assert.deepEqual(h.dests(), []);
  port80 = false;
  h.run(10_000);
  port8080 = true;
  h.run(10_000);
  assert.deepEqual(h.dests(), [], 'one checker still failing');
  port80 = true;
  h.run(10_000);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
  assert.equal(h.logs().filter((l) => l.startsWith('Removing service')).length, 1);
  assert.equal(h.logs().filter((l) => l.startsWith('Adding service')).length, 1);
});

test('quorum with hysteresis: lost below quorum-hysteresis, gained at quorum+hysteresis', () => {
  const rs = (n: number) =>
    `  real_server 198.51.100.${n} 80 {\n    TCP_CHECK {\n      retry 0\n    }\n  }\n`;
  const h = harness(
    vs(`  quorum 2
  hysteresis 1
  quorum_up /bin/qup
  quorum_down /bin/qdown
${rs(1)}${rs(2)}${rs(3)}`),
  );
  h.lc.start();
  assert.ok(h.logs().includes(`Gained quorum 2+1=3 <= 3 for VS ${VS}`));
  h.run(1000);
  h.newLogs();
  h.health.set('198.51.100.1', false);
  h.health.set('198.51.100.2', false);
  h.run(10_000);
  assert.equal(h.newLogs().filter((l) => l.includes('quorum')).length, 0, 'weight 1 >= 2-1');
  h.health.set('198.51.100.3', false);
  h.run(10_000);
  assert.ok(h.newLogs().includes(`Lost quorum 2-1=1 > 0 for VS ${VS}`));
  h.health.set('198.51.100.1', true);
  h.health.set('198.51.100.2', true);
  h.run(10_000);
  assert.equal(h.newLogs().filter((l) => l.includes('quorum')).length, 0, 'weight 2 < 2+1');
  h.health.set('198.51.100.3', true);
  h.run(10_000);
  assert.ok(h.newLogs().includes(`Gained quorum 2+1=3 <= 3 for VS ${VS}`));
  const notes = h.events.flatMap((e) =>
    e.type === 'script' ? [e.what] : e.type === 'fifo' && e.line.startsWith('VS') ? [e.line] : [],
  );
  assert.deepEqual(notes, [
    'quorum_up',
    `VS ${VS} UP\n`,
    'quorum_down',
    `VS ${VS} DOWN\n`,
    'quorum_up',
    `VS ${VS} UP\n`,
  ]);
});

test('sorry server: replaces the pool when quorum is lost, leaves when it is back', () => {
  const h = harness(twoTcp('', '  sorry_server 203.0.113.9 8080'));
  h.lc.start();
  h.run(1000);
  h.newLogs();
  h.health.set('198.51.100.1', false);
  h.health.set('198.51.100.2', false);
  h.run(11_000); // fail at 11 s, retry (final) at 12 s
  assert.deepEqual(h.newLogs(), [
    `TCP_CHECK on service ${RS1} failed after 1 retries.`,
    `Removing service ${RS1} from VS ${VS}`,
    `TCP_CHECK on service ${RS2} failed after 1 retries.`,
    `Removing service ${RS2} from VS ${VS}`,
    `Lost quorum 1-0=1 > 0 for VS ${VS}`,
    `Adding sorry server [203.0.113.9]:tcp:8080 to VS ${VS}`,
    `Removing alive servers from the pool for VS ${VS}`,
  ]);
  // A NAT sorry server keeps its own port (validate_check_config).
  assert.deepEqual(
    h.tables.at(-1)!.services[0]!.dests.map((d) => `${d.address}:${d.port}=${d.weight} sorry=${d.sorry}`),
    ['203.0.113.9:8080=1 sorry=true'],
  );
  assert.equal(h.lc.status()[0]!.sorryServerActive, true);
  h.health.set('198.51.100.1', true);
  h.run(10_000); // next attempt: delay_loop after the final failure
  assert.ok(h.logs().includes(`Removing sorry server [203.0.113.9]:tcp:8080 from VS ${VS}`));
  assert.ok(h.logs().includes(`Adding alive servers to the pool for VS ${VS}`));
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
});

test('sorry server at startup with every server alpha: Starting with quorum down', () => {
  const h = harness(twoTcp('    alpha', '  sorry_server 203.0.113.9 80\n  sorry_server_inhibit'));
  h.lc.start();
  assert.ok(h.logs().includes(`Starting with quorum down 1-0=1 > 0 for VS ${VS}`), h.logs().join('\n'));
  assert.ok(h.logs().includes(`Enabling sorry server [203.0.113.9]:tcp:80 to VS ${VS}`));
  assert.deepEqual(h.dests(), ['203.0.113.9:80=1']);
  h.run(1000);
  // sorry_server_inhibit: the sorry server stays in the table at weight 0.
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1', '198.51.100.2:80=1', '203.0.113.9:80=0']);
});

test("dynamic weight: an outcome's weight becomes the server's effective weight", () => {
  const h = harness(
    vs(
      '  real_server 198.51.100.1 80 {\n    weight 3\n    MISC_CHECK { misc_path /bin/w misc_dynamic }\n  }',
    ),
  );
  let weight: number | undefined = 7;
  h.respond = () => (weight !== undefined ? { ok: true, weight } : { ok: true });
  h.lc.start();
  h.run(1000);
  assert.ok(h.logs().includes(`Changing weight from 3 to 7 for active service ${RS1} of VS ${VS}`));
  assert.deepEqual(h.dests(), ['198.51.100.1:80=7']);
  assert.equal(h.lc.status()[0]!.realServers[0]!.effectiveWeight, 7);
  weight = 0;
  h.run(10_000);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=0'], 'weight 0 but alive');
  assert.equal(h.lc.status()[0]!.realServers[0]!.alive, true);
  weight = undefined;
  h.run(10_000);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=3'], 'success without weight restores the configured one');
});

test('MISC_CHECK: the next run is timed from the start of the previous one', () => {
  const h = harness(vs('  real_server 198.51.100.1 80 {\n    MISC_CHECK { misc_path /bin/slow }\n  }'), {
    policies: { MISC_CHECK: { scheduleFromStart: true } },
  });
  h.respond = () => ({ afterMs: 2000, outcome: { ok: true } });
  h.lc.start();
  h.run(40_000);
  assert.deepEqual(
    h.attempts.map((a) => a.at),
    [1000, 11_000, 21_000, 31_000],
  );
  const other = harness(vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }'));
  other.respond = () => ({ afterMs: 2000, outcome: { ok: true } });
  other.lc.start();
  other.run(40_000);
  assert.deepEqual(
    other.attempts.map((a) => a.at),
    [1000, 13_000, 25_000, 37_000],
    'others: from the end',
  );
});

test('MISC_CHECK log lines name the script and the exit status', () => {
  const h = harness(
    vs('  real_server 198.51.100.1 80 {\n    MISC_CHECK { misc_path "/usr/bin/check me" }\n  }'),
  );
  h.respond = () => ({ ok: false, reason: 'exited with status 1' });
  h.lc.start();
  h.run(1000);
  assert.ok(
    h
      .logs()
      .includes(
        `Misc check for [${RS1} VS ${VS}] by [/usr/bin/check] failed with retry disabled (exited with status 1).`,
      ),
    h.logs().join('\n'),
  );
});

test('SMTP (retriesEachCycle): even the first verdict takes retry+1 failures, and a down checker retries', () => {
  const h = harness(
    vs('  real_server 198.51.100.1 80 {\n    SMTP_CHECK { retry 2 delay_before_retry 1 }\n  }'),
    { policies: { SMTP_CHECK: { retriesEachCycle: true } } },
  );
  h.health.set('198.51.100.1', false);
  h.lc.start();
  h.run(25_000);
  assert.deepEqual(
    h.attempts.map((a) => a.at),
    [1000, 2000, 3000, 13_000, 14_000, 15_000, 25_000],
  );
  assert.equal(h.logs().filter((l) => l.startsWith('Removing service')).length, 1);
  assert.equal(
    h.logs().filter((l) => l.startsWith('Removing service'))[0],
    `Removing service ${RS1} from VS ${VS}`,
  );
});

test('a checker type without a module: logged once, never run, the server stays as alpha says', () => {
  const conf = vs(`  real_server 198.51.100.1 80 {
    BFD_CHECK {
      name b1
    }
  }
  real_server 198.51.100.2 80 {
    BFD_CHECK {
      name b2
      alpha true
    }
  }`);
  const h = harness(conf, { missing: ['BFD_CHECK'] });
  h.lc.start();
  h.run(100_000);
  assert.equal(h.attempts.length, 0);
  assert.equal(h.logs().filter((l) => l.includes('BFD_CHECK is not implemented')).length, 1);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
});

test('smtp_alert: checker mails with the real server state after the event; quorum mails', () => {
  const h = harness(twoTcp('    smtp_alert true', '  smtp_alert true'));
  h.lc.start();
  h.run(1000);
  h.health.set('198.51.100.1', false);
  h.health.set('198.51.100.2', false);
  h.run(11_000);
  const mails = h.events.flatMap((e) => (e.type === 'mail' ? [`${e.subject} | ${e.body}`] : []));
  // keepalived's quirks kept: "Gained quorum" at start mails "Starting with quorum up", and the
  // quorum body always says "+" (do_vs_notifies).
  assert.deepEqual(mails, [
    `[lb1] Virtualserver ${VS} - UP | => Starting with quorum up 1+0=1 <= 2 <=`,
    `[lb1] Realserver ${RS1} of virtual server ${VS} - DOWN | => TCP CHECK failed on service <=`,
    `[lb1] Virtualserver ${VS} - DOWN | => Lost quorum 1+0=1 <= 0 <=`,
    `[lb1] Realserver ${RS2} of virtual server ${VS} - DOWN | => TCP CHECK failed on service <=`,
  ]);
});

test('virtual_server_group: every member is a service with the same real servers', () => {
  const h = harness(`virtual_server_group web {
  192.0.2.10-12 80
  fwmark 7
}
${vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }', 'group web')}`);
  h.lc.start();
  const t = h.tables.at(-1)!;
  assert.deepEqual(
    t.services.map((s) => s.key),
    ['TCP 192.0.2.10:80', 'TCP 192.0.2.11:80', 'TCP 192.0.2.12:80', 'FWM 7 ipv4'],
  );
  assert.ok(t.services.every((s) => s.vs === '[web]:0' && s.dests.length === 1));
});

test('reload: unchanged servers keep state and timers, new ones start as alpha says, removed ones go', () => {
  const before = twoTcp('    alpha');
  const h = harness(before);
  h.health.set('198.51.100.2', false);
  h.lc.start();
  h.run(1000);
  h.run(4000); // t = 5 s, next attempts due at 11 s
  h.newLogs();
  const after = vs(`  real_server 198.51.100.1 80 {
    alpha
    TCP_CHECK { connect_timeout 1 }
  }
  real_server 198.51.100.2 80 {
    alpha
    TCP_CHECK { connect_timeout 1 }
  }
  real_server 198.51.100.3 80 {
    alpha
    TCP_CHECK { }
  }`);
  h.lc.reload(planOf(after));
  assert.deepEqual(h.newLogs(), [`Activating healthchecker for service [198.51.100.3]:tcp:80 for VS ${VS}`]);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1'], 'RS2 stays down, RS3 waits for its first success');
  h.run(6000);
  // The kept checkers ran at 11 s as scheduled before the reload.
  assert.deepEqual(
    h.attempts
      .filter((a) => a.at > 5000 && a.req.rs !== '[198.51.100.3]:tcp:80')
      .map((a) => `${a.req.rs}@${a.at}`),
    [`${RS1}@11000`, `${RS2}@11000`],
  );
  assert.ok(h.logs().includes(`Adding service [198.51.100.3]:tcp:80 to VS ${VS}`));
  h.newLogs();
  h.lc.reload(
    planOf(vs('  real_server 198.51.100.1 80 {\n    alpha\n    TCP_CHECK { connect_timeout 1 }\n  }')),
  );
  assert.deepEqual(h.newLogs(), [
    `service ${RS2} no longer exist`,
    'service [198.51.100.3]:tcp:80 no longer exist',
    `Removing service [198.51.100.3]:tcp:80 from VS ${VS}`,
  ]);
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
  // A changed checker is a new checker: it starts over (warmup), the server keeps its state.
  h.lc.reload(
    planOf(vs('  real_server 198.51.100.1 80 {\n    alpha\n    TCP_CHECK { connect_timeout 2 }\n  }')),
  );
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1']);
  h.lc.reload(planOf(`${vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }', '192.0.2.200 80')}`));
  assert.ok(h.logs().includes(`Removing Virtual Server ${VS}`));
  assert.equal(h.tables.at(-1)!.services[0]!.key, 'TCP 192.0.2.200:80');
});

test('reload of an unchanged config changes nothing and logs nothing', () => {
  const conf = twoTcp('    retry 2');
  const h = harness(conf);
  h.lc.start();
  h.run(1000);
  h.health.set('198.51.100.1', false);
  h.run(10_000); // one failed retry: RS1 still up with retry_it 1
  h.newLogs();
  const tablesBefore = h.tables.length;
  h.lc.reload(planOf(conf));
  assert.deepEqual(h.newLogs(), []);
  assert.equal(h.tables.length, tablesBefore);
  h.run(1500);
  // retry_it carried over: the retries at 12 s and 13 s take it down, as without the reload.
  assert.ok(h.logs().includes(`Removing service ${RS1} from VS ${VS}`) === false);
  h.run(1000);
  assert.ok(h.logs().includes(`Removing service ${RS1} from VS ${VS}`));
});

test('stop: every server shut down; with omega the down notifications go out', () => {
  const h = harness(twoTcp('    notify_down /bin/down', '  omega\n  quorum_down /bin/qdown'));
  h.lc.start();
  h.run(1000);
  h.newLogs();
  h.lc.stop();
  assert.deepEqual(h.newLogs(), [
    `Shutting down service ${RS1} from VS ${VS}`,
    `Shutting down service ${RS2} from VS ${VS}`,
  ]);
  const scripts = h.events.flatMap((e) => (e.type === 'script' ? [`${e.what}:${e.stopping}`] : []));
  assert.deepEqual(scripts, ['notify_down:true', 'notify_down:true', 'quorum_down:true']);
  assert.deepEqual(h.tables.at(-1), { services: [] });
  assert.equal(h.clock.pending, 0, 'no timer left');
  const quiet = harness(twoTcp('    notify_down /bin/down'));
  quiet.lc.start();
  quiet.lc.stop();
  assert.equal(quiet.events.filter((e) => e.type === 'script').length, 0, 'without omega: none');
});

test('status: virtual servers with their real servers and checkers', () => {
  const h = harness(twoTcp());
  h.health.set('198.51.100.2', false);
  h.lc.start();
  h.run(1000);
  const [s] = h.lc.status();
  assert.deepEqual(
    {
      ...s!,
      realServers: s!.realServers.map((r) => ({ ...r, checkers: r.checkers.map((c) => ({ ...c })) })),
    },
    {
      name: VS,
      address: '192.0.2.100',
      port: 80,
      protocol: 'TCP',
      fwmark: null,
      quorumUp: true,
      sorryServerActive: false,
      realServers: [
        {
          address: '198.51.100.1',
          port: 80,
          weight: 1,
          effectiveWeight: 1,
          alive: true,
          checkers: [{ type: 'TCP_CHECK', ok: true, reason: null, lastRunAt: new Date(1000).toISOString() }],
        },
        {
          address: '198.51.100.2',
          port: 80,
          weight: 1,
          effectiveWeight: 1,
          alive: false,
          checkers: [
            {
              type: 'TCP_CHECK',
              ok: false,
              reason: 'connection refused',
              lastRunAt: new Date(1000).toISOString(),
            },
          ],
        },
      ],
    },
  );
});

test('rs_init_notifies: servers in service from the start notify up; no_checker_emails mails only real-server changes', () => {
  const h = harness(`global_defs {
  rs_init_notifies
  no_checker_emails
}
${vs(`  real_server 198.51.100.1 80 {
    notify_up /bin/up
    smtp_alert true
    TCP_CHECK {
      retry 0
    }
    TCP_CHECK {
      retry 0
      connect_port 8080
    }
  }`)}`);
  const up = { 80: true, 8080: true } as Record<number, boolean>;
  h.respond = (req) => (up[req.checker.target.port] ? { ok: true } : { ok: false, reason: 'refused' });
  h.lc.start();
  assert.deepEqual(
    h.events.flatMap((e) => (e.type === 'script' ? [e.what] : e.type === 'fifo' ? [e.line] : [])),
    ['notify_up', `RS ${RS1} ${VS} UP\n`, `VS ${VS} UP\n`],
  );
  h.run(1000);
  up[80] = false;
  h.run(10_000); // port 80 fails: the server goes down (mailed)
  up[8080] = false;
  h.run(10_000); // 8080 fails too: the server was down already (not mailed)
  up[8080] = true;
  h.run(10_000); // 8080 back, port 80 still down: no change (not mailed)
  const mails = h.events.flatMap((e) => (e.type === 'mail' ? [e.subject] : []));
  assert.deepEqual(mails, [`[lb1] Realserver ${RS1} of virtual server ${VS} - DOWN`]);
  assert.deepEqual(h.dests(), []);
});

test('sorry_server_lvs_method: the sorry server forwards its own way', () => {
  const h = harness(twoTcp('    alpha', '  sorry_server 203.0.113.9 80\n  sorry_server_lvs_method DR'));
  h.lc.start();
  const sorry = h.tables.at(-1)!.services[0]!.dests.find((d) => d.sorry);
  assert.equal(sorry?.method, 'DR');
});

test('retriesWhileDown (TCP_CHECK in 2.2.7): a down checker retries silently before waiting delay_loop', () => {
  const conf = vs(
    '  real_server 198.51.100.1 80 {\n    TCP_CHECK {\n      retry 2\n      delay_before_retry 1\n    }\n  }',
  );
  const tcp = harness(conf, { policies: { TCP_CHECK: { retriesWhileDown: true } } });
  tcp.health.set('198.51.100.1', false);
  tcp.lc.start();
  tcp.run(30_000);
  // Down at 1 s (first failure final); then: loop, retry, retry, loop...
  assert.deepEqual(
    tcp.attempts.map((a) => a.at),
    [1000, 11_000, 12_000, 13_000, 23_000, 24_000, 25_000],
  );
  assert.equal(tcp.logs().filter((l) => l.includes('failed')).length, 1);
  const udp = harness(conf);
  udp.health.set('198.51.100.1', false);
  udp.lc.start();
  udp.run(30_000);
  assert.deepEqual(
    udp.attempts.map((a) => a.at),
    [1000, 11_000, 21_000],
  );
});

test('runNow (FILE_CHECK inotify): the next attempt runs at once, not at its timer; not while one runs', () => {
  const h = harness(vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }'));
  const plan = planOf(vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }'));
  h.lc.start();
  h.run(5000);
  const c = h.attempts[0]!.req.checker;
  h.lc.runNow(plan.virtualServers[0]!.realServers[0]!.checkers[0]!); // another plan's checker: nothing
  h.lc.runNow(c);
  h.run(0);
  h.run(20_000);
  assert.deepEqual(
    h.attempts.map((a) => a.at),
    [1000, 5000, 15_000, 25_000],
  );
});

test('ha_suspend: checkers run only while a virtual server address is local; suspended ones keep their state', () => {
  const h = harness(vs('  ha_suspend\n  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }'));
  h.lc.setLocalAddresses(new Set(['198.51.100.9']));
  h.lc.start();
  assert.ok(h.newLogs().includes(`Deactivating healthchecker for service ${RS1} for VS ${VS}`));
  h.run(30_000);
  assert.equal(h.attempts.length, 0, 'no attempt while suspended');
  h.lc.setLocalAddresses(new Set(['192.0.2.100', '198.51.100.9']));
  assert.deepEqual(h.newLogs(), [`Activating healthchecker for service ${RS1} for VS ${VS}`]);
  h.run(10_000); // the next tick tests
  assert.equal(h.attempts.length, 1);
  h.health.set('198.51.100.1', false);
  h.lc.setLocalAddresses(new Set());
  assert.deepEqual(h.newLogs(), [
    `TCP connection to ${RS1} success.`,
    `Suspending healthchecker for service ${RS1} for VS ${VS}`,
  ]);
  h.run(30_000);
  assert.equal(h.attempts.length, 1, 'suspended again: no attempt');
  assert.deepEqual(h.dests(), ['198.51.100.1:80=1'], 'the server keeps its state');
  // Unknown addresses (no netlink view) or no ha_suspend: nothing is suspended.
  const plain = harness(vs('  real_server 198.51.100.1 80 {\n    TCP_CHECK { }\n  }'));
  plain.lc.setLocalAddresses(new Set());
  plain.lc.start();
  plain.run(1000);
  assert.equal(plain.attempts.length, 1);
});

test('real-server and quorum changes are events with their reason (the HTTP API event stream)', () => {
  const h = harness(twoTcp('', '  quorum 2'));
  h.health.set('198.51.100.1', false);
  h.lc.start();
  h.run(1000);
  const changes = h.events.filter((e) => e.type === 'real-server' || e.type === 'quorum');
  assert.deepEqual(changes, [
    { type: 'quorum', vs: VS, up: true, reason: `Gained quorum 2+0=2 <= 2 for VS ${VS}` },
    {
      type: 'real-server',
      vs: VS,
      rs: RS1,
      up: false,
      weight: 1,
      reason: 'TCP_CHECK failed: connection refused',
    },
    { type: 'quorum', vs: VS, up: false, reason: `Lost quorum 2-0=2 > 1 for VS ${VS}` },
  ]);
  h.health.set('198.51.100.1', true);
  h.run(30_000);
  assert.deepEqual(h.events.filter((e) => e.type === 'real-server' || e.type === 'quorum').slice(3), [
    { type: 'real-server', vs: VS, rs: RS1, up: true, weight: 1, reason: 'TCP_CHECK succeeded' },
    { type: 'quorum', vs: VS, up: true, reason: `Gained quorum 2+0=2 <= 2 for VS ${VS}` },
  ]);
});
