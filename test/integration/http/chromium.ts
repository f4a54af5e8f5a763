/**
 * Debian's headless Chromium, driven by playwright-core, run inside a test namespace: `ip netns
 * exec` replaces itself with the browser, so playwright's pipe to it stays intact. Used by the
 * dashboard test and bench/http.ts.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet headless Chromium that talks to nothing but the page it is given. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser cannot run here, or false. */
export async function chromiumSkip(): Promise<string | false> {
  if (!existsSync(CHROMIUM)) return 'needs Debian chromium (apt-get install chromium)';
  try {
    await import('playwright-core');
  } catch {
    return 'needs the playwright-core devDependency (npm install)';
  }
  return false;
}

/** Launches Chromium in `netns`; the launcher script goes in `dir` (a temp directory the caller removes). */
export async function launchChromiumIn(dir: string, netns: string): Promise<Browser> {
  const path = join(dir, `chromium-${netns}`);
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${netns} ${CHROMIUM} "$@"\n`);
  chmodSync(path, 0o755);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: path, args: CHROMIUM_ARGS });
}
