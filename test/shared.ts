/**
 * Where the project's shared material (seed configs, VRRP vectors) lives: `shared/` beside the
 * repository, as CI lays it out; VIGIL_SHARED overrides it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file compiles to dist/test/shared.js). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function locate(): string {
  if (process.env.VIGIL_SHARED) return process.env.VIGIL_SHARED;
  for (const candidate of [join(root, '..', 'shared'), '/work/shared']) {
    if (existsSync(join(candidate, 'vectors'))) return candidate;
  }
  return join(root, '..', 'shared');
}

export const SHARED = locate();
