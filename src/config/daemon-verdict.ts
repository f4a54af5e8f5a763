/**
 * The daemon's verdict on a config, which differs from `-t`'s (load.ts configTestExitCode).
 *
 * `keepalived -t` exits 5 on any config error. keepalived's daemon logs the same errors and runs
 * with the corrected value ("- ignoring", "- clearing", "- resetting"); its VRRP process exits
 * with KEEPALIVED_EXIT_CONFIG, and keepalived with it ("exited with permanent error CONFIG.
 * Terminating"), only on the errors marked `stopsDaemon` (keepalived 2.2.7 vrrp_daemon.c
 * start_vrrp: a non-existent interface, vrrp_complete_init failing, a missing parameter). A missing
 * config file ends it with KEEPALIVED_EXIT_NO_CONFIG. Pure.
 */
import type { Diagnostic } from './diagnostics.js';

/** keepalived 2.2.7 lib/scheduler.h exit codes of the daemon (not of `-t`). */
export const DaemonExit = {
  /** KEEPALIVED_EXIT_CONFIG: a config error the VRRP process cannot run with. */
  CONFIG: 2,
  /** KEEPALIVED_EXIT_NO_CONFIG: the config file is missing or unreadable. */
  NO_CONFIG: 6,
} as const;

export type DaemonVerdict =
  | { readonly run: true }
  | { readonly run: false; readonly exitCode: number; readonly because: readonly Diagnostic[] };

export function daemonVerdict(diags: readonly Diagnostic[], haveModel: boolean): DaemonVerdict {
  const errors = diags.filter((d) => d.severity === 'error');
  if (!haveModel) {
    return { run: false, exitCode: DaemonExit.NO_CONFIG, because: errors.filter((d) => d.class === 'file') };
  }
  const fatal = errors.filter((d) => d.stopsDaemon === true);
  return fatal.length === 0 ? { run: true } : { run: false, exitCode: DaemonExit.CONFIG, because: fatal };
}

/**
 * How the daemon logs a diagnostic: errors it runs despite are logged as warnings (keepalived logs
 * them and goes on), so that 'error' lines mean the daemon did not start.
 */
export function daemonSeverity(d: Diagnostic): 'error' | 'warning' {
  return d.severity === 'error' && d.stopsDaemon === true ? 'error' : 'warning';
}
