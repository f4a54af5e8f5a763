/**
 * Where the project's shared material (the seed configs) lives: `shared/` beside the repository, as
 * CI lays it out; VIGIL_SHARED overrides it. It is optional: tests that read it skip with a reason
 * when it is absent (a plain clone). Fixtures every run needs live in test/fixtures (test/fixtures.ts).
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
