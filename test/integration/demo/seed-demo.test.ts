/**
 * `npm start`'s scenario for real (about 25 s): two vigil directors on one keepalived.conf, two
 * web servers behind HTTP_GET, a client through the VIP. Every step's verdict must hold, the
 * measured durations are printed, and nothing the demo created outlives it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runSeedDemo } from '../../../src/demo/demo.js';
import { demoPrefix } from '../../../src/demo/netns.js';
import { e2eSkip } from '../e2e/helpers.js';

const skip = e2eSkip(['nft']);

describe('the seed demo (npm start)', { skip, timeout: 90_000 }, () => {
  test('spread, real server removal, director takeover, return: every step as expected', async () => {
    const lines: string[] = [];
    const r = await runSeedDemo({ print: (l) => lines.push(l) });
    const failed = r.verdicts.filter((v) => !v.ok);
    assert.deepEqual(failed, [], lines.join('\n'));
    assert.ok(r.verdicts.length >= 8, lines.join('\n'));
    for (const k of ['removalMs', 'vrrpTakeoverMs', 'servedAgainMs', 'returnMs'])
      assert.ok(Number.isFinite(r.figures[k]), `${k}: ${r.figures[k]}`);
    console.log(
      `demo (${r.driver}): kill → removal ${r.figures.removalMs} ms, director kill → MASTER ${r.figures.vrrpTakeoverMs} ms, → served ${r.figures.servedAgainMs} ms, return → in rotation ${r.figures.returnMs} ms`,
    );
    // Nothing left: namespaces, links, temp directory.
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(netns, new RegExp(`^${demoPrefix()}`, 'm'));
    const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(links, new RegExp(`: ${demoPrefix()}`));
    assert.equal(existsSync(r.workDir), false, r.workDir);
  });
});
