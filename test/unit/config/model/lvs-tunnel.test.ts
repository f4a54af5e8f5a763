/** `lvs_method TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]` (keepalived 2.2.7 svr_forwarding_handler). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonVerdict } from '../../../../src/config/daemon-verdict.js';
import { ExitCode } from '../../../../src/config/diagnostics.js';
import { check, errors, show } from './helpers.js';

const conf = (vsMethod: string, rsMethod = '', sorry = '') => `virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind ${vsMethod}
  protocol TCP
${sorry}
  real_server 198.51.100.1 80 {
    weight 1
${rsMethod ? `    lvs_method ${rsMethod}` : ''}
  }
}
`;

test('tunnel options are modelled on virtual_server, real_server and sorry_server_lvs_method', () => {
  const r = check(
    conf(
      'TUN type gre csum',
      'TUN type gue port 6080 remcsum',
      '  sorry_server 198.51.100.9 80\n  sorry_server_lvs_method TUN type gue port 5555',
    ),
  );
  assert.equal(errors(r).length, 0, show(r));
  const vs = r.model!.virtualServers[0]!;
  assert.equal(vs.lvsMethod, 'TUN');
  assert.deepEqual(vs.tunnel, { type: 'gre', checksum: 'csum' });
  assert.deepEqual(vs.realServers[0]!.tunnel, { type: 'gue', port: 6080, checksum: 'remcsum' });
  assert.deepEqual(vs.sorryServerTunnel, { type: 'gue', port: 5555, checksum: 'nocsum' });
  // A bare TUN is ipip without checksum; options may come in any order, the last one winning.
  const plain = check(conf('TUN', 'TUN port 1 nocsum type gue csum'));
  assert.equal(errors(plain).length, 0, show(plain));
  assert.deepEqual(plain.model!.virtualServers[0]!.tunnel, { type: 'ipip', checksum: 'nocsum' });
  assert.deepEqual(plain.model!.virtualServers[0]!.realServers[0]!.tunnel, {
    type: 'gue',
    port: 1,
    checksum: 'csum',
  });
});

test('bad tunnel options are config errors at their token (keepalived -t exits non-zero; the daemon runs)', () => {
  const cases: [string, string, number][] = [
    ['TUN type', 'missing tunnel type', 15],
    ['TUN type vxlan', "unknown tunnel type 'vxlan'", 20],
    ['TUN type gue port', 'missing gue tunnel port', 24],
    ['TUN type gue port 0', "invalid gue tunnel port '0'", 29],
    ['TUN type gue port 65536', "invalid gue tunnel port '65536'", 29],
    ['TUN fast', "invalid tunnel option 'fast'", 15],
    ['TUN type gue', 'gue tunnels require a port', 15],
    ['TUN type gre port 6080', 'gue tunnels require a port', 24],
    ['TUN csum', 'ipip tunnels do not support a checksum option', 15],
    ['TUN type ipip remcsum', 'ipip tunnels do not support a checksum option', 25],
    ['TUN type gre remcsum', 'gre tunnels do not support the remote checksum option', 24],
    // keepalived reads the options whatever the method.
    ['NAT port 80', 'gue tunnels require a port', 15],
  ];
  for (const [method, message, col] of cases) {
    const r = check(conf(method));
    const errs = errors(r);
    assert.equal(errs.length, 1, `${method}: ${show(r)}`);
    assert.match(errs[0]!.message, new RegExp(message), method);
    assert.deepEqual([errs[0]!.pos.line, errs[0]!.pos.column], [3, col], `${method}: ${show(r)}`);
    assert.equal(r.exitCode, ExitCode.CONFIG, method);
    assert.equal(daemonVerdict(r.diagnostics, r.model !== undefined).run, true, method);
    // The method is set before the options are read: it stays TUN (or NAT) with the default tunnel.
    const vs = r.model!.virtualServers[0]!;
    assert.equal(vs.lvsMethod, method.split(' ')[0]);
    assert.equal(vs.tunnel, undefined);
  }
  const rs = check(conf('TUN type gue port 6080', 'TUN type gre remcsum'));
  assert.match(errors(rs)[0]!.message, /^lvs_method: gre tunnels/, show(rs));
  assert.equal(errors(rs)[0]!.pos.line, 8);
  const lower = check(conf('tun'));
  assert.match(errors(lower)[0]!.message, /invalid lb_kind 'tun': expected one of NAT, DR, TUN/);
});
