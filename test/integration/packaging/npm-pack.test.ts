/**
 * `npm pack` gives a package that installs and runs: the tarball of the current build (dist/ is in
 * it; the TypeScript is not compiled again at install) is installed into an empty directory with no
 * registry access, its install step builds the kernel addon, and `node_modules/.bin/vigil -t` checks
 * a config.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../fixtures.js';
import { commandExists } from '../harness/topology.js';

const missing = ['npm', 'make', 'cc', 'python3'].filter((c) => !commandExists(c));
const skip =
  missing.length > 0
    ? `needs ${missing.join(', ')} (npm, and node-gyp's tools to build the addon)`
    : existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))
      ? false
      : 'needs the build (npm run build)';

function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20 }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: String(out), err: String(err) });
    });
  });
}

test('npm pack: the tarball installs offline, builds the addon, and node_modules/.bin/vigil runs', {
  skip,
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pack-'));
  try {
    // --ignore-scripts: pack the build this run already made instead of compiling it again (prepare).
    const pack = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      REPO_ROOT,
    );
    assert.equal(pack.code, 0, pack.err);
    const [info] = JSON.parse(pack.out) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    for (const f of [
      'bin/vigil',
      'dist/src/cli/main.js',
      'dist/src/daemon/vrrp-worker.js',
      'native/vigil_kernel.c',
      'binding.gyp',
      'contrib/vigil.service',
    ])
      assert.ok(files.includes(f), `${f} is in the package`);
    assert.ok(
      !files.some((f) => f.startsWith('dist/test/') || f.startsWith('test/') || f.startsWith('build/')),
      'no tests or local build in the package',
    );

    const app = join(dir, 'app');
    mkdirSync(app);
    const install = await run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', join(dir, info!.filename)],
      app,
    );
    assert.equal(install.code, 0, install.err);
    assert.ok(
      readdirSync(join(app, 'node_modules', 'vigil', 'build', 'Release')).includes('vigil_kernel.node'),
      'the addon was built at install',
    );

    writeFileSync(join(app, 'ok.conf'), 'global_defs {\n  router_id packaged\n}\n');
    writeFileSync(join(app, 'bad.conf'), 'global_defs {\n  vrrp_garp_interval 0\n}\n');
    const vigil = join(app, 'node_modules', '.bin', 'vigil');
    const ok = await run(vigil, ['-t', '-f', 'ok.conf'], app);
    assert.equal(ok.code, 0, ok.out + ok.err);
    const bad = await run(vigil, ['-t', '-f', 'bad.conf'], app);
    assert.equal(bad.code, 5, bad.out + bad.err);
    assert.match(bad.out + bad.err, /bad\.conf:2:\d+: error: vrrp_garp_interval '0' is invalid/);
    const version = await run(vigil, ['--version'], app);
    assert.match(version.out, /^vigil 0\.1\.0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
