/**
 * Differential test: `vigil -t` and keepalived 2.2.7's `keepalived -t` must give the same exit
 * status on a generated corpus, except for the deliberate differences in docs/config-differences.md.
 * Both run inside a network namespace that has exactly the interfaces the corpus names (lo and a
 * veth pair vigil0/vigil1), so interface checks agree. Needs root and keepalived; skips otherwise.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { corpus, DELIBERATE, type Features, renderConfig } from './corpus.js';

const VIGIL = fileURLToPath(new URL('../../../../bin/vigil', import.meta.url));
const NS = `vigil-cfg-${process.pid}`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and keepalived -t)';
  const k = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  if (k.error !== undefined) return 'keepalived is not installed';
  if (!/v2\.2\.7/.test(`${k.stdout}${k.stderr}`)) return 'the reference keepalived is not 2.2.7';
  if (spawnSync('ip', ['-V']).error !== undefined) return 'iproute2 (ip) is not installed';
  return undefined;
}
const skip = skipReason();

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Runs a command inside the namespace; resolves with its exit status (never rejects). */
function inNs(cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', NS, cmd, ...args], { cwd, timeout: 20_000 }, (err) => {
      if (err === null) resolve(0);
      else if (typeof err.code === 'number') resolve(err.code);
      // Killed by a signal: report it as the shell does (128 + signal number), e.g. 139 for SIGSEGV.
      else if (err.signal) resolve(128 + (constants.signals[err.signal] ?? 0));
      else resolve(-1);
    });
  });
}

/**
 * Why vigil deliberately exits differently from keepalived for this config, or undefined.
 * Each reason is one entry of docs/config-differences.md.
 */
function deliberateDifference(f: Features, keepalived: number, vigil: number): string | undefined {
  const d = DELIBERATE.find((x) => x.line === f.rawLine || x.line === f.extra);
  return d !== undefined && d.keepalived === keepalived && d.vigil === vigil ? d.reason : undefined;
}

let dir = '';
before(() => {
  if (skip !== undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-diff-'));
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'add', 'vigil0', 'type', 'veth', 'peer', 'name', 'vigil1');
  ip('-n', NS, 'link', 'set', 'vigil0', 'up');
  ip('-n', NS, 'link', 'set', 'vigil1', 'up');
});

after(() => {
  if (skip !== undefined) return;
  spawnSync('ip', ['netns', 'del', NS]);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('vigil -t agrees with keepalived -t on a generated corpus', { skip, timeout: 300_000 }, async (t) => {
  const configs = corpus();
  assert.ok(configs.length >= 100 && configs.length <= 200, `corpus size ${configs.length}`);
  const results: { i: number; f: Features; k: number; v: number }[] = [];
  let next = 0;
  // Two workers: the machine has two cores and is shared.
  const worker = async (): Promise<void> => {
    while (next < configs.length) {
      const i = next++;
      const f = configs[i]!;
      const file = join(dir, `c${String(i).padStart(3, '0')}.conf`);
      writeFileSync(file, renderConfig(f));
      const k = await inNs('keepalived', ['-t', '-l', '-n', '-f', file], dir);
      let v = await inNs(VIGIL, ['-t', '-f', file], dir);
      // vigil -t only exits 0/4/5/6; anything else is a crash, which is retried once because the
      // shared dist/ tree may be mid-rebuild by a concurrent `tsc` (a second crash is reported).
      if (![0, 4, 5, 6].includes(v)) v = await inNs(VIGIL, ['-t', '-f', file], dir);
      results.push({ i, f, k, v });
    }
  };
  await Promise.all([worker(), worker()]);
  assert.equal(results.length, configs.length);
  const tally = new Map<string, number>();
  for (const r of results)
    tally.set(`keepalived ${r.k} / vigil ${r.v}`, (tally.get(`keepalived ${r.k} / vigil ${r.v}`) ?? 0) + 1);
  t.diagnostic(`${results.length} configs: ${[...tally].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  const unexplained = results.filter((r) => r.k !== r.v && deliberateDifference(r.f, r.k, r.v) === undefined);
  const detail = unexplained
    .map((r) => `c${String(r.i).padStart(3, '0')}: keepalived ${r.k}, vigil ${r.v}\n${renderConfig(r.f)}`)
    .join('\n');
  assert.equal(unexplained.length, 0, `exit codes differ:\n${detail}`);
  // Each documented difference is exercised and still behaves as documented.
  for (const d of DELIBERATE) {
    const r = results.find((x) => x.f.rawLine === d.line || x.f.extra === d.line);
    assert.ok(
      r && r.k === d.keepalived && r.v === d.vigil,
      `deliberate difference '${d.line}' no longer holds`,
    );
  }
  // The corpus exercises both verdicts, so agreement is not trivially "everything fails".
  assert.ok(results.some((r) => r.k === 0));
  assert.ok(results.some((r) => r.k === 5));
});
