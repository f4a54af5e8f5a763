/**
 * Logging for the daemon. Lines name the instance, the state and the reason for each transition;
 * the format is `Keepalived_vrrp`-like so that existing log greps keep working:
 *   2026-11-21T22:33:00.123Z vigil[1234]: (VI_1) Entering MASTER STATE (master-down timer expired)
 */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

export type LogSink = (line: string) => void;

export function createLogger(sink: LogSink, opts: { detail: boolean; now?: () => Date }): Logger {
  const now = opts.now ?? (() => new Date());
  return {
    log(level, message) {
      if (level === 'debug' && !opts.detail) return;
      const tag = level === 'info' ? '' : `${level}: `;
      sink(`${now().toISOString()} vigil[${process.pid}]: ${tag}${message}`);
    },
  };
}

export const consoleSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};
