/** contrib/vigil.service: Type=notify, reload by SIGHUP, and every option of Debian's keepalived.service. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../fixtures.js';

const UNIT = `${REPO_ROOT}/contrib/vigil.service`;
const DEBIAN = '/lib/systemd/system/keepalived.service';

/** `[Section] Key=value` lines as "Section.Key=value" (comments and blanks dropped). */
function settings(text: string): string[] {
  let section = '';
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) section = line.slice(1, -1);
    else out.push(`${section}.${line}`);
  }
  return out;
}

test('vigil.service is Type=notify and reloads with SIGHUP to the main pid', () => {
  const s = settings(readFileSync(UNIT, 'utf8'));
  assert.ok(s.includes('Service.Type=notify'));
  assert.ok(s.includes('Service.ExecReload=/bin/kill -HUP $MAINPID'));
  assert.ok(s.some((l) => /^Service\.ExecStart=\S*vigil --dont-fork \$DAEMON_ARGS$/.test(l)));
});

test("vigil.service takes every option of Debian's keepalived.service", {
  skip: existsSync(DEBIAN) ? false : `${DEBIAN} is not present (Debian's keepalived package)`,
}, () => {
  const ours = settings(readFileSync(UNIT, 'utf8'));
  for (const l of settings(readFileSync(DEBIAN, 'utf8'))) {
    if (/^Unit\.(Description|Documentation)=/.test(l)) continue; // prose: ours describes vigil
    if (l.startsWith('Service.ExecStart=')) {
      assert.match(l, /--dont-fork \$DAEMON_ARGS$/, 'keepalived is started the same way');
      continue;
    }
    assert.ok(ours.includes(l), `missing: ${l}`);
  }
});

test('systemd-analyze verify finds nothing to say about vigil.service', {
  skip: spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'needs systemd-analyze',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-unit-'));
  try {
    // The unit's ExecStart must exist for verify: point it at a binary this host has.
    const unit = join(dir, 'vigil.service');
    writeFileSync(unit, readFileSync(UNIT, 'utf8').replace(/^ExecStart=\S+/m, 'ExecStart=/bin/true'));
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // verify only warns (exit 0) about unknown keys or bad values: any output is a mistake.
    assert.equal(r.stderr.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
