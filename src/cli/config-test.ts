/**
 * `vigil -t -f FILE [-i ID] [--json] [--strict]`: check a config like `keepalived -t`. Thin: the pipeline is
 * src/config/load.ts; this module only gathers host facts, prints and picks the exit status.
 */
import { hostname } from 'node:os';
import { planChecks } from '../check/plan.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { fsConfigSource } from '../config/fs-source.js';
import { readHostFacts } from '../config/host-facts.js';
import { loadConfig, strictResult } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { summarizeModel } from '../config/summary.js';
import type { DaemonOptions } from './args.js';

/**
 * What the nftables LVS driver cannot hold of this config, when that driver would run (forced by
 * --lvs-driver=nftables, or the kernel has no IPVS); undefined otherwise.
 */
async function lvsDriverWarning(
  model: KeepalivedConfig,
  forced: DaemonOptions['lvsDriver'],
): Promise<string | undefined> {
  if (forced === 'ipvs') return undefined;
  const { chooseLvsDriver, planUnsupported } = await import('../lvs/select.js');
  const choice = await chooseLvsDriver(forced);
  if (choice.kind !== 'nftables') return undefined;
  const reason = planUnsupported(planChecks(model, { hostname: hostname() }));
  return reason === undefined ? undefined : `nftables LVS driver (${choice.why}): ${reason}`;
}

export async function runConfigTest(opts: DaemonOptions): Promise<number> {
  const configId = opts.configId ?? hostname().split('.')[0] ?? '';
  const loaded = loadConfig(opts.configFile, { configId, source: fsConfigSource(), host: readHostFacts() });
  const result = opts.strict ? strictResult(loaded) : loaded;
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.model !== undefined) {
    if (opts.json) process.stdout.write(`${JSON.stringify(result.model, null, 2)}\n`);
    else process.stdout.write(summarizeModel(result.model));
  }
  if (result.model !== undefined && result.model.virtualServers.length > 0) {
    const w = await lvsDriverWarning(result.model, opts.lvsDriver);
    // A warning only: -t's exit status stays keepalived's.
    if (w !== undefined) process.stderr.write(`${opts.configFile}: warning: ${w}\n`);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  process.stderr.write(
    `${opts.configFile}: ${errors === 0 ? 'configuration OK' : `${errors} error(s)`}` +
      `${warnings > 0 ? `, ${warnings} warning(s)` : ''} (exit ${result.exitCode})\n`,
  );
  return result.exitCode;
}
