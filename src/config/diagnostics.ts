/**
 * Diagnostics for keepalived.conf: every message carries file:line:column.
 *
 * Format (fixed, tests and users rely on it):
 *   file:line:col: error|warning: message
 */

/** A position in a config source. Lines and columns are 1-based; columns count code points. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type Severity = 'error' | 'warning';

/**
 * What kind of failure a diagnostic is, which decides `vigil -t`'s exit status
 * (see configTestExitCode in load.ts). Warnings never change the exit status.
 */
export type DiagnosticClass =
  /** The config file itself is missing or unreadable. */
  | 'file'
  /** Any syntax or validation error in the config. */
  | 'config'
  /** A script would run as root without `enable_script_security`, or fails the security check. */
  | 'security'
  /**
   * A keyword written without the value keepalived reads unconditionally: keepalived 2.2.7 stops
   * the parse there ("missing a parameter") with KEEPALIVED_EXIT_CONFIG (2). vigil goes on checking.
   */
  | 'missing-parameter';

export interface RelatedInfo {
  readonly pos: SourcePos;
  readonly message: string;
}

export interface Diagnostic {
  readonly severity: Severity;
  readonly pos: SourcePos;
  readonly message: string;
  /** Defaults to 'config' for errors. */
  readonly class?: DiagnosticClass;
  /** Stable machine-readable identifier, e.g. 'unknown-keyword', 'duplicate-name'. */
  readonly code?: string;
  /** Other locations involved, e.g. the first definition of a duplicate. */
  readonly related?: readonly RelatedInfo[];
  /**
   * keepalived's VRRP process exits on this error (KEEPALIVED_EXIT_CONFIG) instead of logging it
   * and carrying on with a corrected value; see daemon-verdict.ts.
   */
  readonly stopsDaemon?: boolean;
}

/** keepalived's exit statuses for `-t` (keepalived 2.2.7 lib/utils.h KEEPALIVED_EXIT_*). */
export const ExitCode = {
  OK: 0,
  /** KEEPALIVED_EXIT_CONFIG (2): keepalived aborted the parse on a keyword missing its parameter. */
  MISSING_PARAMETER: 2,
  /** KEEPALIVED_EXIT_CONFIG: fatal config problem, e.g. the file cannot be read. */
  FILE: 4,
  /** KEEPALIVED_EXIT_CONFIG_TEST: `-t` found errors. */
  CONFIG: 5,
  /** KEEPALIVED_EXIT_CONFIG_TEST_SECURITY: `-t` found script security errors. */
  SECURITY: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

export function formatDiagnostic(d: Diagnostic): string {
  return withNotes(d, `${formatPos(d.pos)}: ${d.severity}: ${d.message}`);
}

/** For a log whose line already carries the level: `file:line:col: message` and its notes. */
export function formatDiagnosticUntagged(d: Diagnostic): string {
  return withNotes(d, `${formatPos(d.pos)}: ${d.message}`);
}

function withNotes(d: Diagnostic, first: string): string {
  let s = first;
  for (const r of d.related ?? []) s += `\n${formatPos(r.pos)}: note: ${r.message}`;
  return s;
}

/** Collects diagnostics in order; shared by every stage of the config pipeline. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  error(pos: SourcePos, message: string, extra: Partial<Diagnostic> = {}): void {
    this.items.push({ ...extra, severity: 'error', pos, message });
  }
  warning(pos: SourcePos, message: string, extra: Partial<Diagnostic> = {}): void {
    this.items.push({ ...extra, severity: 'warning', pos, message });
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}
