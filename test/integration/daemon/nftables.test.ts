/**
 * no_accept / accept through keepalived's `nftables` firewall, as root in namespaces: a vigil
 * master not in accept mode drops traffic to its VIPs (IPv4 and IPv6) while neighbour discovery
 * still works; in accept mode the VIPs answer. vigil's table exists only while vigil runs, and a
 * table someone else made is left exactly as it was. Optionally, keepalived 2.2.7 builds the same
 * ruleset for the same configuration.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { commandExists, waitFor } from '../harness/topology.js';
import { createLab, type DaemonHandle, daemonSkip, type Lab, vrrpConf } from './lab.js';

const skip = daemonSkip() || (commandExists('nft') ? false : "needs nft (Debian's nftables)");
const VIP4 = '192.0.2.120';
const VIP6 = '2001:db8::120';
const TABLE = 'vigil_fw';

/** One instance on n1 (alone, so it becomes MASTER) with an IPv4 VIP and an excluded IPv6 one. */
const conf = (mode: 'no_accept' | 'accept', globals = [`nftables ${TABLE}`]) =>
  vrrpConf({
    priority: 150,
    vrid: 80,
    vips: [`${VIP4}/24`],
    extra: [mode, 'virtual_ipaddress_excluded {', `  ${VIP6}/64`, '}'],
  }).replace('global_defs {', ['global_defs {', ...globals.map((g) => `  ${g}`)].join('\n'));

/** A table and rule that are not vigil's: they must come through untouched. */
const FOREIGN = [
  'table inet foreign {',
  '  chain c {',
  '    type filter hook input priority 10; policy accept;',
  '    ip saddr 192.0.2.250 accept',
  '  }',
  '}',
].join('\n');

