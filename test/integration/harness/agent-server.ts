/**
 * The helper-process side of test/integration/harness/agent.ts: reads `{id, op, args}` lines on stdin,
 * runs `ops[op](args)` and answers `{id, result}` or `{id, error}`; announces itself with a `ready`
 * event and exits when stdin closes.
 */
import { createInterface } from 'node:readline';

/** Writes one JSON line on stdout (answers and `{event, ...}` lines). */
export const emit = (msg: unknown): void => {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};

export type AgentOps = Record<string, (args: never) => unknown>;

export function serveAgent(ops: AgentOps): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    const { id, op, args } = JSON.parse(line) as { id: number; op: string; args: never };
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown op ${op}`);
      emit({ id, result: (await fn(args)) ?? null });
    } catch (e) {
      const err = e as Error & { code?: string };
      emit({ id, error: { message: err.message, code: err.code } });
    }
  });
  rl.on('close', () => process.exit(0));
  emit({ event: 'ready', pid: process.pid });
}
