/**
 * The Prometheus text exposition format (version 0.0.4), written straight from a snapshot: one
 * label string per object, reused by each of its families. prom-client's Gauge/Counter path
 * (a hash per label set, then a second formatting pass) took 7-9 times the CPU for the daemon's
 * per-scrape figures (bench/http.ts, bench/README.md); prom-client keeps what it is good at:
 * the process metrics, the transition counter and the checker latency histogram.
 */

/** A label value with `\`, `"` and newline escaped. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** One label, `name="value"`, for joining with commas inside `{...}`. */
export function pair(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

export type FamilyType = 'gauge' | 'counter';

/** One metric family: its header, then samples, each with its `{...}` label string (pair()). */
export class Family {
  private readonly lines: string[];

  constructor(
    readonly name: string,
    type: FamilyType,
    help: string,
  ) {
    this.lines = [
      `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
      `# TYPE ${name} ${type}`,
    ];
  }

  sample(labels: string, value: number): void {
    this.lines.push(`${this.name}${labels} ${formatValue(value)}`);
  }

  /** The family's text, or '' when it has no samples (Prometheus wants no empty families). */
  text(): string {
    return this.lines.length > 2 ? `${this.lines.join('\n')}\n` : '';
  }
}