describe('no_accept and accept with nftables', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  const nft = async (...args: string[]) => (await lab.topo.exec('n1', 'nft', args)).stdout;
  const tables = async () => (await nft('list', 'tables')).trim().split('\n').filter(Boolean).sort();
  const foreign = () => nft('list', 'table', 'inet', 'foreign');

  before(async () => {
    lab = await createLab(['n1', 'client']);
    await lab.http('n1');
    await lab.topo.exec('n1', 'sh', ['-c', `printf '%s\\n' '${FOREIGN}' | nft -f -`]);
  });
  after(() => lab?.destroy());

  async function master(text: string): Promise<DaemonHandle> {
    const d = lab.start('vigil', 'n1', text);
    await d.waitLog(/Entering MASTER STATE/, { timeoutMs: 10000 });
    await waitFor(async () => (await lab.holders(VIP6, ['n1'])).length === 1, { message: 'VIPs on n1' });
    return d;
  }

  async function stop(d: DaemonHandle): Promise<void> {
    d.signal('SIGTERM');
    const { code } = await d.exited;
    assert.equal(code, 0, d.log());
  }

  test('no_accept: the master drops traffic to its VIPs; its table goes at stop; the foreign one stays', async () => {
    const foreignBefore = await foreign();
    assert.deepEqual(await tables(), ['table inet foreign']);
    const d = await master(conf('no_accept'));
    try {
      // The VIPs are in vigil's sets once MASTER.
      await waitFor(async () => (await nft('list', 'set', 'ip', TABLE, 'vips')).includes(VIP4), {
        message: 'IPv4 VIP in the set',
      });
      assert.match(await nft('list', 'set', 'ip6', TABLE, 'vips'), new RegExp(VIP6));
      assert.deepEqual(await tables(), ['table inet foreign', `table ip ${TABLE}`, `table ip6 ${TABLE}`]);
      // The node's own address answers; the VIPs, both families, do not.
      assert.equal(await lab.fetch('client', lab.topo.host('n1').ipv4), 'n1');
      assert.equal(await lab.fetch('client', VIP4), undefined, 'IPv4 VIP answered in no_accept mode');
      assert.equal(await lab.fetch('client', VIP6), undefined, 'IPv6 VIP answered in no_accept mode');
      // Neighbour discovery for the VIP still works: the client learnt n1's link-layer address.
      const neigh = (await lab.topo.exec('client', 'ip', ['-6', 'neigh', 'show', VIP6])).stdout;
      assert.match(neigh, /lladdr/, `no neighbour entry for ${VIP6}: ${neigh}`);
      assert.equal(await foreign(), foreignBefore, 'the foreign table changed');
    } finally {
      await stop(d);
    }
    assert.deepEqual(await tables(), ['table inet foreign'], 'vigil left its table behind');
    assert.equal(await foreign(), foreignBefore, 'the foreign table changed');
  });

  test('accept: the VIPs answer and vigil makes no table', async () => {
    const d = await master(conf('accept'));
    try {
      await waitFor(async () => (await lab.fetch('client', VIP4)) === 'n1', { message: 'IPv4 VIP answers' });
      await waitFor(async () => (await lab.fetch('client', VIP6)) === 'n1', { message: 'IPv6 VIP answers' });
      assert.deepEqual(await tables(), ['table inet foreign']);
    } finally {
      await stop(d);
    }
  });

  test('reload: a new table name and VIP replace the old in place; switching to accept removes the table', async () => {
    const d = await master(conf('no_accept'));
    try {
      await waitFor(async () => (await tables()).includes(`table ip ${TABLE}`), { message: 'table' });
      let from = d.log().length;
      const renamed = conf('no_accept', ['nftables other_fw']).replace(`${VIP4}/24`, '192.0.2.121/24');
      writeFileSync(d.confFile, renamed);
      d.signal('SIGHUP');
      await d.waitLog(/reloaded in place \[VI_1\]/, { from });
      await waitFor(
        async () => (await nft('list', 'set', 'ip', 'other_fw', 'vips')).includes('192.0.2.121'),
        {
          message: 'the new VIP in the renamed table',
        },
      );
      assert.deepEqual(await tables(), ['table inet foreign', 'table ip other_fw', 'table ip6 other_fw']);
      assert.doesNotMatch(await nft('list', 'set', 'ip', 'other_fw', 'vips'), new RegExp(VIP4));
      assert.equal(await lab.fetch('client', '192.0.2.121'), undefined, 'new VIP answered in no_accept mode');
      from = d.log().length;
      writeFileSync(d.confFile, conf('accept', ['nftables other_fw']));
      d.signal('SIGHUP');
      await d.waitLog(/reloaded in place \[VI_1\]/, { from });
      await waitFor(async () => (await lab.fetch('client', VIP4)) === 'n1', {
        message: 'VIP answers in accept mode',
      });
      assert.deepEqual(await tables(), ['table inet foreign']);
      assert.equal(d.log().match(/Entering MASTER STATE/g)?.length, 1, 'no flap');
    } finally {
      await stop(d);
    }
  });

  test('without nftables, no_accept uses the default table "keepalived", as keepalived 2.2.7 does and says', async () => {
    const d = await master(conf('no_accept', []));
    try {
      assert.match(d.log(), /no_accept\/strict specified, but no firewall configured - using nftables/);
      await waitFor(async () => (await nft('list', 'set', 'ip', 'keepalived', 'vips')).includes(VIP4), {
        message: 'IPv4 VIP in the default table',
      });
      assert.equal(await lab.fetch('client', VIP4), undefined, 'IPv4 VIP answered in no_accept mode');
    } finally {
      await stop(d);
    }
    assert.deepEqual(await tables(), ['table inet foreign']);
  });

  test('keepalived 2.2.7 builds the same ruleset for the same configuration', {
    skip: commandExists('keepalived') ? false : 'needs keepalived',
  }, async () => {
    // Counters on, so the rules' shape is compared in full; the values themselves differ.
    const text = conf('no_accept', [`nftables ${TABLE}`, 'nftables_counters']);
    const listing = async () =>
      (await nft('list', 'ruleset')).replace(/counter packets \d+ bytes \d+/g, 'counter');
    const rulesets: string[] = [];
    for (const impl of ['vigil', 'keepalived'] as const) {
      const d = lab.start(impl, 'n1', text);
      try {
        await d.waitLog(/Entering MASTER STATE/, { timeoutMs: 10000 });
        await waitFor(async () => (await listing()).includes(VIP6), { message: `${impl}: VIPs in the sets` });
        rulesets.push(await listing());
      } finally {
        await stop(d);
      }
      assert.deepEqual(await tables(), ['table inet foreign'], `${impl} left its table behind`);
    }
    assert.equal(rulesets[0], rulesets[1]);
  });
});
