/**
 * The main thread's handle on the health-checker worker (checker-worker.ts): started when the
 * config has virtual servers, reloaded in place, asked for status, stopped with a bound.
 */
import { Worker } from 'node:worker_threads';
import type { LifecycleEvent } from '../check/lifecycle.js';
import type { CheckerWorkerConfig, FromChecker, ToChecker } from './messages.js';
import type { VirtualServerStatus } from './status-types.js';

export interface CheckerThreadHooks {
  readonly onEvent: (e: LifecycleEvent) => void;
  readonly onFatal: (message: string) => void;
}

export class CheckerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (v: VirtualServerStatus[]) => void>();
  private nextId = 1;
  private onStopped: (() => void) | undefined;
  private dead = false;

  constructor(
    config: CheckerWorkerConfig,
    hooks: CheckerThreadHooks,
    url = new URL('./checker-worker.js', import.meta.url),
  ) {
    this.worker = new Worker(url, { workerData: config });
    this.worker.on('message', (m: FromChecker) => {
      switch (m.type) {
        case 'event':
          hooks.onEvent(m.event);
          break;
        case 'status':
          this.pending.get(m.id)?.(m.virtualServers);
          this.pending.delete(m.id);
          break;
        case 'stopped':
          this.onStopped?.();
          break;
        case 'fatal':
          this.dead = true;
          hooks.onFatal(m.message);
          break;
        case 'started':
          break;
      }
    });
    this.worker.on('error', (e) => {
      this.dead = true;
      hooks.onFatal(e.stack ?? e.message);
    });
  }

  private send(m: ToChecker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  reload(config: CheckerWorkerConfig): void {
    this.send({ type: 'reload', config });
  }

  status(timeoutMs = 2000): Promise<VirtualServerStatus[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.send({ type: 'status', id });
      setTimeout(() => {
        if (this.pending.delete(id)) reject(new Error('the checker worker did not answer'));
      }, timeoutMs).unref();
    });
  }

  /** The servers leave the table (omega notifications included), then the thread ends. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.dead) {
      const stopped = new Promise<void>((resolve) => {
        this.onStopped = resolve;
      });
      this.send({ type: 'stop' });
      await Promise.race([stopped, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    await this.worker.terminate();
  }
}
