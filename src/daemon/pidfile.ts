/**
 * The pid file: created exclusively, so that a second daemon on the same pid file is refused.
 * A pid file left behind by a dead process is stale and replaced (as keepalived does, it checks
 * whether the recorded pid still runs).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class PidFileInUse extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`pid file ${path} names running process ${pid}; is another vigil or keepalived running?`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes our pid to `path`, or throws PidFileInUse. Returns a function that removes it. */
export function acquirePidFile(path: string, pid = process.pid): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const recorded = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(recorded) && recorded > 0 && recorded !== pid && isRunning(recorded)) {
        throw new PidFileInUse(path, recorded);
      }
      unlinkSync(path); // stale
      continue;
    }
    writeSync(fd, `${pid}\n`);
    closeSync(fd);
    return () => {
      try {
        if (readFileSync(path, 'utf8').trim() === String(pid)) unlinkSync(path);
      } catch {
        // already gone
      }
    };
  }
  throw new Error(`could not create pid file ${path}`);
}
