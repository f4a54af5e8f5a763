/**
 * The frame of one I/O attempt: it settles once, with the first of the body's verdict, the timeout
 * (ctx.timeoutMs) or an abort (ctx.signal), and then releases what the body holds (its cleanup) and
 * the timer and listener of its own. Never rejects: a throwing body is a failed attempt.
 */
import type { AttemptContext, CheckOutcome } from './types.js';

export type Finish = (outcome: CheckOutcome) => void;

/**
 * `body` starts the I/O, calls `finish` with the verdict and returns its cleanup (close the socket),
 * which runs exactly once, when the attempt settles however it settles.
 */
export function boundedAttempt(
  ctx: AttemptContext,
  onTimeout: () => CheckOutcome,
  body: (finish: Finish, isDone: () => boolean) => (() => void) | undefined,
): Promise<CheckOutcome> {
  if (ctx.signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted' });
  return new Promise<CheckOutcome>((resolve) => {
    let done = false;
    let cleanup: (() => void) | undefined;
    let settledEarly: CheckOutcome | undefined;
    const finish: Finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (cleanup === undefined) settledEarly = outcome;
      else {
        try {
          cleanup();
        } catch {
          // released already
        }
      }
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
    const timer = setTimeout(() => finish(onTimeout()), ctx.timeoutMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      cleanup = body(finish, () => done) ?? (() => {});
    } catch (e) {
      cleanup = () => {};
      finish({ ok: false, reason: `attempt failed: ${(e as Error).message}` });
    }
    // The body settled before it had returned its cleanup: release now.
    if (settledEarly !== undefined) cleanup();
  });
}
