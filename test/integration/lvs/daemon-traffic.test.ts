/**
 * The daemon's nftables LVS table under real traffic (wrk in the client namespace, a new connection
 * per request, against two nginx real servers through the VIP, NAT): two SIGHUP reloads (the same
 * config, then rr → wrr with new weights) drop no request; a vigil killed with SIGKILL leaves its
 * table serving, and the restarted vigil adopts it — the same chains, sets and counters (same
 * handles, counters still counting, the client's persistence template kept), rules replaced in one
 * transaction — without a failed request; with `lvs_flush` a restart replaces the table instead.
 * Figures: wrk's requests and errors per phase, the restart's time to the adopted table.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Lab } from '../daemon/lab.js';
import { conf, e2eSkip, NGINX } from '../e2e/helpers.js';
import { waitFor } from '../harness/topology.js';
import { createLvsLab, RS1, RS2, VIP } from './lvs-lab.js';

const skip = e2eSkip(['nft', 'wrk', NGINX]);

const vsConf = (algo: 'rr' | 'wrr', w2: number, global: string[] = []) =>
  conf({
    routerId: 'lvs1',
    global,
    body: `
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo ${algo}
  lb_kind NAT
  protocol TCP
  persistence_timeout 30
  persistence_granularity 255.255.255.255
${[
  [RS1, 1],
  [RS2, w2],
]
  .map(
    ([a, w]) => `  real_server ${a} 80 {
    weight ${w}
    TCP_CHECK {
      connect_timeout 1
    }
  }`,
  )
  .join('\n')}
}
`,
  });

interface WrkResult {
  readonly requests: number;
  readonly errors: number;
  readonly text: string;
}

/** wrk's summary: requests done, and every socket error and non-2xx/3xx answer. */
function parseWrk(text: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? Number.NaN);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const errors = (socket?.slice(1).reduce((n, x) => n + Number(x), 0) ?? 0) + non2xx;
  return { requests, errors, text };
}

/** `nft -j list table` without what traffic changes: counter values, set entries, rule handles. */
function shape(json: string): unknown[] {
  const doc = JSON.parse(json) as { nftables: Record<string, Record<string, unknown>>[] };
  return doc.nftables
    .filter((o) => o.metainfo === undefined)
    .map((o) => {
      const [kind, body] = Object.entries(o)[0]!;
      const { packets: _p, bytes: _b, elem: _e, ...rest } = body;
      if (kind === 'rule') delete rest.handle;
      return { [kind]: rest };
    });
}

