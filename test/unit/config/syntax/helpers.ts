/** Shared helpers for the syntax-layer tests. */
import { memoryConfigSource } from '../../../../src/config/fs-source.js';
import { type ParseResult, parseConfig } from '../../../../src/config/parser.js';
import type { ConfigNode } from '../../../../src/config/tree.js';

export const MAIN = '/etc/keepalived/keepalived.conf';

/** Parse `text` as the main file, with optional extra in-memory files. */
export function parse(text: string, extra: Record<string, string> = {}, configId = 'main'): ParseResult {
  return parseConfig(MAIN, {
    configId,
    source: memoryConfigSource({ [MAIN]: text, ...extra }),
    random: () => 0.5,
  });
}

/** A node (and its block) as nested plain arrays of words, for compact assertions. */
export type Shape = string | Shape[];
export function shape(nodes: readonly ConfigNode[]): Shape[] {
  const out: Shape[] = [];
  for (const n of nodes) {
    out.push([n.keyword.text, ...n.args.map((a) => a.text)].join(' '));
    if (n.children) out.push(shape(n.children));
  }
  return out;
}

export function errors(r: ParseResult): string[] {
  return r.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.pos.line}:${d.pos.column} ${d.message}`);
}

export function warnings(r: ParseResult): string[] {
  return r.diagnostics
    .filter((d) => d.severity === 'warning')
    .map((d) => `${d.pos.line}:${d.pos.column} ${d.message}`);
}
