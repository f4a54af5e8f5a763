/** `vigil genhash ...` / `vigil --genhash ...`: flags from args.ts, the fetch from src/check/genhash.ts. */
import { genhash } from '../check/genhash.js';
import { GENHASH_USAGE, parseGenhashArgs } from './args.js';

export async function runGenhash(argv: readonly string[]): Promise<number> {
  const o = parseGenhashArgs(argv);
  if (o instanceof Error) {
    process.stderr.write(`${o.message ? `${o.message}\n` : ''}${GENHASH_USAGE}`);
    return 1;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await genhash(
      o,
      { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
      abort.signal,
    );
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  return 0;
}
