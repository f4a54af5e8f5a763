/** The keepalived.conf top level: which blocks exist and which table reads each. */
import { GLOBAL_DEFS, OPAQUE_TOP_BLOCKS, TOP_LEVEL_GLOBALS } from './global.js';
import { CHECKERS, VIRTUAL_SERVER } from './lvs.js';
import { type BlockSpec, type KeywordSpec, special, str } from './types.js';
import { SYNC_GROUP, TRACK_FILE, TRACK_PROCESS, VRRP_INSTANCE, VRRP_SCRIPT } from './vrrp.js';

/** The `SSL { ... }` block: client certificate material for SSL_GET checkers. */
export const SSL: BlockSpec = {
  name: 'SSL',
  keywords: [
    str('password', 'password', { bare: 'error' }),
    str('ca', 'ca', { bare: 'error' }),
    str('certificate', 'certificate', { bare: 'error' }),
    str('key', 'key', { bare: 'error' }),
  ],
};

export const VIRTUAL_SERVER_GROUP: BlockSpec = {
  name: 'virtual_server_group',
  keywords: [],
  valueLines: true,
};

export const TOP_LEVEL: BlockSpec = {
  name: 'the top level',
  keywords: [
    { name: 'global_defs', kind: { t: 'block', block: GLOBAL_DEFS }, field: 'globalDefs' },
    special('static_ipaddress', 'vips', 'staticIpaddress', { default: [] }),
    special('static_routes', 'routes', 'staticRoutes', { default: [] }),
    special('static_rules', 'rules', 'staticRules', { default: [] }),
    { name: 'vrrp_script', kind: { t: 'block', block: VRRP_SCRIPT, multi: true }, field: 'vrrpScripts' },
    { name: 'track_file', kind: { t: 'block', block: TRACK_FILE, multi: true }, field: 'trackFiles' },
    { name: 'vrrp_track_file', kind: { t: 'words' }, deprecatedFor: 'track_file' },
    {
      name: 'vrrp_track_process',
      kind: { t: 'block', block: TRACK_PROCESS, multi: true },
      field: 'trackProcesses',
    },
    { name: 'vrrp_sync_group', kind: { t: 'block', block: SYNC_GROUP, multi: true }, field: 'syncGroups' },
    { name: 'vrrp_instance', kind: { t: 'block', block: VRRP_INSTANCE, multi: true }, field: 'instances' },
    {
      name: 'virtual_server_group',
      kind: { t: 'block', block: VIRTUAL_SERVER_GROUP, multi: true },
      field: 'virtualServerGroups',
    },
    {
      name: 'virtual_server',
      kind: { t: 'block', block: VIRTUAL_SERVER, multi: true },
      field: 'virtualServers',
    },
    { name: 'SSL', kind: { t: 'block', block: SSL }, field: 'ssl' },
    ...OPAQUE_TOP_BLOCKS,
    ...TOP_LEVEL_GLOBALS,
  ],
};

/** Special readers of one-line values (the others may be followed by a block). */
const SCALAR_READERS: ReadonlySet<string> = new Set(['lvs-method']);

/**
 * Calls `visit` once for every keyword of every block reachable from the top level (and, with
 * `checkers`, of the checker blocks), with the keyword of the block it is in ('' at the top).
 */
function eachKeyword(visit: (k: KeywordSpec, parent: string) => void, checkers: boolean): void {
  const seen = new Set<BlockSpec>();
  const walk = (b: BlockSpec, parent: string): void => {
    if (seen.has(b)) return;
    seen.add(b);
    for (const k of b.keywords) {
      visit(k, parent);
      if (k.kind.t === 'block') walk(k.kind.block, k.name);
    }
  };
  walk(TOP_LEVEL, '');
  if (checkers) for (const [name, b] of Object.entries(CHECKERS)) walk(b, name);
}

/**
 * Keywords that never take a block anywhere in the schema. keepalived 2.2.7 (lib/parser.c
 * process_stream) lets a `{` on the line after a keyword open that keyword's block only when the
 * keyword has one; after any other keyword a line starting with `{` is "Unexpected '{' -
 * ignoring" and the line is skipped. The tree builder needs this list to do the same.
 */
export const SCALAR_KEYWORDS: ReadonlySet<string> = (() => {
  const scalar = new Set<string>();
  const blockish = new Set<string>(Object.keys(CHECKERS));
  eachKeyword((k) => {
    const t = k.kind.t;
    if (t === 'block' || t === 'lines' || (t === 'special' && !SCALAR_READERS.has(k.kind.reader)))
      blockish.add(k.name);
    else scalar.add(k.name);
  }, true);
  for (const n of blockish) scalar.delete(n);
  return scalar;
})();

/** The special readers whose keyword keepalived reads with alloc_value_block (lib/parser.c). */
const VALUE_BLOCK_READERS: ReadonlySet<string> = new Set([
  'vips',
  'routes',
  'rules',
  'track-list',
  'track-interface',
  'peers',
  'sync-members',
]);

/**
 * Value blocks, as `PARENT KEYWORD` (PARENT is the enclosing block's keyword, '' at the top level):
 * keepalived 2.2.7 reads them with alloc_value_block, line by line until a line ending in `}`, so
 * a `{` inside one opens nothing and the first `}` closes it (a missing `}` there does not make
 * it swallow the next block).
 */
export const VALUE_BLOCKS: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  eachKeyword((k, parent) => {
    const kind = k.kind;
    if (
      (kind.t === 'lines' && k.notImplemented !== true) ||
      (kind.t === 'special' && VALUE_BLOCK_READERS.has(kind.reader))
    )
      out.add(`${parent} ${k.name}`);
  }, false);
  return out;
})();

export { GLOBAL_DEFS } from './global.js';
export { CHECKERS, REAL_SERVER, VIRTUAL_SERVER } from './lvs.js';
export * from './types.js';
export { SYNC_GROUP, TRACK_FILE, TRACK_PROCESS, VRRP_INSTANCE, VRRP_SCRIPT } from './vrrp.js';
