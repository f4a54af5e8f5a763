/** Locations of compiled fixtures, relative to this (compiled) file in dist/test/integration/kernel. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelAvailable } from '../../../src/kernel/native.js';
import { integrationSkipReason } from '../harness/topology.js';

export const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kernel-agent.js');

/** Why the kernel integration tests cannot run here, or false when they can. */
export function kernelSkip(): string | false {
  const reason = integrationSkipReason();
  if (reason) return reason;
  if (!kernelAvailable()) return 'the kernel addon is not built (run npm install)';
  return false;
}
