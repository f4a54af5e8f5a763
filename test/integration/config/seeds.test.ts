/**
 * The real-world configs in ../shared/configs/from-seeds/ give the verdicts their README
 * documents. They are checked on a host "without their interfaces" (only lo), as the README
 * describes, with the real filesystem for script checks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, formatDiagnostic } from '../../../src/config/diagnostics.js';
import { fsConfigSource } from '../../../src/config/fs-source.js';
import { readHostFacts } from '../../../src/config/host-facts.js';
import { type LoadResult, loadConfig } from '../../../src/config/load.js';
import { SHARED } from '../../shared.js';

const SEEDS = `${SHARED}/configs/from-seeds`;
const VIGIL = fileURLToPath(new URL('../../../../bin/vigil', import.meta.url));
const skip = existsSync(SEEDS) ? undefined : `${SEEDS} is not present`;

function load(name: string): LoadResult {
  return loadConfig(join(SEEDS, name), {
    configId: 'test',
    source: fsConfigSource(),
    host: { ...readHostFacts(), interfaces: ['lo'] },
  });
}
const errs = (r: LoadResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'error');
const show = (r: LoadResult): string => r.diagnostics.map(formatDiagnostic).join('\n');
const at = (r: LoadResult, line: number, re: RegExp, severity = 'error'): boolean =>
  r.diagnostics.some((d) => d.pos.line === line && d.severity === severity && re.test(d.message));

test('001-default-lvs: vrrp_garp_interval 0 is invalid, with position and valid range (exit 5)', {
  skip,
}, () => {
  const r = load('001-default-lvs.conf');
  assert.equal(r.exitCode, 5);
  const garp = errs(r).find((d) => d.message.startsWith("vrrp_garp_interval '0' is invalid"));
  assert.ok(garp, show(r));
  assert.deepEqual([garp.pos.line, garp.pos.column], [15, 20]);
  assert.match(garp.message, /0\.000001\.\.4294\.967295 seconds/);
  assert.ok(at(r, 55, /'nb_get_retry' is deprecated; use 'retry'/, 'warning'));
});

test('001-annotated: `//` text is reported as not a comment; exit 2 like keepalived (bare `debug`)', {
  skip,
}, () => {
  const r = load('001-annotated-sync-group-instance.conf');
  assert.equal(r.exitCode, 2);
  assert.ok(at(r, 1, /not a comment/), show(r));
  assert.ok(at(r, 35, /unknown keyword 'autp_pass' in authentication; did you mean 'auth_pass'\?/));
  assert.ok(at(r, 50, /did you mean 'preempt_delay'\?/));
});

for (const name of [
  '001-dual-active-node1.conf',
  '001-dual-active-node2.conf',
  '001-dual-active-maint-node1.conf',
  '001-dual-active-maint-node2.conf',
  '001-simplest-ha-nopreempt.conf',
  '004-nginx-chk.conf',
  '004-three-node-haproxy.conf',
]) {
  test(`${name}: exit 5 only because of interfaces (and absent scripts) on this host`, { skip }, () => {
    const r = load(name);
    assert.equal(r.exitCode, 5, show(r));
    const codes = new Set(errs(r).map((d) => d.code));
    assert.ok(codes.has('no-such-interface'), show(r));
    const allowed = ['no-such-interface', 'script-not-found', 'script-security', 'sync-group-size'];
    for (const c of codes) assert.ok(allowed.includes(c ?? ''), show(r));
    // With the interfaces present, only absent script files (never on this host) remain.
    const withIfs = loadConfig(join(SEEDS, name), {
      configId: 'test',
      source: fsConfigSource(),
      host: { ...readHostFacts(), interfaces: ['bond0', 'ens32', 'ens33'], isRoot: false },
    });
    // (keepalived also rejects the one-member sync group of 001-simplest-ha-nopreempt.)
    assert.ok(
      errs(withIfs).every((d) => d.code === 'script-not-found' || d.code === 'sync-group-size'),
      show(withIfs),
    );
  });
}

test('001-notify-tracking-duplicated-names: duplicates with both lines, invalid xxx/23 (exit 5)', {
  skip,
}, () => {
  const r = load('001-notify-tracking-duplicated-names.conf');
  assert.equal(r.exitCode, 5);
  const dup = (line: number, first: number, what: string) =>
    errs(r).some(
      (d) =>
        d.code === 'duplicate-name' &&
        d.pos.line === line &&
        d.message.startsWith(what) &&
        d.related?.[0]?.pos.line === first,
    );
  assert.ok(dup(9, 1, "vrrp_sync_group 'VI_GROUP_xxx'"), show(r));
  assert.ok(dup(64, 45, "vrrp_instance 'VI_PRI_xxx'"));
  assert.ok(dup(102, 83, "vrrp_instance 'VI_PUB_xxx'"));
  assert.ok(at(r, 57, /invalid IP address 'xxx\/23'/));
  assert.ok(at(r, 95, /invalid IP address 'xxx\/26'/));
});

test('001-vrrp-script-track: the script path does not exist (exit 5)', { skip }, () => {
  const r = load('001-vrrp-script-track.conf');
  assert.equal(r.exitCode, 5);
  assert.ok(at(r, 2, /script '\/usr\/local\/bin\/check_running' not found/), show(r));
});

test('002-api-gateway-machine-translated: each capitalised keyword gets its lower-case suggestion', {
  skip,
}, () => {
  const r = load('002-api-gateway-machine-translated.conf');
  assert.equal(r.exitCode, 5);
  for (const [line, kw] of [
    [6, 'global_defs'],
    [7, 'notification_email'],
    [13, 'router_id'],
    [17, 'vrrp_script'],
    [18, 'script'],
    [25, 'vrrp_instance'],
    [28, 'virtual_router_id'],
    [36, 'authentication'],
    [37, 'auth_type'],
    [47, 'track_script'],
    [55, 'smtp_alert'],
  ] as const) {
    assert.ok(at(r, line, new RegExp(`did you mean '${kw}'\\?$`)), `line ${line}: ${kw}\n${show(r)}`);
  }
  assert.ok(at(r, 51, /did you mean 'notify_master \/usr\/local\/bin\/keepalived_policy\.sh'/));
  assert.ok(at(r, 54, /did you mean 'notify \/usr\/local\/bin\/keepalived_policy\.sh'/));
});

test('003-lvs-dr-iserver: non-breaking spaces warn and are accepted; only eth0 is missing (exit 5)', {
  skip,
}, () => {
  const r = load('003-lvs-dr-iserver.conf');
  assert.equal(r.exitCode, 5);
  const e = errs(r);
  assert.equal(e.length, 1, show(r));
  assert.equal(e[0]!.code, 'no-such-interface');
  assert.match(e[0]!.message, /'eth0'/);
  assert.ok(r.diagnostics.some((d) => d.severity === 'warning' && /U\+00A0/.test(d.message)));
  assert.ok(!r.diagnostics.some((d) => /invalid number/.test(d.message)));
  const vs = r.model!.virtualServers[0]!;
  assert.equal(vs.lvsSched, 'wrr');
  assert.equal(vs.lvsMethod, 'DR');
  assert.equal(r.model!.instances[0]!.priority, 150);
  assert.equal(vs.realServers[0]!.weight, 3);
  // With eth0 present the config is accepted.
  const ok = loadConfig(join(SEEDS, '003-lvs-dr-iserver.conf'), {
    configId: 'test',
    source: fsConfigSource(),
    host: { ...readHostFacts(), interfaces: ['eth0'] },
  });
  assert.equal(ok.exitCode, 0, show(ok));
});

// The CLI contract, end to end through ./bin/vigil.
const tmp = mkdtempSync(join(tmpdir(), 'vigil-cfg-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('vigil -t prints file:line:col diagnostics to stderr and exits 5', { skip }, () => {
  const file = join(SEEDS, '001-dual-active-node1.conf');
  const r = spawnSync(VIGIL, ['-t', '-f', file], { encoding: 'utf8' });
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`^${file}:4:1: error: interface 'bond0' for vrrp_instance VI_1`, 'm'));
  assert.match(r.stdout, /vrrp_instance VI_1: state MASTER interface bond0 vrid 32 priority 100/);
});

test('vigil -t --json prints the normalized model; a missing file exits 4', () => {
  const file = join(tmp, 'ok.conf');
  writeFileSync(
    file,
    'vrrp_instance V {\n interface lo\n virtual_router_id 9\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n',
  );
  const r = spawnSync(VIGIL, ['-t', '--json', '-f', file], { encoding: 'utf8' });
  const model = JSON.parse(r.stdout);
  assert.equal(model.instances[0].virtualRouterId, 9);
  assert.equal(model.instances[0].advertIntMs, 1000);
  assert.equal(r.status, 5, 'lo cannot carry VRRP');
  const missing = spawnSync(VIGIL, ['-t', '-f', join(tmp, 'nope.conf')], { encoding: 'utf8' });
  assert.equal(missing.status, 4, missing.stderr);
});

test('vigil -t -i ID selects @ID lines (default: the short hostname)', () => {
  const file = join(tmp, 'ids.conf');
  writeFileSync(
    file,
    'vrrp_instance V {\n interface lo\n virtual_router_id 9\n@alpha priority 150\n@^alpha priority 50\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n',
  );
  const prio = (args: string[]) =>
    JSON.parse(spawnSync(VIGIL, ['-t', '--json', ...args, '-f', file], { encoding: 'utf8' }).stdout)
      .instances[0].priority;
  assert.equal(prio(['-i', 'alpha']), 150);
  assert.equal(prio(['-i', 'beta']), 50);
});
