/**
 * FILE_CHECK (keepalived check_file.c, trackers/track_file.c): the number in a global `track_file`'s
 * file (read as track_file reads it: src/track/track-file.ts) decides the checker.
 *
 * Weight: the checker's `weight W [reverse]`, else the track_file block's (file_end_handler).
 * - W = 0: the checker is down when the value is non-zero (with reverse: when it is zero), up with no
 *   weight change otherwise.
 * - W != 0: the contribution is value x W (x -1 with reverse), clamped to int32; INT32_MIN means down,
 *   anything else is up and **added** to the real server's weight (negative values lower it; the
 *   server stays alive, IPVS gets the weight clamped to 0).
 * An unreadable, empty or missing file reads 0; a number outside int32 is ignored (the previous value
 * stays). There is no `dynamic` keyword in keepalived's parser (the man page lists one).
 *
 * Outcome weight: CheckOutcome.weight is the weight the real server should have, so an up checker
 * with a contribution C reports `realServerWeight + C` (the life cycle recovers C as weight minus
 * the configured weight, keepalived's cur_weight). The life cycle passes the track_file blocks and
 * the real server's configured weight in FileCheckerEnv.
 *
 * keepalived does not poll the file: it re-reads it on inotify close-write. An attempt reads it now;
 * the module's `watch` (fs.watch on the file's directory, through the track_file watcher without
 * its init_file) tells the life cycle when the value changed, so that an attempt runs at once; the
 * delay_loop poll stays as the fallback. watchFileCheck gives the purely event-driven form.
 * No retry, no alpha: keepalived knows the state at once.
 */
import type { FileChecker, TrackFile } from '../../config/model.js';
import { parseTrackFileValue, readTrackFileText, TrackFileWatcher } from '../../track/track-file.js';
import type { CheckerEnv, CheckerModule, CheckOutcome } from '../types.js';

export interface FileCheckerEnv extends CheckerEnv {
  /** The config's global track_file blocks. */
  readonly trackFiles?: readonly TrackFile[];
  /** The real server's configured weight (default 1, keepalived's default). */
  readonly realServerWeight?: number;
  /** Read the file's text (default: the real file, at most 127 bytes). */
  readonly readText?: (path: string) => string | undefined;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface FileWeight {
  readonly weight: number;
  readonly reverse: boolean;
}

/** The weight that applies: the checker's own, else the track_file block's. */
export function fileCheckWeight(spec: FileChecker, file: TrackFile): FileWeight {
  return spec.weight !== undefined
    ? { weight: spec.weight, reverse: spec.weightReverse }
    : { weight: file.weight, reverse: file.weightReverse };
}

/** What a value means: down, or up with a contribution to the real server's weight (pure). */
export function fileCheckStatus(
  value: number,
  w: FileWeight,
): { readonly up: false } | { readonly up: true; readonly contribution: number } {
  if (w.weight === 0) return (value !== 0) !== w.reverse ? { up: false } : { up: true, contribution: 0 };
  const raw = value * w.weight * (w.reverse ? -1 : 1);
  const status = Math.max(INT32_MIN, Math.min(INT32_MAX, raw));
  return status === INT32_MIN ? { up: false } : { up: true, contribution: status };
}

/** The outcome for a value, given the real server's configured weight (pure). */
export function fileCheckOutcome(
  name: string,
  value: number,
  w: FileWeight,
  realServerWeight: number,
): CheckOutcome {
  const s = fileCheckStatus(value, w);
  if (!s.up) return { ok: false, reason: `tracked file ${name} value ${value}: FAULT` };
  if (s.contribution === 0) return { ok: true, detail: `tracked file ${name} value ${value}` };
  return {
    ok: true,
    weight: realServerWeight + s.contribution,
    detail: `tracked file ${name} value ${value}: weight ${s.contribution >= 0 ? '+' : ''}${s.contribution}`,
  };
}

function findTrackFile(spec: FileChecker, env: FileCheckerEnv): TrackFile | string {
  if (spec.trackFile === undefined) return 'FILE_CHECK has no track_file specified';
  const f = env.trackFiles?.find((t) => t.name === spec.trackFile);
  if (f === undefined) return `track_file ${spec.trackFile} not found`;
  if (f.file === undefined) return `track_file ${spec.trackFile} has no file`;
  return f;
}

export const fileCheck: CheckerModule<'FILE_CHECK'> = {
  type: 'FILE_CHECK',
  defaults: { retry: 0 },
  watch(spec: FileChecker, env: FileCheckerEnv, changed) {
    const f = findTrackFile(spec, env);
    if (typeof f === 'string') return () => {};
    // init_file is the track_file's own business (applied where the track file is set up), not a watcher's.
    const { initFile: _init, ...plain } = f;
    let started = false;
    const watcher = new TrackFileWatcher(plain as TrackFile, {
      // The value read at start is the first attempt's business.
      onValue: () => {
        if (started) changed();
      },
      log: (m) => env.log('warning', m),
    });
    watcher.start();
    started = true;
    return () => watcher.stop();
  },
  create(spec: FileChecker, _target, env: FileCheckerEnv) {
    const f = findTrackFile(spec, env);
    if (typeof f === 'string') {
      env.log('error', f);
      return () => Promise.resolve({ ok: false, reason: f });
    }
    const w = fileCheckWeight(spec, f);
    const rsWeight = env.realServerWeight ?? 1;
    const read = env.readText ?? readTrackFileText;
    let last = 0;
    return async (ctx) => {
      if (ctx.signal.aborted) return { ok: false, reason: 'aborted' };
      const v = parseTrackFileValue(read(f.file as string));
      if (v.ok) last = v.value;
      else env.log('info', `${v.reason} (read from ${f.file})`);
      return fileCheckOutcome(f.name, last, w, rsWeight);
    };
  },
};

/**
 * The event-driven form: calls `onOutcome` with the outcome at start and whenever the file's value
 * changes (inotify, as keepalived). init_file is applied at start. Returns the stop function.
 */
export function watchFileCheck(
  spec: FileChecker,
  env: FileCheckerEnv,
  onOutcome: (outcome: CheckOutcome) => void,
): () => void {
  const f = findTrackFile(spec, env);
  if (typeof f === 'string') {
    env.log('error', f);
    onOutcome({ ok: false, reason: f });
    return () => {};
  }
  const w = fileCheckWeight(spec, f);
  const rsWeight = env.realServerWeight ?? 1;
  const watcher = new TrackFileWatcher(f, {
    onValue: (_name, value) => onOutcome(fileCheckOutcome(f.name, value, w, rsWeight)),
    log: (m) => env.log('warning', m),
  });
  watcher.start();
  return () => watcher.stop();
}
