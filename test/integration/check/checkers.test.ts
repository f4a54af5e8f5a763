/**
 * TCP_CHECK, HTTP_GET, SSL_GET and SMTP_CHECK against real servers in network namespaces.
 *
 * Topology: `lb` runs the checkers (fixtures/check-agent.ts); `rs` holds the real servers on
 * 198.51.100.12 (and 198.51.100.50, reachable from lb only with fwmark 7) and 2001:db8::12: nginx
 * for HTTP and HTTPS (certificate made here with openssl), python's smtpd, and
 * fixtures/fault-server.ts for everything that misbehaves (hangs, endless or dripping bodies, no
 * header, resets, TLS garbage, bad SMTP). Each checker fails for each reason and then recovers; every
 * attempt must resolve within its bounds and leave no socket or timer behind.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CheckOutcome, ConnectTarget } from '../../../src/check/types.js';
import type { HttpChecker, HttpUrl, SmtpChecker, TcpChecker } from '../../../src/config/model.js';
import { nginxConf, pythonWithSmtpd, smtpSink } from '../e2e/helpers.js';
import { type Agent, startAgent } from '../harness/agent.js';
import {
  commandExists,
  createTopology,
  integrationSkipReason,
  type Topology,
  waitFor,
} from '../harness/topology.js';
import type { CheckReport, CheckRequest, ServiceReport, ServiceRequest } from './fixtures/check-agent.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const ROOT = new URL('../../../../', import.meta.url).pathname;
const RS = '198.51.100.12';
const RS6 = '2001:db8::12';
const MARKED = '198.51.100.50';
const NGINX = '/usr/sbin/nginx';

// Fault-server ports: TLS faults, SMTP faults, HTTP faults (each port's mode changes per case).
const GARBAGE = 8003;
const SMTP_FAULT = 8004;
const FLAKY = 8008;
const DROPPED = 8100;
const REFUSED = 8200;

const skip =
  integrationSkipReason() ??
  (!commandExists(NGINX) ? 'needs nginx' : undefined) ??
  (!commandExists('openssl') ? 'needs openssl' : undefined);

const pos = { file: 'test', line: 1, column: 1 };
const located = { pos, keyPos: {} } as unknown as HttpUrl;
const url = (path: string, o: Partial<HttpUrl> = {}): HttpUrl => ({
  ...located,
  path,
  digests: [],
  regexNoMatch: false,
  ...o,
});
const http = (urls: HttpUrl[], o: Partial<HttpChecker> = {}): HttpChecker =>
  ({ ...located, type: 'HTTP_GET', url: urls, ...o }) as HttpChecker;
const ssl = (urls: HttpUrl[], o: Partial<HttpChecker> = {}): HttpChecker =>
  http(urls, { type: 'SSL_GET', ...o });
const tcp = { ...located, type: 'TCP_CHECK' } as unknown as TcpChecker;
const smtp = (o: Partial<SmtpChecker> = {}) =>
  ({ ...located, type: 'SMTP_CHECK', hosts: [], ...o }) as SmtpChecker;
const to = (port: number, o: Partial<ConnectTarget> = {}): ConnectTarget => ({
  family: 'ipv4',
  address: RS,
  port,
  ...o,
});
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

describe('health checkers against real servers', { skip, timeout: 120_000 }, () => {
  let topo: Topology;
  let lb: Agent;
  let faults: Agent;
  let dir: string;
  const INDEX = `vigil checker test page ${randomBytes(4).toString('hex')}\n`;
  const BIG = randomBytes(3 << 20);

  const check = async (r: CheckRequest): Promise<CheckReport> => {
    const rep = await lb.call<CheckReport>('check', r);
    assert.deepEqual(rep.leaked, [], `handles left open after ${JSON.stringify(rep.outcome)}`);
    return rep;
  };
  const expect = async (r: CheckRequest, want: CheckOutcome | string): Promise<CheckReport> => {
    const rep = await check(r);
    if (typeof want === 'string') assert.deepEqual(rep.outcome, { ok: false, reason: want });
    else assert.equal(rep.outcome.ok, want.ok, JSON.stringify(rep.outcome));
    return rep;
  };
  const OK: CheckOutcome = { ok: true };
  const fault = (port: number, mode: string) => faults.call('set', { port, mode });
  const nft = (cmd: string) => topo.exec('rs', 'nft', [cmd]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-chk-'));
    topo = await createTopology({
      hosts: [
        { name: 'lb', ipv4: '192.0.2.11', ipv6: '2001:db8::11' },
        { name: 'rs', ipv4: '192.0.2.12', ipv6: RS6 },
      ],
    });
    await topo.exec('lb', 'ip', ['addr', 'add', '198.51.100.11/24', 'dev', 'eth0']);
    await topo.exec('lb', 'ip', ['addr', 'add', '198.51.100.13/24', 'dev', 'eth0']);
    await topo.exec('rs', 'ip', ['addr', 'add', `${RS}/24`, 'dev', 'eth0']);
    await topo.exec('rs', 'ip', ['addr', 'add', `${MARKED}/32`, 'dev', 'eth0']);
    // 198.51.100.50 is unreachable from lb unless the socket carries fwmark 7.
    await topo.exec('lb', 'ip', ['route', 'add', 'unreachable', `${MARKED}/32`]);
    await topo.exec('lb', 'ip', ['route', 'add', `${MARKED}/32`, 'dev', 'eth0', 'table', '100']);
    await topo.exec('lb', 'ip', ['rule', 'add', 'fwmark', '7', 'table', '100', 'priority', '100']);

    // nginx: HTTP on 80 (v4 and v6), HTTPS on 443 with a certificate made now.
    const prefix = join(dir, 'nginx');
    mkdirSync(join(prefix, 'html'), { recursive: true });
    mkdirSync(join(prefix, 'logs'));
    writeFileSync(join(prefix, 'html', 'index.html'), INDEX);
    writeFileSync(join(prefix, 'html', 'big.bin'), BIG);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    // A self-signed certificate for nginx, another for SSL_GET's client certificate.
    const selfSigned = (keyOut: string, certOut: string, cn: string) =>
      topo.exec('rs', 'openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        keyOut,
        '-out',
        certOut,
      ]);
    await selfSigned(key, cert, 'rs.test');
    await selfSigned(join(dir, 'client-key.pem'), join(dir, 'client-cert.pem'), 'vigil-client');
    writeFileSync(
      join(prefix, 'nginx.conf'),
      nginxConf(
        prefix,
        [
          'listen 80;',
          'listen [::]:80;',
          'listen 443 ssl;',
          `ssl_certificate ${cert};`,
          `ssl_certificate_key ${key};`,
          'ssl_verify_client optional_no_ca;',
          `root ${join(prefix, 'html')};`,
          'location = /host { return 200 "$http_host"; }',
          'location = /sni { return 200 "[$ssl_server_name]"; }',
          'location = /client { return 200 "[$ssl_client_s_dn]"; }',
          'location = /peer { return 200 "$remote_addr:$remote_port"; }',
          'location = /status503 { return 503; }',
        ],
        ['default_type text/plain;'],
      ),
    );
    const ngx = topo.spawn('rs', NGINX, [
      '-p',
      `${prefix}/`,
      '-c',
      join(prefix, 'nginx.conf'),
      '-e',
      join(prefix, 'logs', 'error.log'),
    ]);
    let ngxErr = '';
    ngx.stderr?.on('data', (d: Buffer) => {
      ngxErr += d.toString();
    });
    faults = await startAgent(topo, 'rs', join(FIXTURES, 'fault-server.js'));
    await faults.call('tls', { key, cert });
    lb = await startAgent(topo, 'lb', join(FIXTURES, 'check-agent.js'));
    await waitFor(
      async () => {
        if (ngx.exitCode !== null) throw new Error(`nginx exited: ${ngxErr}`);
        const r = await topo.exec('rs', 'ss', ['-Hltn', 'sport = :443'], { allowFail: true });
        return r.stdout.trim() !== '';
      },
      { timeoutMs: 5000, intervalMs: 50, message: 'nginx listening' },
    );
  });

  after(async () => {
    await topo?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('TCP_CHECK: success, refused then recovered, connect timeout then recovered', async () => {
    await expect({ spec: tcp, target: to(80), timeoutMs: 2000 }, OK);
    await expect({ spec: tcp, target: to(80, { family: 'ipv6', address: RS6 }), timeoutMs: 2000 }, OK);
    await fault(REFUSED, 'closed');
    await expect({ spec: tcp, target: to(REFUSED), timeoutMs: 2000 }, 'failed (ECONNREFUSED)');
    await fault(REFUSED, 'hang');
    await expect({ spec: tcp, target: to(REFUSED), timeoutMs: 2000 }, OK);

    await nft(
      `add table inet vgchk; add chain inet vgchk in { type filter hook input priority 0; }; add rule inet vgchk in tcp dport ${DROPPED} drop`,
    );
    try {
      const rep = await expect({ spec: tcp, target: to(DROPPED), timeoutMs: 400 }, 'timeout');
      assert.ok(rep.ms >= 380 && rep.ms < 1500, `timed out after ${rep.ms} ms`);
      const aborted = await expect(
        { spec: tcp, target: to(DROPPED), timeoutMs: 5000, abortAfterMs: 100 },
        'aborted',
      );
      assert.ok(aborted.ms < 1000, `abort took ${aborted.ms} ms`);
    } finally {
      await nft('delete table inet vgchk');
    }
    await fault(DROPPED, 'hang');
    await expect({ spec: tcp, target: to(DROPPED), timeoutMs: 400 }, OK);
  });

  test('TCP_CHECK: fwmark (SO_MARK), bind_if (SO_BINDTODEVICE) and a bindto address that is not local', async () => {
    await expect(
      { spec: tcp, target: to(80, { address: MARKED }), timeoutMs: 1000 },
      'failed (EHOSTUNREACH)',
    );
    await expect({ spec: tcp, target: to(80, { address: MARKED, fwmark: 7 }), timeoutMs: 1000 }, OK);
    await expect({ spec: tcp, target: to(80, { bindIf: 'eth0' }), timeoutMs: 1000 }, OK);
    const viaLo = await check({ spec: tcp, target: to(80, { bindIf: 'lo' }), timeoutMs: 500 });
    assert.equal(viaLo.outcome.ok, false, 'bound to lo, 198.51.100.12 is not reachable');
    await expect(
      { spec: tcp, target: to(80, { bindto: '198.51.100.99' }), timeoutMs: 1000 },
      'socket bind failed (EADDRNOTAVAIL)',
    );
  });

  test('HTTP_GET: digest, status code, virtualhost chain, IPv6 Host, bindto/bind_port', async () => {
    const idx = url('/index.html', { digests: [md5(INDEX)] });
    await expect({ spec: http([idx]), target: to(80), timeoutMs: 2000 }, OK);
    await expect(
      {
        spec: http([url('/index.html', { digests: [md5('something else')] })]),
        target: to(80),
        timeoutMs: 2000,
      },
      'MD5 digest error to',
    );
    await expect(
      { spec: http([url('/status503')]), target: to(80), timeoutMs: 2000 },
      'HTTP status code error to',
    );
    await expect(
      { spec: http([url('/status503', { statusCode: [[500, 599]] })]), target: to(80), timeoutMs: 2000 },
      OK,
    );
    await expect(
      { spec: http([url('/missing')]), target: to(80), timeoutMs: 2000 },
      'HTTP status code error to',
    );

    // Host: url -> checker -> real server -> virtual server; address:port without one.
    const host = (v: string) => url('/host', { digests: [md5(v)] });
    await expect({ spec: http([host(`${RS}:80`)]), target: to(80), timeoutMs: 2000 }, OK);
    await expect(
      {
        spec: http([host('rs.example')]),
        target: to(80),
        timeoutMs: 2000,
        context: { realServerVirtualhost: 'rs.example', virtualServerVirtualhost: 'vs.example' },
      },
      OK,
    );
    await expect(
      {
        spec: http(
          [host('url.example')].map((u) => ({ ...u, virtualhost: 'url.example' })),
          { virtualhost: 'chk.example' },
        ),
        target: to(80),
        timeoutMs: 2000,
        context: { realServerVirtualhost: 'rs.example' },
      },
      OK,
    );
    await expect(
      {
        spec: http([host(`[${RS6}]:80`)]),
        target: to(80, { family: 'ipv6', address: RS6 }),
        timeoutMs: 2000,
      },
      OK,
    );
    // bindto and bind_port: nginx sees the checker's source.
    await expect(
      {
        spec: http([url('/peer', { digests: [md5('198.51.100.13:40123')] })]),
        target: to(80, { bindto: '198.51.100.13', bindPort: 40123 }),
        timeoutMs: 2000,
      },
      OK,
    );
    // regex and regex_no_match
    await expect(
      { spec: http([url('/index.html', { regex: 'checker test page' })]), target: to(80), timeoutMs: 2000 },
      OK,
    );
    await expect(
      {
        spec: http([url('/index.html', { regex: 'checker test page', regexNoMatch: true })]),
        target: to(80),
        timeoutMs: 2000,
      },
      'Regex match failed',
    );
  });

  test('HTTP_GET: the request is keepalived’s, byte for byte', async () => {
    await fault(FLAKY, 'http-ok');
    await expect({ spec: http([url('/a')]), target: to(FLAKY), timeoutMs: 2000 }, OK);
    await expect(
      {
        spec: http([url('/b')], { httpProtocol: '1.1', virtualhost: 'www.example.com' }),
        target: to(FLAKY),
        timeoutMs: 2000,
      },
      OK,
    );
    await expect(
      { spec: http([url('/c')], { httpProtocol: '1.0C' }), target: to(FLAKY), timeoutMs: 2000 },
      OK,
    );
    const got = await faults.call<string[]>('received', { port: FLAKY });
    assert.deepEqual(got.slice(-3), [
      `GET /a HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: ${RS}:${FLAKY}\r\n\r\n`,
      'GET /b HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n',
      `GET /c HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: ${RS}:${FLAKY}\r\n\r\n`,
    ]);
  });

  test('HTTP_GET: every failure reason, each followed by recovery', async () => {
    const spec = http([url('/', { digests: [md5('fault server ok\n')] })]);
    const cases: [port: number, mode: string, reason: string, timeoutMs: number][] = [
      [FLAKY, 'http-503', 'HTTP status code error to', 1000],
      [FLAKY, 'closed', 'Connection failed', 1000],
      [FLAKY, 'hang', 'Timeout WEB read', 300],
      [FLAKY, 'http-noheader', 'Read, no data received from', 1000],
      [FLAKY, 'http-reset', 'Read error with', 1000],
      [FLAKY, 'http-endless', 'Response too large from', 2000],
      [FLAKY, 'http-drip', 'Timeout HTTP read', 200],
    ];
    for (const [port, mode, reason, timeoutMs] of cases) {
      await fault(port, mode);
      const rep = await expect({ spec, target: to(port), timeoutMs }, reason);
      if (mode === 'hang') assert.ok(rep.ms >= 290 && rep.ms < 1500, `WEB read timeout after ${rep.ms} ms`);
      // A dripping body is cut off at 10 x connect_timeout, not read for ever.
      if (mode === 'http-drip') assert.ok(rep.ms >= 1900 && rep.ms < 4000, `drip cut after ${rep.ms} ms`);
      await fault(port, 'http-ok');
      await expect({ spec, target: to(port), timeoutMs: 1000 }, OK);
    }
    await nft(
      `add table inet vgchk; add chain inet vgchk in { type filter hook input priority 0; }; add rule inet vgchk in tcp dport ${FLAKY} drop`,
    );
    try {
      await expect({ spec, target: to(FLAKY), timeoutMs: 300 }, 'Timeout connecting');
    } finally {
      await nft('delete table inet vgchk');
    }
    await expect({ spec, target: to(FLAKY), timeoutMs: 1000 }, OK);
  });

  test('HTTP_GET: aborted mid-read; a Content-Length mismatch is logged', async () => {
    const spec = http([url('/')]);
    await fault(FLAKY, 'http-drip');
    const rep = await expect({ spec, target: to(FLAKY), timeoutMs: 5000, abortAfterMs: 300 }, 'aborted');
    assert.ok(rep.ms < 1000, `abort took ${rep.ms} ms`);
    await fault(FLAKY, 'http-short');
    const short = await expect({ spec, target: to(FLAKY), timeoutMs: 1000 }, OK);
    assert.deepEqual(short.logs, [
      'info: http_check url /: content_length (100) does not match received bytes (5)',
    ]);
    await fault(FLAKY, 'http-ok');
  });

  test('HTTP_GET: several urls in one attempt, or one url per attempt', async () => {
    const spec = http([url('/index.html'), url('/status503'), url('/host')]);
    await expect({ spec, target: to(80), timeoutMs: 2000 }, 'HTTP status code error to');
    await expect({ spec, target: to(80), timeoutMs: 2000, url: 0 }, OK);
    await expect({ spec, target: to(80), timeoutMs: 2000, url: 1 }, 'HTTP status code error to');
    await expect({ spec, target: to(80), timeoutMs: 2000, url: 2 }, OK);
  });

  test('SSL_GET: no certificate check, SNI only with enable_sni, real-server virtualhost skipped for SNI', async () => {
    const sni = (v: string) => url('/sni', { digests: [md5(`[${v}]`)] });
    await expect(
      { spec: ssl([url('/index.html', { digests: [md5(INDEX)] })]), target: to(443), timeoutMs: 2000 },
      OK,
    );
    await expect(
      { spec: ssl([sni('')], { virtualhost: 'chk.example' }), target: to(443), timeoutMs: 2000 },
      OK,
    );
    await expect(
      {
        spec: ssl([sni('chk.example')], { virtualhost: 'chk.example', enableSni: true }),
        target: to(443),
        timeoutMs: 2000,
      },
      OK,
    );
    await expect(
      {
        spec: ssl([sni('vs.example')], { enableSni: true }),
        target: to(443),
        timeoutMs: 2000,
        context: { realServerVirtualhost: 'rs.example', virtualServerVirtualhost: 'vs.example' },
      },
      OK,
    );
    // TLS over a socket vigil made itself (fwmark through the addon).
    await expect(
      {
        spec: ssl([url('/index.html', { digests: [md5(INDEX)] })]),
        target: to(443, { address: MARKED, fwmark: 7 }),
        timeoutMs: 2000,
      },
      OK,
    );
    await expect(
      { spec: ssl([url('/status503')]), target: to(443), timeoutMs: 2000 },
      'HTTP status code error to',
    );
  });

  test('SSL_GET: the global SSL block’s client certificate', async () => {
    const client = (dn: string) => ssl([url('/client', { digests: [md5(`[${dn}]`)] })]);
    await expect({ spec: client(''), target: to(443), timeoutMs: 2000 }, OK);
    const certificate = join(dir, 'client-cert.pem');
    const key = join(dir, 'client-key.pem');
    await expect(
      {
        spec: client('CN=vigil-client'),
        target: to(443),
        timeoutMs: 2000,
        context: { ssl: { certificate, key } },
      },
      OK,
    );
    const missing = await expect(
      {
        spec: client(''),
        target: to(443),
        timeoutMs: 2000,
        context: { ssl: { certificate: join(dir, 'nope.pem'), key } },
      },
      OK,
    );
    assert.match(missing.logs.join('\n'), /^error: SSL error : Cant load certificate file .*nope\.pem/);
  });

  test('SSL_GET: every failure reason, each followed by recovery', async () => {
    const spec = ssl([url('/', { digests: [md5('fault server ok\n')] })]);
    const cases: [mode: string, reason: string, timeoutMs: number][] = [
      ['garbage', 'SSL handshake/communication error connecting to', 1000],
      ['hang', 'Timeout connecting', 300],
      ['tls-silent', 'Timeout WEB read', 300],
      ['tls-drip', 'Timeout SSL read', 200],
      ['closed', 'Connection failed', 1000],
      ['smtp-multiline', 'SSL handshake/communication error connecting to', 1000], // a plain-text server
    ];
    for (const [mode, reason, timeoutMs] of cases) {
      await fault(GARBAGE, mode);
      await expect({ spec, target: to(GARBAGE), timeoutMs }, reason);
      await fault(GARBAGE, 'tls-ok');
      await expect({ spec, target: to(GARBAGE), timeoutMs: 1000 }, OK);
    }
  });

  test('SMTP_CHECK: python smtpd, then every failure reason and recovery', async (t) => {
    const python = pythonWithSmtpd();
    if (python !== undefined) {
      await smtpSink({ topo }, 'rs', python, 25, RS);
      await expect({ spec: smtp(), target: to(25), timeoutMs: 2000 }, OK);
    } else t.diagnostic('python3 has no smtpd module: the python smtpd part is skipped');
    const server = `[${RS}]:${SMTP_FAULT}`;
    const cases: [mode: string, reason: string, timeoutMs: number][] = [
      ['smtp-multiline', `Bad greeting banner from server ${server}`, 1000],
      ['smtp-badhelo', `Bad HELO response from server ${server}`, 1000],
      ['hang', `Read timeout from server ${server}`, 300],
      ['smtp-close', `Read failure from server ${server}`, 1000],
      ['closed', `Could not connect to server ${server}`, 1000],
    ];
    for (const [mode, reason, timeoutMs] of cases) {
      await fault(SMTP_FAULT, mode);
      await expect({ spec: smtp(), target: to(SMTP_FAULT), timeoutMs }, reason);
      await fault(SMTP_FAULT, 'smtp-ok');
      await expect({ spec: smtp({ heloName: 'lb.example' }), target: to(SMTP_FAULT), timeoutMs: 1000 }, OK);
    }
    const got = await faults.call<string[]>('received', { port: SMTP_FAULT });
    assert.equal(got.at(-1), 'HELO lb.example\r\nQUIT\r\n');
    await fault(SMTP_FAULT, 'smtp-multiline');
    await expect(
      {
        spec: smtp(),
        target: to(SMTP_FAULT, { family: 'ipv6', address: '2001:DB8:0::12' }),
        timeoutMs: 1000,
      },
      `Bad greeting banner from server [${RS6}]:${SMTP_FAULT}`,
    );
    await fault(SMTP_FAULT, 'smtp-ok');
    await expect({ spec: smtp(), target: to(SMTP_FAULT), timeoutMs: 1000 }, OK);
    assert.equal(
      (await faults.call<string[]>('received', { port: SMTP_FAULT })).at(-1),
      'HELO smtpchecker.keepalived.org\r\nQUIT\r\n',
    );
  });

  /** The checker service in `lb` on `body` (real servers of one virtual server), until a log line. */
  const serve = (body: string, until: RegExp, timeoutMs = 8000) =>
    lb.call<ServiceReport>('service', {
      conf: `virtual_server 192.0.2.100 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  warmup 0\n${body}\n}\n`,
      until: until.source,
      timeoutMs,
    } satisfies ServiceRequest);
  const RS_NAME = `[${RS}]:tcp:80`;

  test('SMTP_CHECK host blocks: each host is a checker with the helo_name; one failing host takes the server down', async () => {
    await fault(SMTP_FAULT, 'smtp-ok');
    await fault(REFUSED, 'closed');
    const r = await serve(
      `  real_server ${RS} 80 {
    SMTP_CHECK {
      helo_name lb.host-blocks.test
      retry 0
      delay_loop 0.2
      host {
        connect_port ${SMTP_FAULT}
      }
      host {
        connect_port ${REFUSED}
        connect_timeout 1
      }
    }
  }`,
      /Removing service/,
    );
    assert.ok(r.matched, r.logs.join('\n'));
    const rs = r.status[0]!.realServers[0]!;
    assert.deepEqual(
      rs.checkers.map((c) => [c.type, c.ok]),
      [
        ['SMTP_CHECK', true],
        ['SMTP_CHECK', false],
      ],
    );
    assert.equal(rs.alive, false);
    assert.ok(r.logs.includes('The SMTP_CHECK host block is deprecated. Please define additional checkers.'));
    assert.ok(
      r.logs.some((l) => l === `SMTP_CHECK Could not connect to server [${RS}]:${REFUSED}`),
      r.logs.join('\n'),
    );
    const got = await faults.call<string[]>('received', { port: SMTP_FAULT });
    assert.equal(got.at(-1), 'HELO lb.host-blocks.test\r\nQUIT\r\n');
  });

  test('HTTP_GET urls walked one per delay_loop by the life cycle; fast_recovery brings an alpha server up in one pass', async () => {
    const httpRs = (urls: string[], extra: string) => `  real_server ${RS} 80 {
    HTTP_GET {
${urls.map((u) => `      url {\n        path ${u}\n      }`).join('\n')}
      retry 0
${extra}
    }
  }`;
    // /index.html passes, then /status503 fails (one url per attempt): the server goes down.
    const walk = await serve(
      httpRs(['/index.html', '/status503'], '      delay_loop 0.3\n      log_all_failures'),
      /HTTP_CHECK on service/,
    );
    assert.ok(walk.matched, walk.logs.join('\n'));
    assert.ok(walk.logs.includes(`HTTP status code error to server ${RS_NAME}.`), walk.logs.join('\n'));
    assert.ok(walk.logs.includes(`HTTP_CHECK on service ${RS_NAME} failed.`), walk.logs.join('\n'));
    assert.ok(walk.ms >= 250, `the second url waited delay_loop: ${walk.ms} ms`);
    // alpha + fast_recovery, delay_loop 60: all three urls at once, up within seconds.
    const fast = await serve(
      httpRs(
        ['/index.html', '/host', '/index.html'],
        '      delay_loop 60\n      alpha\n      fast_recovery',
      ),
      /Remote Web server .* succeed on service/,
    );
    assert.ok(fast.matched, fast.logs.join('\n'));
    assert.ok(fast.ms < 5000, `${fast.ms} ms`);
    assert.deepEqual(
      fast.logs.filter((l) => l.includes(' success to ')),
      ['/index.html', '/host', '/index.html'].map((u) => `HTTP status code success to ${RS_NAME} url(${u})`),
    );
    assert.equal(fast.status[0]!.realServers[0]!.alive, true);
  });

  test('vigil genhash prints md5sum of the served file, as keepalived --genhash does', async () => {
    const vigil = join(ROOT, 'bin', 'vigil');
    const run = (args: string[]) => topo.exec('lb', vigil, ['genhash', ...args], { allowFail: true });
    const small = await run(['-s', RS, '-p', '80', '-u', '/index.html']);
    assert.equal(small.stdout, `${md5(INDEX)}\n`);
    assert.equal(small.code, 0);
    const big = await run(['-s', RS, '-p', '80', '-u', '/big.bin', '-t', '5']);
    assert.equal(big.stdout, `${md5(BIG)}\n`);
    const tls = await run(['-S', '-s', RS, '-p', '443', '-u', '/big.bin']);
    assert.equal(tls.stdout, `${md5(BIG)}\n`);
    const sni = await run(['-S', '-I', '-V', 'www.example', '-s', RS, '-p', '443', '-u', '/sni']);
    assert.equal(sni.stdout, `${md5('[www.example]')}\n`);
    const v6 = await run(['-s', RS6, '-p', '80', '-u', '/host', '-P', '1.1']);
    assert.equal(v6.stdout, `${md5(`[${RS6}]:80`)}\n`);
    await fault(REFUSED, 'closed');
    const refused = await run(['-s', RS, '-p', String(REFUSED), '-u', '/']);
    assert.deepEqual([refused.stdout, refused.code], ['Connection failed\n', 0]);
    const usage = await run(['-s', RS]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /Usage: vigil genhash/);
    if (commandExists('keepalived')) {
      for (const args of [
        ['-s', RS, '-p', '80', '-u', '/big.bin'],
        ['-S', '-s', RS, '-p', '443', '-u', '/index.html'],
        ['-s', RS, '-p', String(REFUSED), '-u', '/'],
      ]) {
        const ka = await topo.exec('lb', 'keepalived', ['--genhash', ...args], { allowFail: true });
        const ours = await run(args);
        assert.deepEqual([ours.stdout, ours.code], [ka.stdout, ka.code], `genhash ${args.join(' ')}`);
      }
      // keepalived's genhash sends its checker's request: ours must be the same bytes.
      await fault(FLAKY, 'http-ok');
      for (const args of [
        ['-s', RS, '-p', String(FLAKY), '-u', '/x?y=1'],
        ['-s', RS, '-p', String(FLAKY), '-u', '/', '-P', '1.1', '-V', 'www.example'],
        ['-s', RS, '-p', String(FLAKY), '-u', '/', '-P', '1.0c'],
        ['-s', RS6, '-p', String(FLAKY), '-u', '/v6'],
      ]) {
        const before = (await faults.call<string[]>('received', { port: FLAKY })).length;
        await topo.exec('lb', 'keepalived', ['--genhash', ...args], { allowFail: true });
        await run(args);
        const got = await faults.call<string[]>('received', { port: FLAKY });
        assert.equal(got.length, before + 2, `both genhash reached the server: ${args.join(' ')}`);
        assert.equal(got[before + 1], got[before], `request of genhash ${args.join(' ')}`);
      }
    }
  });
});
