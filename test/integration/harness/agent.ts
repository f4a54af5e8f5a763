/**
 * JSON-lines RPC to a helper process running inside a test namespace (`ip netns exec`): the test sends
 * `{id, op, args}` lines on stdin; the helper answers `{id, result}` or `{id, error}` and may emit
 * `{event, ...}` lines at any time. The process is tracked by the topology and killed at teardown.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Topology } from './topology.js';
import { waitFor } from './topology.js';

export interface AgentEvent {
  readonly event: string;
  readonly [key: string]: unknown;
}

export interface Agent {
  readonly process: ChildProcess;
  /** Events received so far, in order. */
  readonly events: AgentEvent[];
  call<T = unknown>(op: string, args?: unknown): Promise<T>;
  /** Waits for the first event (from `from` on) that satisfies `match`. */
  waitForEvent(
    match: (e: AgentEvent) => boolean,
    opts?: { timeoutMs?: number; from?: number },
  ): Promise<AgentEvent>;
  /** Everything the helper printed on stderr (for failure messages). */
  stderr(): string;
}

export class AgentError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/** Starts `node <script>` in `host`'s namespace and waits for its `ready` event. */
export async function startAgent(topo: Topology, host: string, script: string): Promise<Agent> {
  const child = topo.spawn(host, process.execPath, ['--enable-source-maps', script]);
  const events: AgentEvent[] = [];
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let stderr = '';
  let nextId = 1;
  let exited = false;
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let msg: { id?: number; result?: unknown; error?: { message: string; code?: string }; event?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      stderr += `[non-JSON stdout] ${line}\n`;
      return;
    }
    if (msg.event !== undefined) {
      events.push(msg as AgentEvent);
      return;
    }
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id!);
    if (msg.error) p.reject(new AgentError(msg.error.message, msg.error.code));
    else p.resolve(msg.result);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values())
      p.reject(new Error(`agent exited (${code ?? signal}): ${stderr.trim()}`));
    pending.clear();
  });

  const agent: Agent = {
    process: child,
    events,
    call<T>(op: string, args?: unknown): Promise<T> {
      if (exited) return Promise.reject(new Error(`agent has exited: ${stderr.trim()}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin?.write(`${JSON.stringify({ id, op, args })}\n`);
      });
    },
    async waitForEvent(match, opts = {}) {
      return waitFor(
        () => {
          if (exited) throw new Error(`agent exited: ${stderr.trim()}`);
          return events.slice(opts.from ?? 0).find(match);
        },
        { timeoutMs: opts.timeoutMs ?? 5000, message: 'agent event' },
      );
    },
    stderr: () => stderr,
  };
  await agent.waitForEvent((e) => e.event === 'ready', { timeoutMs: 10000 });
  return agent;
}
