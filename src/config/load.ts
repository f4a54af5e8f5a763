/**
 * The config pipeline: parse (syntax) -> build (keywords) -> validate (cross-block rules).
 * Pure given its inputs: the config source and the host facts are injected; the CLI and the
 * daemon pass node:fs-backed ones.
 */
import { buildModel } from './build/index.js';
import { type Diagnostic, DiagnosticSink, ExitCode } from './diagnostics.js';
import type { KeepalivedConfig } from './model.js';
import { parseConfig, parseConfigText } from './parser.js';
import { SCALAR_KEYWORDS, VALUE_BLOCKS } from './schema/index.js';
import type { ConfigSource } from './tree.js';
import { type HostFacts, validateModel } from './validate.js';

export interface LoadOptions {
  /** `-i CONFIG_ID` for `@id` lines; the CLI defaults it to the short hostname. */
  readonly configId: string;
  readonly source: ConfigSource;
  readonly host: HostFacts;
  /** Skip the host-dependent checks (interfaces, scripts). Default false. */
  readonly skipHostChecks?: boolean;
  readonly random?: () => number;
}

export interface LoadResult {
  /** The model; undefined only when the main file could not be read. */
  readonly model: KeepalivedConfig | undefined;
  /** Every diagnostic, syntax first, in source order within each stage. */
  readonly diagnostics: readonly Diagnostic[];
  /** Files read (main + includes). */
  readonly files: readonly string[];
  /** What `vigil -t` exits with. */
  readonly exitCode: ExitCode;
}

/**
 * `keepalived -t`'s exit status for a set of diagnostics, as observed with keepalived 2.2.7:
 * a missing/unreadable file gives 4; a keyword missing its parameter gives 2 (keepalived stops
 * parsing there); a non-existent interface gives 5 (keepalived stops there,
 * before checking scripts); otherwise a script security violation gives 6 even alongside other
 * errors (its status overrides earlier ones); any other error gives 5. Warnings never count.
 */
export function configTestExitCode(diags: readonly Diagnostic[]): ExitCode {
  const errors = diags.filter((d) => d.severity === 'error');
  if (errors.length === 0) return ExitCode.OK;
  // A missing file, or a problem keepalived treats as fatal (KEEPALIVED_EXIT_CONFIG).
  if (errors.some((d) => d.class === 'file')) return ExitCode.FILE;
  // keepalived exits at the first keyword missing its parameter, before any other check.
  if (errors.some((d) => d.class === 'missing-parameter')) return ExitCode.MISSING_PARAMETER;
  // keepalived exits with KEEPALIVED_EXIT_CONFIG (4) there only when nothing else was reported.
  if (errors.some((d) => d.code === 'fatal-config') && errors.every((d) => d.code === 'fatal-config'))
    return ExitCode.FILE;
  if (errors.some((d) => d.code === 'no-such-interface' || d.code === 'script-group')) return ExitCode.CONFIG;
  if (errors.some((d) => d.class === 'security')) return ExitCode.SECURITY;
  return ExitCode.CONFIG;
}

/**
 * `vigil -t --strict`: every warning becomes an error (same code and position), so a config with
 * warnings exits 5 (or the status its other errors give).
 */
export function strictResult(result: LoadResult): LoadResult {
  const diagnostics = result.diagnostics.map((d) =>
    d.severity === 'warning' ? { ...d, severity: 'error' as const } : d,
  );
  return { ...result, diagnostics, exitCode: configTestExitCode(diagnostics) };
}

function finish(
  parsed: { nodes: import('./tree.js').ConfigNode[]; diagnostics: Diagnostic[]; files: string[] },
  opts: LoadOptions,
): LoadResult {
  const sink = new DiagnosticSink();
  sink.items.push(...parsed.diagnostics);
  if (
    parsed.diagnostics.some((d) => d.severity === 'error' && d.class === 'file') &&
    parsed.nodes.length === 0
  ) {
    return { model: undefined, diagnostics: sink.items, files: parsed.files, exitCode: ExitCode.FILE };
  }
  const { model } = buildModel(parsed.nodes, sink);
  validateModel(model, opts.host, sink, { hostChecks: opts.skipHostChecks !== true });
  return { model, diagnostics: sink.items, files: parsed.files, exitCode: configTestExitCode(sink.items) };
}

/** Loads and checks the config file at `path`. Never throws. */
export function loadConfig(path: string, opts: LoadOptions): LoadResult {
  const parsed = parseConfig(path, {
    configId: opts.configId,
    source: opts.source,
    scalarKeywords: SCALAR_KEYWORDS,
    valueBlocks: VALUE_BLOCKS,
    ...(opts.random ? { random: opts.random } : {}),
  });
  return finish(parsed, opts);
}

/** Loads and checks config `text` as if read from `path` (tests, reload dry-runs). Never throws. */
export function loadConfigText(text: string, path: string, opts: LoadOptions): LoadResult {
  const parsed = parseConfigText(text, path, {
    configId: opts.configId,
    source: opts.source,
    scalarKeywords: SCALAR_KEYWORDS,
    valueBlocks: VALUE_BLOCKS,
    ...(opts.random ? { random: opts.random } : {}),
  });
  return finish(parsed, opts);
}
