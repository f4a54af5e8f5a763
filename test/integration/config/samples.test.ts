/**
 * keepalived's own sample configs (Debian: /usr/share/doc/keepalived/samples): vigil's verdict must
 * match `keepalived -t` run on the same host (same interfaces, same files).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/config/diagnostics.js';
import { fsConfigSource } from '../../../src/config/fs-source.js';
import { readHostFacts } from '../../../src/config/host-facts.js';
import { loadConfig } from '../../../src/config/load.js';

const DIR = '/usr/share/doc/keepalived/samples';
const samples = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.startsWith('keepalived.conf.')) : [];
const haveKeepalived = spawnSync('keepalived', ['-v']).error === undefined;
const skip =
  samples.length === 0
    ? `no samples in ${DIR}`
    : !haveKeepalived
      ? 'keepalived is not installed'
      : process.getuid?.() !== 0
        ? 'keepalived -t needs root'
        : undefined;

const host = readHostFacts();
const vigil = (file: string) => loadConfig(file, { configId: 'test', source: fsConfigSource(), host });

for (const name of samples) {
  test(`sample ${name}: same exit status as keepalived -t`, { skip }, () => {
    const file = join(DIR, name);
    const k = spawnSync('keepalived', ['-t', '-l', '-n', '-f', file], { cwd: tmpdir(), timeout: 20_000 });
    const v = vigil(file);
    assert.equal(v.exitCode, k.status, v.diagnostics.map(formatDiagnostic).join('\n'));
  });
}

test('keepalived.conf.vrrp.rules: the malformed rule addresses are reported with their lines', {
  skip: samples.length === 0 ? 'no samples' : undefined,
}, () => {
  const r = vigil(join(DIR, 'keepalived.conf.vrrp.rules'));
  const bad = r.diagnostics.filter((d) => d.severity === 'error' && d.code === 'invalid-address');
  assert.deepEqual(
    bad.map((d) => [d.pos.line, d.message]),
    [
      [11, "invalid rule to address '192.168.100./24'"],
      [26, "invalid rule to address '192.168.200./24'"],
    ],
  );
});
