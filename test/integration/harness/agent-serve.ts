/**
 * The helper side of test/integration/harness/agent.ts: answers `{id, op, args}` lines on stdin
 * with `{id, result}` / `{id, error}` from `ops`, announces `{event: 'ready'}`, exits when stdin
 * closes. `emit` writes an event line.
 */
import { createInterface } from 'node:readline';

export type AgentOps = Record<string, (args: never) => unknown>;

export const emit = (msg: unknown): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};

export function serveAgent(ops: AgentOps): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    const { id, op, args } = JSON.parse(line) as { id: number; op: string; args: never };
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown op ${op}`);
      const result = await fn(args);
      emit({ id, result: result ?? null });
    } catch (e) {
      const err = e as Error & { code?: string };
      emit({ id, error: { message: err.message, code: err.code } });
    }
  });
  rl.on('close', () => process.exit(0));
  emit({ event: 'ready', pid: process.pid });
}
