/**
 * notify_fifo / vrrp_notify_fifo (keepalived core/notify.c fifo_open):
 * - the FIFO is created when missing with mode 0600 (keepalived's mkfifo 0644 under its default umask
 *   0177), given to the configured owner, and removed on close only if vigil created it;
 * - the optional `*_fifo_script` is started with the FIFO name appended and runs until close;
 * - the FIFO is opened O_RDWR|O_NONBLOCK: opening never waits for a reader, and since vigil holds
 *   the read side too a write never fails with EPIPE; when nobody reads and the pipe is full the
 *   line is dropped (counted), so a transition is never held up.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, closeSync, constants, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import {
  type RunningScript,
  type ScriptIdentity,
  type ScriptResult,
  startScript,
} from '../scripts/runner.js';

export interface FifoOptions {
  readonly path: string;
  /** Reader script argv (the FIFO path is appended). */
  readonly script?: readonly string[];
  readonly scriptIdentity?: ScriptIdentity;
  /** `notify_fifo FILE user [group]`: who gets a FIFO that vigil creates (keepalived chowns it). */
  readonly owner?: ScriptIdentity;
  readonly log?: (msg: string) => void;
  readonly onScriptExit?: (r: ScriptResult) => void;
}

export class NotifyFifo {
  private fd: number | undefined;
  private created = false;
  private reader: RunningScript | undefined;
  /** Lines dropped because the pipe was full or the FIFO could not be opened. */
  dropped = 0;
  written = 0;

  constructor(private readonly opts: FifoOptions) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Create (if needed) and open the FIFO, then start its reader script. False when it failed (logged). */
  open(): boolean {
    const { path, log } = this.opts;
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(path);
    } catch {
      st = undefined;
    }
    if (st === undefined) {
      try {
        execFileSync('mkfifo', ['-m', '0600', path], { stdio: 'ignore' });
        this.created = true;
        const o = this.opts.owner;
        if (o !== undefined) chownSync(path, o.uid, o.gid);
      } catch (e) {
        log?.(`Unable to create notify fifo ${path}: ${(e as Error).message}`);
        return false;
      }
    } else if (!st.isFIFO()) {
      log?.(`notify fifo ${path} exists and is not a FIFO`);
      return false;
    }
    if (this.opts.script !== undefined && this.opts.script.length > 0) {
      this.reader = startScript({
        argv: [...this.opts.script, path],
        ...(this.opts.scriptIdentity ? { identity: this.opts.scriptIdentity } : {}),
      });
      this.reader.done.then((r) => this.opts.onScriptExit?.(r));
    }
    try {
      this.fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      return true;
    } catch (e) {
      log?.(`Unable to open notify fifo ${path}: ${(e as Error).message}`);
      if (this.created) this.unlink();
      return false;
    }
  }

  /**
   * On reload the new configuration's FIFO of the same path takes over the file this one created,
   * so closing this one does not remove the FIFO under the new reader.
   */
  handOver(next: NotifyFifo): void {
    if (!this.created || next.opts.path !== this.opts.path) return;
    this.created = false;
    next.created = true;
  }

  /** Write one line; never blocks, never throws. */
  write(line: string): boolean {
    if (this.fd === undefined) {
      this.dropped++;
      return false;
    }
    try {
      // A line is far below PIPE_BUF, so the write is atomic: all or nothing.
      writeSync(this.fd, line);
      this.written++;
      return true;
    } catch (e) {
      this.dropped++;
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN')
        this.opts.log?.(`notify fifo ${this.opts.path}: write failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Remove the FIFO first (a looping reader cannot reopen it), then close it and stop the reader. */
  close(): void {
    if (this.created) this.unlink();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    this.reader?.stop();
    this.reader = undefined;
  }

  /** The reader script, while it runs. */
  get readerScript(): RunningScript | undefined {
    return this.reader;
  }

  private unlink(): void {
    try {
      unlinkSync(this.opts.path);
    } catch {
      // gone already
    }
    this.created = false;
  }
}