describe('the daemon LVS table under traffic: reload, crash and adoption', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLvsLab();
  });
  after(() => lab?.destroy());

  /** wrk in the client namespace, a new connection per request, for `seconds`. */
  const wrk = (seconds: number) =>
    lab.topo
      .exec(
        'cli',
        'wrk',
        ['-t1', '-c4', `-d${seconds}s`, '--timeout', '2s', '-H', 'Connection: close', `http://${VIP}/`],
        { timeoutMs: (seconds + 10) * 1000 },
      )
      .then((r) => parseWrk(r.stdout));
  const nft = async (...args: string[]) => (await lab.topo.exec('dir', 'nft', args)).stdout;
  const svcCount = async () =>
    Number(
      /packets (\d+)/.exec(await nft('list', 'counter', 'inet', 'vigil_lvs', 'svc_tcp_192_0_2_100_80'))?.[1],
    );

  test('SIGHUP under traffic drops no request; SIGKILL leaves the table serving; a restart adopts it', async () => {
    const d = lab.start('vigil', 'dir', vsConf('rr', 1), { args: ['--lvs-driver=nftables', '-D'] });
    await waitFor(async () => /numgen inc mod 2/.test(await nft('list', 'table', 'inet', 'vigil_lvs')), {
      timeoutMs: 15_000,
      message: 'the rr table',
    });

    // Two reloads while wrk runs: the same configuration, then rr → wrr 1:2.
    const loaded = wrk(5);
    await waitFor(async () => (await svcCount()) > 50, { timeoutMs: 5000, message: 'traffic flowing' });
    let from = d.log().length;
    d.signal('SIGHUP');
    await d.waitLog(/Reloading configuration/, { from, timeoutMs: 5000 });
    from = d.log().length;
    writeFileSync(d.confFile, vsConf('wrr', 2));
    d.signal('SIGHUP');
    await d.waitLog(/Reloading configuration/, { from, timeoutMs: 5000 });
    await waitFor(async () => /numgen inc mod 3/.test(await nft('list', 'table', 'inet', 'vigil_lvs')), {
      timeoutMs: 10_000,
      message: 'the wrr table after the reload',
    });
    const reload = await loaded;
    console.log(`wrk across two reloads: ${reload.requests} requests, ${reload.errors} errors`);
    assert.ok(reload.requests > 100, reload.text);
    assert.equal(reload.errors, 0, reload.text);

    // A crash: the table stays and serves; a restarted vigil adopts it in place.
    const crossed = wrk(6);
    await waitFor(async () => (await svcCount()) > 50, { timeoutMs: 5000, message: 'traffic flowing' });
    const before = await nft('-j', 'list', 'table', 'inet', 'vigil_lvs');
    const countBefore = await svcCount();
    d.signal('SIGKILL');
    await d.exited;
    // Dead vigil, live table: new connections keep being scheduled.
    await waitFor(async () => (await svcCount()) > countBefore + 100, {
      timeoutMs: 5000,
      message: 'connections scheduled while vigil is dead',
    });
    const restartedAt = Date.now();
    const d2 = lab.start('vigil', 'dir', vsConf('wrr', 2), { args: ['--lvs-driver=nftables', '-D'] });
    await d2.waitLog(/LVS: adopting the nftables table inet vigil_lvs left by a previous run/, {
      timeoutMs: 10_000,
    });
    await d2.waitLog(/LVS table applied with nftables in [\d.]+ ms \(1 services, 2 real servers\)/, {
      timeoutMs: 10_000,
    });
    console.log(`restart → adopted table applied: ${Date.now() - restartedAt} ms`);
    const after = await nft('-j', 'list', 'table', 'inet', 'vigil_lvs');
    assert.deepEqual(shape(after), shape(before), 'the same chains, sets, counters and rules');
    assert.ok((await svcCount()) >= countBefore, 'the service counter kept counting');
    // The client's persistence template survived: it stays on its real server.
    const templates = (json: string) =>
      (JSON.parse(json) as { nftables: { set?: { name: string; elem?: unknown[] } }[] }).nftables
        .filter((o) => o.set !== undefined && (o.set.elem?.length ?? 0) > 0)
        .map((o) => o.set!.name);
    assert.equal(templates(before).length, 1, before);
    assert.deepEqual(templates(after), templates(before));
    const crash = await crossed;
    console.log(`wrk across SIGKILL and restart: ${crash.requests} requests, ${crash.errors} errors`);
    assert.ok(crash.requests > 100, crash.text);
    assert.equal(crash.errors, 0, crash.text);
    assert.doesNotMatch(d2.log(), /adopting the tables left in the kernel failed/);

    // With keepalived's lvs_flush the next start replaces the table whole instead: new handles.
    d2.signal('SIGKILL');
    await d2.exited;
    const d3 = lab.start('vigil', 'dir', vsConf('wrr', 2, ['lvs_flush']), {
      args: ['--lvs-driver=nftables', '-D'],
    });
    await d3.waitLog(/LVS table applied with nftables in [\d.]+ ms \(1 services, 2 real servers\)/, {
      timeoutMs: 10_000,
    });
    assert.doesNotMatch(d3.log(), /adopting/);
    // No traffic now: the adopted counter held thousands, the new table's starts at 0.
    assert.ok(countBefore > 0);
    assert.equal(await svcCount(), 0, 'counters start afresh');
  });
});
