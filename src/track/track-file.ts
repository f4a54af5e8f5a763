/**
 * track_file (keepalived track_file.c process_track_file / update_track_file_status).
 *
 * Pure part:
 * - The file's text is read like strtol(buf, NULL, 0): leading space, optional sign, then decimal,
 *   0x hex or 0 octal digits; anything after the number is ignored; no number at all, an empty or a
 *   missing file reads as 0. A value outside the int32 range (INT32_MAX+1 allowed) is ignored: the
 *   previous value stays.
 * - init_file [VALUE] [overwrite]: VALUE (default 0) is written at startup when the file does not
 *   exist, or always with `overwrite`.
 * The status that value means for one tracker (weight, reverse) is in aggregate.ts (trackFileEffect).
 * Edge: TrackFileWatcher watches the file's directory with inotify (fs.watch) and re-reads on change.
 */
import { type FSWatcher, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TrackFile } from '../config/model.js';

export type FileValue =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly reason: string };

const INT32_MIN = -2147483648;
const INT32_MAX_PLUS_1 = 2147483648;

/** strtol(text, NULL, 0) as keepalived reads a track file; undefined text = missing file = 0. */
export function parseTrackFileValue(text: string | undefined): FileValue {
  if (text === undefined) return { ok: true, value: 0 };
  const m = /^[\s]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (m === null) return { ok: true, value: 0 };
  const digits = m[2] as string;
  let v: number;
  if (/^0[xX]/.test(digits)) v = Number.parseInt(digits.slice(2), 16);
  else if (digits.startsWith('0')) v = digits.length > 1 ? Number.parseInt(digits.slice(1), 8) : 0;
  else v = Number.parseInt(digits, 10);
  if (m[1] === '-') v = -v;
  if (!Number.isSafeInteger(v) || v < INT32_MIN || v > INT32_MAX_PLUS_1)
    return { ok: false, reason: `Invalid number ${m[1]}${digits} - ignoring` };
  return { ok: true, value: v };
}

export interface InitFilePlan {
  readonly write: boolean;
  readonly content?: string;
}

/** What init_file asks for, given whether the file exists. */
export function initFilePlan(initFile: readonly string[] | undefined, exists: boolean): InitFilePlan {
  if (initFile === undefined) return { write: false };
  let value = '0';
  let overwrite = false;
  for (const w of initFile) {
    if (w === 'overwrite') overwrite = true;
    else value = w;
  }
  if (exists && !overwrite) return { write: false };
  return { write: true, content: `${value}\n` };
}

// ---- edge ----

export interface TrackFileWatcherPorts {
  /** Called with each new value (also the initial one); ignored reads are logged, not reported. */
  readonly onValue: (name: string, value: number) => void;
  readonly log?: (msg: string) => void;
}

/** A track file's text as keepalived reads it (at most 127 bytes); undefined when unreadable. */
export function readTrackFileText(path: string): string | undefined {
  try {
    // keepalived reads at most 127 bytes.
    return readFileSync(path, 'utf8').slice(0, 127);
  } catch {
    return undefined;
  }
}

/**
 * keepalived reads a track file on IN_CLOSE_WRITE / IN_MOVED_TO, i.e. once its writer is done.
 * fs.watch reports every modification instead, so `echo 5 > file` shows first as an empty
 * (truncated) file, read as 0: a spurious priority change, or a FAULT flap with weight 0. Events are
 * therefore coalesced: the file is read once no event has come for SETTLE_MS (at most MAX_SETTLE_MS
 * after the first, so a file rewritten without pause is still read).
 */
export const SETTLE_MS = 20;
export const MAX_SETTLE_MS = 200;

/** Watches one track_file: the directory watch sees create, rename-over and write of the file. */
export class TrackFileWatcher {
  private watcher: FSWatcher | undefined;
  private last: number | undefined;
  private settle: NodeJS.Timeout | undefined;
  private firstEventAt = 0;

  constructor(
    readonly spec: TrackFile,
    private readonly ports: TrackFileWatcherPorts,
  ) {}

  get value(): number | undefined {
    return this.last;
  }

  /** Apply init_file, read the initial value and start watching. */
  start(): void {
    const path = this.spec.file;
    if (path === undefined) return;
    const plan = initFilePlan(this.spec.initFile, readTrackFileText(path) !== undefined);
    if (plan.write && plan.content !== undefined) {
      try {
        writeFileSync(path, plan.content);
      } catch (e) {
        this.ports.log?.(`track_file ${this.spec.name}: cannot initialise ${path}: ${(e as Error).message}`);
      }
    }
    const name = basename(path);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.changed();
      });
      this.watcher.on('error', (e) =>
        this.ports.log?.(`track_file ${this.spec.name}: watch failed: ${e.message}`),
      );
    } catch (e) {
      this.ports.log?.(
        `track_file ${this.spec.name}: cannot watch ${dirname(path)}: ${(e as Error).message}`,
      );
    }
    this.read();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.settle = undefined;
  }

  /** A watch event: read once the writer has settled (see SETTLE_MS). */
  private changed(): void {
    const now = Date.now();
    if (this.settle === undefined) this.firstEventAt = now;
    else clearTimeout(this.settle);
    const wait = now - this.firstEventAt >= MAX_SETTLE_MS ? 0 : SETTLE_MS;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.read();
    }, wait);
    this.settle.unref();
  }

  /** Re-read the file now (also called once changes have settled). */
  read(): void {
    const path = this.spec.file;
    if (path === undefined) return;
    const v = parseTrackFileValue(readTrackFileText(path));
    if (!v.ok) {
      this.ports.log?.(`track_file ${this.spec.name}: ${v.reason} (read from ${path})`);
      return;
    }
    if (v.value === this.last) return;
    this.last = v.value;
    this.ports.onValue(this.spec.name, v.value);
  }
}
