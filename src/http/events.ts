/**
 * The daemon's event stream (`GET /api/v1/events`): VRRP transitions, real-server and quorum
 * changes and reloads, each with its reason, numbered and kept in a small ring so that a new
 * client (the dashboard's timeline) or a reconnecting one (`Last-Event-ID`) gets the recent past.
 * Pure: the clock is injected; the HTTP server (server.ts) writes the frames.
 */
import type { LifecycleEvent } from '../check/lifecycle.js';
import type { EngineEvent } from '../daemon/vrrp-engine.js';

export type DaemonEventBody =
  | {
      readonly kind: 'vrrp-transition';
      readonly instance: string;
      readonly from: string;
      readonly to: string;
      readonly priority: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'group-transition';
      readonly group: string;
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'real-server';
      readonly virtualServer: string;
      readonly realServer: string;
      readonly up: boolean;
      readonly weight: number;
      readonly reason: string;
    }
  | { readonly kind: 'quorum'; readonly virtualServer: string; readonly up: boolean; readonly reason: string }
  | { readonly kind: 'reload'; readonly ok: boolean; readonly reason: string };

/** An event as sent: numbered from 1 in the daemon's life, stamped when the main thread heard it. */
export type DaemonEvent = DaemonEventBody & { readonly id: number; readonly at: string };

/** The VRRP worker's events that belong on the stream (transitions); undefined for the rest. */
export function fromEngineEvent(e: EngineEvent): DaemonEventBody | undefined {
  switch (e.type) {
    case 'transition':
      return {
        kind: 'vrrp-transition',
        instance: e.instance,
        from: e.from,
        to: e.to,
        priority: e.priority,
        reason: e.reason,
      };
    case 'group-transition':
      return { kind: 'group-transition', group: e.group, from: e.from, to: e.to, reason: e.reason };
    default:
      return undefined;
  }
}

/** The health checker's real-server and quorum changes; undefined for its other events. */
export function fromCheckerEvent(e: LifecycleEvent): DaemonEventBody | undefined {
  switch (e.type) {
    case 'real-server':
      return {
        kind: 'real-server',
        virtualServer: e.vs,
        realServer: e.rs,
        up: e.up,
        weight: e.weight,
        reason: e.reason,
      };
    case 'quorum':
      return { kind: 'quorum', virtualServer: e.vs, up: e.up, reason: e.reason };
    default:
      return undefined;
  }
}

/** One server-sent event: `id` for Last-Event-ID, the JSON on one `data` line (JSON has no raw newline). */
export function sseFrame(e: DaemonEvent): string {
  return `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** The recent events and the clients listening for new ones. */
export class EventLog {
  private readonly ring: DaemonEvent[] = [];
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private nextId = 1;

  constructor(
    private readonly capacity = 200,
    private readonly now: () => number = Date.now,
  ) {}

  publish(body: DaemonEventBody): DaemonEvent {
    const e: DaemonEvent = { id: this.nextId++, at: new Date(this.now()).toISOString(), ...body };
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /**
   * What a new client is sent first: the events after `lastEventId` still in the ring, or all of
   * them (no id, an unparsable one, or one from before a daemon restart: ids start again at 1).
   */
  replay(lastEventId?: string): readonly DaemonEvent[] {
    const after = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : 0;
    if (after >= this.nextId) return [...this.ring];
    return this.ring.filter((e) => e.id > after);
  }

  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
