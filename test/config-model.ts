/**
 * A config model from keepalived.conf text for tests that need one: parsed and built as vigil
 * does, host checks skipped (no interfaces or script files needed).
 */
import assert from 'node:assert/strict';
import { memoryConfigSource } from '../src/config/fs-source.js';
import { loadConfigText } from '../src/config/load.js';
import type { KeepalivedConfig } from '../src/config/model.js';
import { PERMISSIVE_HOST } from '../src/config/validate.js';

/** The model of `text`; with `valid`, also asserts that `vigil -t` would exit 0. */
export function modelOf(text: string, opts: { valid?: boolean } = {}): KeepalivedConfig {
  const r = loadConfigText(text, 'test.conf', {
    configId: 'test',
    source: memoryConfigSource({}),
    host: PERMISSIVE_HOST,
    skipHostChecks: true,
  });
  const why = r.diagnostics.map((d) => d.message).join('\n');
  if (opts.valid) assert.equal(r.exitCode, 0, why);
  assert.ok(r.model, why);
  return r.model;
}
