/**
 * The live dashboard in a real browser: two vigil nodes in namespaces, the backup serving
 * `--http 127.0.0.1:PORT`. Headless Chromium runs inside the backup's namespace (`ip netns exec`
 * through a wrapper given to playwright as the executable), so the API stays on loopback as it
 * would in production and the root namespace gets no address; the alternative, a veth address
 * with --http-allow-remote, would add a root-namespace address that other tests' subnets could
 * meet. The master is killed; the page must show the backup as the new master within 1 s of the
 * transition, timed from the daemon's own transition timestamp (`lastTransition.at`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createLab, type DaemonHandle, daemonSkip, type Lab, vrrpConf } from '../daemon/lab.js';
import { waitFor } from '../harness/topology.js';
import { chromiumSkip, launchChromiumIn } from './chromium.js';

const PORT = 8080;
const VIP = '192.0.2.100';
const VS_ADDR = '192.0.2.200';
const SCREENSHOT = '/tmp/vigil-dashboard.png';

const skip = daemonSkip() || (await chromiumSkip());

describe('the dashboard follows a failover live', { skip, timeout: 90_000 }, () => {
  let lab: Lab;
  let n1: DaemonHandle;
  let n2: DaemonHandle;
  let browser: Browser | undefined;
  let page: Page;
  const conf = (priority: number) => vrrpConf({ priority, vips: [`${VIP}/24`], advertInt: 1 });
  /** The backup also balances a virtual server over both nodes' port 80; only n2 answers there. */
  const withVs = () => `${conf(100)}
virtual_server ${VS_ADDR} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server ${lab.topo.host('n1').ipv4} 80 {
    TCP_CHECK { connect_timeout 1 }
  }
  real_server ${lab.topo.host('n2').ipv4} 80 {
    TCP_CHECK { connect_timeout 1 }
  }
}
`;

  before(async () => {
    lab = await createLab(['n1', 'n2']);
    n1 = lab.start('vigil', 'n1', conf(150));
    await n1.waitLog(/\(VI_1\) Entering MASTER STATE/);
    await lab.http('n2');
    n2 = lab.start('vigil', 'n2', withVs(), {
      args: ['--http', `127.0.0.1:${PORT}`, '--lvs-driver=nftables'],
    });
    await n2.waitLog(/HTTP API on http:\/\/127\.0\.0\.1:8080\//);
    await n2.waitLog(/\(VI_1\) Entering BACKUP STATE/);
    browser = await launchChromiumIn(lab.dir, lab.topo.host('n2').netns);
    page = await browser.newPage({ viewport: { width: 1280, height: 520 } });
  });
  after(async () => {
    await browser?.close();
    await lab?.destroy();
  });

  test('virtual servers: real servers with their checker verdicts, changes on the timeline', async () => {
    await page.goto(`http://127.0.0.1:${PORT}/`);
    const n1rs = `${lab.topo.host('n1').ipv4}:80`;
    const n2rs = `${lab.topo.host('n2').ipv4}:80`;
    const down = page.locator(`tr[data-rs="[${VS_ADDR}]:tcp:80 ${n1rs}"]`);
    await down.filter({ hasText: 'TCP_CHECK failed' }).waitFor({ timeout: 10_000 });
    assert.match((await down.textContent()) ?? '', /down.*TCP_CHECK failed: .*ECONNREFUSED/);
    assert.match(
      (await page.locator(`tr[data-rs="[${VS_ADDR}]:tcp:80 ${n2rs}"]`).textContent()) ?? '',
      /up.*TCP_CHECK ok/,
    );
    // Events name servers as keepalived's log does.
    const ev = page.locator('#timeline li[data-kind="real-server"]', {
      hasText: `[${lab.topo.host('n1').ipv4}]:tcp:80 down`,
    });
    await ev.waitFor({ timeout: 5000 });
    assert.match((await ev.textContent()) ?? '', /weight 1 \(TCP_CHECK failed: .*ECONNREFUSED/);
  });

  test('the page shows the backup, then the new master within 1 s of the transition', async () => {
    await page.goto(`http://127.0.0.1:${PORT}/`);
    const state = page.locator('tr[data-instance="VI_1"] td.state');
    const master = page.locator('tr[data-instance="VI_1"] td.master');
    // Locators, not waitForFunction: the page's CSP forbids the eval that the latter needs.
    await master.filter({ hasText: lab.topo.host('n1').ipv4 }).waitFor({ timeout: 5000 });
    // On a starved machine the backup may miss adverts and take over for a moment: wait it out.
    await state.filter({ hasText: 'BACKUP' }).waitFor({ timeout: 10_000 });
    await page.locator('#conn', { hasText: 'live' }).waitFor({ timeout: 5000 });
    // The page notes when it first shows MASTER (its clock is the host's, as the daemon's is).
    await page.evaluate(`(() => {
      const seen = () => {
        const td = document.querySelector('tr[data-instance="VI_1"] td.state');
        if (td && td.textContent === 'MASTER' && window.masterShownAt === undefined) window.masterShownAt = Date.now();
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);

    n1.crash();
    // Polled through evaluate (not waitForFunction, see above).
    const shownAt = await waitFor(async () => Number(await page.evaluate('window.masterShownAt')), {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: 'the page shows MASTER',
    });
    type Status = {
      instances: { state: string; masterAddress: string; lastTransition: { at: string; reason: string } }[];
    };
    // A status fetched just before the transition may be served for 50 ms more: poll.
    const i = await waitFor(
      async () => {
        const s = (await page.evaluate(`fetch('/api/v1/status').then((r) => r.json())`)) as Status;
        return s.instances[0]?.state === 'MASTER' ? s.instances[0] : undefined;
      },
      { timeoutMs: 2000, intervalMs: 20, message: 'status says MASTER' },
    );
    assert.match(i.lastTransition.reason, /^master-down timer expired/);
    const lag = shownAt - Date.parse(i.lastTransition.at);
    assert.ok(lag >= -5 && lag < 1000, `the page showed MASTER ${lag} ms after the transition`);
    // The status that follows the event names this node as the master; the timeline has the event.
    await master.filter({ hasText: lab.topo.host('n2').ipv4 }).waitFor({ timeout: 5000 });
    assert.equal(await master.textContent(), lab.topo.host('n2').ipv4);
    const timeline = await page.locator('#timeline li[data-kind="vrrp-transition"]').first().textContent();
    assert.match(timeline ?? '', /VI_1: BACKUP -> MASTER \(master-down timer expired/);
    await page.screenshot({ path: SCREENSHOT });
    console.log(`dashboard: MASTER on the page ${lag} ms after the transition; screenshot ${SCREENSHOT}`);
  });

  test('a reload is an event on the page; a second daemon on the same --http port exits 1', async () => {
    n2.signal('SIGHUP');
    const reload = page.locator('#timeline li[data-kind="reload"]');
    await reload.waitFor({ timeout: 5000 });
    assert.match((await reload.textContent()) ?? '', /reload applied \(SIGHUP: .*n2-\d+\.conf loaded\)/);
    const dup = lab.start('vigil', 'n2', conf(100), { args: ['--http', `127.0.0.1:${PORT}`] });
    assert.equal((await dup.exited).code, 1);
    assert.match(dup.log(), /cannot serve --http: listen EADDRINUSE/);
    assert.doesNotMatch(dup.log(), /VRRP worker started/, 'nothing started before the port was bound');
  });

  test('/metrics of the real daemon: the state, the transition by cause, the process', async () => {
    const text = String(await page.evaluate(`fetch('/metrics').then((r) => r.text())`));
    assert.match(text, /^vigil_vrrp_instance_state\{instance="VI_1",state="MASTER"\} 1$/m);
    assert.match(
      text,
      /^vigil_vrrp_transitions_total\{instance="VI_1",to="MASTER",reason="master_down_timer"\} [1-9]\d*$/m,
    );
    assert.match(text, /^vigil_vrrp_adverts_received_total\{instance="VI_1"\} [1-9]\d*$/m);
    assert.match(text, /^vigil_process_resident_memory_bytes \d+/m);
    assert.match(
      text,
      /^vigil_real_server_up\{virtual_server="\[192\.0\.2\.200\]:tcp:80",real_server="192\.0\.2\.12:80"\} 1$/m,
    );
    assert.match(
      text,
      /^vigil_lvs_connections_total\{service="TCP 192\.0\.2\.200:80",real_server="192\.0\.2\.12:80"\} \d+$/m,
    );
    assert.match(text, /^vigil_checker_latency_seconds_count\{checker="TCP_CHECK",result="failed"\} [1-9]/m);
  });
});
