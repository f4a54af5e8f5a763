/**
 * DNS_CHECK, UDP_CHECK and PING_CHECK against real peers in network namespaces: the checker runs in
 * 'cli' (test/integration/check/fixtures/checker-agent.ts), its targets in 'srv' -- Debian's dnsmasq,
 * node:dgram responders and a fake DNS server (fixtures/udp-server-agent.ts), and the kernel's own
 * echo replies. Each checker fails for each reason and recovers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CheckOutcome, ConnectTarget } from '../../../src/check/types.js';
import type { Checker } from '../../../src/config/model.js';
import { kernelAvailable } from '../../../src/kernel/native.js';
import { type Agent, startAgent } from '../harness/agent.js';
import {
  commandExists,
  createTopology,
  integrationSkipReason,
  type Topology,
  waitFor,
} from '../harness/topology.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const skip = integrationSkipReason() ?? (kernelAvailable() ? false : 'the kernel addon is not built');
const DNSMASQ = '/usr/sbin/dnsmasq';
const dnsmasqSkip =
  commandExists('dnsmasq') || commandExists(DNSMASQ) ? false : 'needs dnsmasq (Debian dnsmasq-base)';

interface Result {
  readonly outcome: CheckOutcome;
  readonly ms: number;
}

describe('network checkers in namespaces', { skip }, () => {
  let topo: Topology;
  let cli: Agent;
  let srv: Agent;
  let tmp: string;
  let v4: string;
  let v6: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vigil-chk-'));
    topo = await createTopology({ hosts: ['cli', 'srv'] });
    v4 = topo.host('srv').ipv4;
    v6 = topo.host('srv').ipv6;
    cli = await startAgent(topo, 'cli', join(FIXTURES, 'checker-agent.js'));
    srv = await startAgent(topo, 'srv', join(FIXTURES, 'udp-server-agent.js'));
  });
  after(async () => {
    await topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const target = (address: string, port: number): ConnectTarget => ({
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    address,
    port,
  });
  const attempt = (spec: Partial<Checker> & { type: Checker['type'] }, t: ConnectTarget, more = {}) =>
    cli.call<Result>('attempt', { spec, target: t, timeoutMs: 600, ...more });
  const okOf = async (p: Promise<Result>) => (await p).outcome.ok;
  const reasonOf = async (p: Promise<Result>) => {
    const r = (await p).outcome;
    return r.ok ? `ok (${r.detail})` : r.reason;
  };

  describe('DNS_CHECK', () => {
    const dns = (name: string, queryType: string) => ({ type: 'DNS_CHECK' as const, name, queryType });

    test('dnsmasq: an own record succeeds; NXDOMAIN and REFUSED fail with their rcode; stopped fails; restarted recovers', {
      skip: dnsmasqSkip,
    }, async () => {
      const conf = join(tmp, 'dnsmasq.conf');
      writeFileSync(
        conf,
        [
          'no-resolv',
          'no-hosts',
          'bind-interfaces',
          `listen-address=${v4}`,
          `listen-address=${v6}`,
          'port=53',
          'user=root',
          'pid-file=',
          'log-facility=-',
          'address=/svc.example.test/192.0.2.50',
          'local=/example.test/',
          '',
        ].join('\n'),
      );
      const start = () => topo.spawn('srv', DNSMASQ, ['--no-daemon', `--conf-file=${conf}`]);
      let server = start();
      const svc = () => attempt(dns('svc.example.test', 'A'), target(v4, 53));
      await waitFor(() => okOf(svc()), { timeoutMs: 10_000, message: 'dnsmasq answers' });
      assert.equal(await okOf(attempt(dns('svc.example.test.', 'a'), target(v6, 53))), true);
      assert.equal(
        await reasonOf(attempt(dns('other.example.test', 'A'), target(v4, 53))),
        'read error occurred. (rcode = 3)',
      );
      // keepalived's default query (SOA of the root): dnsmasq has no upstream and refuses it
      assert.equal(
        await reasonOf(attempt(dns('', 'SOA'), target(v4, 53))),
        'read error occurred. (rcode = 5)',
      );

      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
      assert.equal(await reasonOf(svc()), 'failed to read socket (ECONNREFUSED)');
      server = start();
      await waitFor(() => okOf(svc()), { timeoutMs: 10_000, message: 'dnsmasq answers again' });
    });

    test('a reply with the wrong ID is ignored: timeout, or success when the right one follows', async () => {
      await srv.call('udp', { family: 'ipv4', address: v4, port: 5300, reply: 'dns-wrong-id' });
      const t = target(v4, 5300);
      const r = await attempt(dns('svc.example.test', 'A'), t, { timeoutMs: 500, queryId: 0x1234 });
      assert.deepEqual(r.outcome, { ok: false, reason: 'read timeout from socket' });
      assert.ok(r.ms >= 450, `waited the whole timeout (${r.ms} ms)`);
      assert.equal(await srv.call('received', { family: 'ipv4', port: 5300 }), 1);
      await srv.call('udp', { family: 'ipv4', address: v4, port: 5300, reply: 'dns-wrong-then-right' });
      assert.equal(await okOf(attempt(dns('x', 'A'), t, { timeoutMs: 2000 })), true);
      await srv.call('close', { family: 'ipv4', port: 5300 });
    });
  });

  describe('UDP_CHECK', () => {
    const udp = (over: Record<string, unknown> = {}) => ({
      type: 'UDP_CHECK' as const,
      minReplyLength: 0,
      maxReplyLength: 255,
      ...over,
    });

    test('without require_reply: silence is success, port unreachable fails, a listener recovers', async () => {
      const t = target(v4, 7001);
      assert.equal(await reasonOf(attempt(udp(), t)), 'connection failed (ECONNREFUSED)');
      await srv.call('udp', { family: 'ipv4', address: v4, port: 7001, reply: null });
      const r = await attempt(udp(), t);
      assert.equal(r.outcome.ok, true);
      assert.equal(await srv.call('received', { family: 'ipv4', port: 7001 }), 1);
      await srv.call('close', { family: 'ipv4', port: 7001 });
      assert.equal(await okOf(attempt(udp(), target(v6, 7001))), false);
    });

    test('the default payload is 32 bytes of "keepalived check - "; payload HEX is sent as given', async () => {
      const t = target(v4, 7002);
      await srv.call('udp', { family: 'ipv4', address: v4, port: 7002, reply: '6f6b' });
      assert.equal(await okOf(attempt(udp(), t)), true);
      const last = () => srv.call<string>('last', { family: 'ipv4', port: 7002 });
      assert.equal(Buffer.from(await last(), 'hex').toString(), 'keepalived check - keepalived ch');
      assert.equal(await okOf(attempt(udp({ payload: 'de ad be ef', requireReply: '6f 6b' }), t)), true);
      assert.equal(await last(), 'deadbeef');
      await srv.call('close', { family: 'ipv4', port: 7002 });
    });

    test('require_reply HEX: match (with wildcards), mismatch, too long, silence; then recovery', async () => {
      const t = target(v4, 7003);
      const spec = udp({ requireReply: '6f 6x', maxReplyLength: 4 });
      const set = (reply: string | null) =>
        srv.call('udp', { family: 'ipv4', address: v4, port: 7003, reply });
      await set('6f6b2121');
      assert.equal(await okOf(attempt(spec, t)), true);
      await set('6e6f');
      assert.match(await reasonOf(attempt(spec, t)), /^reply data mismatch: reply octet 0 differs/);
      await set('6f6b212121');
      assert.match(await reasonOf(attempt(spec, t)), /^reply data mismatch: reply length 5/);
      await set(null);
      assert.equal(await reasonOf(attempt(spec, t)), 'no reply (timeout)');
      await srv.call('close', { family: 'ipv4', port: 7003 });
      assert.equal(await reasonOf(attempt(spec, t)), 'connection failed (ECONNREFUSED)');
      await set('6f61');
      assert.equal(await okOf(attempt(spec, t)), true);
      await srv.call('close', { family: 'ipv4', port: 7003 });
    });

    test('IPv6: bare require_reply accepts any reply', async () => {
      await srv.call('udp', { family: 'ipv6', address: v6, port: 7004, reply: '00' });
      assert.equal(
        await okOf(attempt(udp({ requireReply: true, minReplyLength: 5 }), target(v6, 7004))),
        true,
      );
      await srv.call('close', { family: 'ipv6', port: 7004 });
    });
  });

  describe('PING_CHECK', () => {
    const ping = { type: 'PING_CHECK' as const };

    test('echo replies from the host (v4, v6); an unused address times out, then recovers once it exists', async () => {
      assert.equal(await reasonOf(attempt(ping, target(v4, 0))), 'ok (echo reply seq 0)');
      // the module let gid 0 open ping sockets in cli's namespace, as keepalived does
      const range = await topo.exec('cli', 'cat', ['/proc/sys/net/ipv4/ping_group_range']);
      assert.match(range.stdout, /^0\s/);
      assert.equal(await okOf(attempt(ping, target(v6, 0))), true);
      const unused = '192.0.2.200';
      const r = await attempt(ping, target(unused, 0), { timeoutMs: 500 });
      assert.deepEqual(r.outcome, { ok: false, reason: 'no echo reply (timeout)' });
      await topo.exec('srv', 'ip', ['addr', 'add', `${unused}/24`, 'dev', 'eth0']);
      try {
        await waitFor(() => okOf(attempt(ping, target(unused, 0))), {
          timeoutMs: 5000,
          message: 'echo reply',
        });
      } finally {
        await topo.exec('srv', 'ip', ['addr', 'del', `${unused}/24`, 'dev', 'eth0'], { allowFail: true });
      }
    });
  });

  test('bindto/bind_port (UDP, DNS), bind_if, fwmark and a link-local destination (PING)', async () => {
    const cliV4 = topo.host('cli').ipv4;
    await srv.call('udp', { family: 'ipv4', address: v4, port: 7006, reply: '6f6b' });
    const bound = { ...target(v4, 7006), bindto: cliV4, bindPort: 40001 };
    assert.equal(
      await okOf(attempt({ type: 'UDP_CHECK', minReplyLength: 0, maxReplyLength: 255 } as never, bound)),
      true,
    );
    assert.equal(await srv.call('from', { family: 'ipv4', port: 7006 }), `${cliV4}:40001`);
    await srv.call('udp', { family: 'ipv4', address: v4, port: 7006, reply: 'dns-wrong-then-right' });
    const dnsSpec = { type: 'DNS_CHECK', name: 'x', queryType: 'A' } as never;
    assert.equal(await okOf(attempt(dnsSpec, { ...bound, bindPort: 40002 }, { timeoutMs: 2000 })), true);
    assert.equal(await srv.call('from', { family: 'ipv4', port: 7006 }), `${cliV4}:40002`);
    await srv.call('close', { family: 'ipv4', port: 7006 });

    const ping = { type: 'PING_CHECK' as const };
    assert.equal(
      await okOf(attempt(ping, { ...target(v4, 0), bindIf: 'eth0', fwmark: 7, bindto: cliV4 })),
      true,
    );
    assert.equal(await okOf(attempt(ping, { ...target(v4, 0), bindIf: 'lo' }, { timeoutMs: 300 })), false);
    const ll = await topo.exec('srv', 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
    const linkLocal = /inet6 (fe80::[0-9a-f:]+)\//.exec(ll.stdout)?.[1];
    assert.ok(linkLocal, ll.stdout);
    assert.equal(await okOf(attempt(ping, { ...target(linkLocal, 0), bindIf: 'eth0' })), true);
  });

  test('attempts leak no descriptors and end at once when aborted', async () => {
    await srv.call('udp', { family: 'ipv4', address: v4, port: 7005, reply: null });
    const kinds = [
      () =>
        attempt({ type: 'UDP_CHECK', minReplyLength: 0, maxReplyLength: 255 } as never, target(v4, 7005), {
          timeoutMs: 100,
        }),
      () =>
        attempt({ type: 'DNS_CHECK', name: '', queryType: 'SOA' } as never, target(v4, 7005), {
          timeoutMs: 100,
        }),
      () => attempt({ type: 'PING_CHECK' }, target(v4, 0), { timeoutMs: 100 }),
      () => attempt({ type: 'PING_CHECK' }, target('192.0.2.201', 0), { timeoutMs: 100 }),
    ];
    for (const k of kinds) await k();
    const before = await cli.call<number>('fds');
    for (let i = 0; i < 3; i++) for (const k of kinds) await k();
    assert.equal(await cli.call<number>('fds'), before);
    for (const spec of [
      { type: 'UDP_CHECK', minReplyLength: 0, maxReplyLength: 255, requireReply: true },
      { type: 'DNS_CHECK', name: '', queryType: 'SOA' },
    ]) {
      const r = await attempt(spec as never, target(v4, 7005), { timeoutMs: 5000, abortAfterMs: 100 });
      assert.deepEqual(r.outcome, { ok: false, reason: 'aborted' });
      assert.ok(r.ms < 1000, `${r.ms} ms`);
    }
    const p = await attempt({ type: 'PING_CHECK' }, target('192.0.2.201', 0), {
      timeoutMs: 5000,
      abortAfterMs: 100,
    });
    assert.deepEqual(p.outcome, { ok: false, reason: 'aborted' });
    assert.equal(await cli.call<number>('fds'), before);
    await srv.call('close', { family: 'ipv4', port: 7005 });
  });
});
