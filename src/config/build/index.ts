/**
 * Tree -> model: reads the ConfigNode tree produced by the parser into a KeepalivedConfig,
 * reporting every keyword-level problem. Pure: no I/O; cross-block rules live in validate.ts.
 */
import { DiagnosticSink, type SourcePos } from '../diagnostics.js';
import type { KeepalivedConfig, OpaqueBlock, VrrpInstance } from '../model.js';
import { GLOBAL_DEFS, TOP_LEVEL } from '../schema/index.js';
import type { BlockSpec } from '../schema/types.js';
import type { ConfigNode } from '../tree.js';
import { type BuildContext, type Draft, newDraft, readBlock } from './block.js';
import { instanceFamily } from './family.js';
import { ipFamily, readInt } from './values.js';

const NAMED_BLOCKS = new Set([
  'vrrp_instance',
  'vrrp_script',
  'track_file',
  'vrrp_track_process',
  'vrrp_sync_group',
  'virtual_server_group',
]);
const CHECKER_NAMES = new Set([
  'HTTP_GET',
  'SSL_GET',
  'TCP_CHECK',
  'SMTP_CHECK',
  'MISC_CHECK',
  'DNS_CHECK',
  'UDP_CHECK',
  'PING_CHECK',
  'FILE_CHECK',
  'BFD_CHECK',
]);

function readPort(node: ConfigNode, index: number, sink: DiagnosticSink): number | undefined {
  const t = node.args[index];
  if (t === undefined) return undefined;
  const r = readInt(t.text, 0, 65535);
  if (!r.ok) {
    sink.error(t.pos, `invalid port '${t.text}' (0..65535)`, { code: 'invalid-value' });
    return undefined;
  }
  return r.value;
}

/** Reads the arguments of a named block into its draft; undefined drops the block. */
function finish(sink: DiagnosticSink) {
  return (block: BlockSpec, node: ConfigNode, d: Draft): Draft | undefined => {
    const kw = node.keyword.text;
    if (NAMED_BLOCKS.has(block.name)) {
      const name = node.args[0];
      if (name === undefined) {
        sink.error(
          node.keyword.pos,
          `${kw} needs a name (keepalived stops reading the config here: exit 2)`,
          {
            code: 'missing-name',
            class: 'missing-parameter',
          },
        );
        return undefined;
      }
      d.name = name.text;
      d.kind = block.name;
      if (block.name === 'virtual_server_group') d.members = d.lines ?? [];
      delete d.lines;
      return d;
    }
    if (block.name === 'virtual_server' || block.name === 'real_server') {
      d.kind = block.name;
      const a = node.args[0];
      if (a === undefined) {
        sink.error(
          node.keyword.pos,
          `${kw} needs an address (keepalived stops reading the config here: exit 2)`,
          {
            code: 'missing-value',
            class: 'missing-parameter',
          },
        );
        return undefined;
      }
      if (block.name === 'virtual_server' && (a.text === 'fwmark' || a.text === 'group')) {
        const v = node.args[1];
        if (v === undefined) {
          sink.error(a.pos, `'virtual_server ${a.text}' needs a value`, { code: 'missing-value' });
          return undefined;
        }
        if (a.text === 'group') d.address = { kind: 'group', group: v.text };
        else {
          const r = readInt(v.text, 1, 4294967295);
          if (!r.ok) {
            sink.error(v.pos, `invalid fwmark '${v.text}'`, { code: 'invalid-value' });
            return undefined;
          }
          d.address = { kind: 'fwmark', fwmark: r.value };
        }
        return d;
      }
      const family = ipFamily(a.text);
      if (family === undefined) {
        sink.error(a.pos, `invalid ${kw} address '${a.text}'`, { code: 'invalid-address' });
        return undefined;
      }
      const port = readPort(node, 1, sink);
      const addr = { address: a.text, family, ...(port !== undefined ? { port } : {}) };
      if (block.name === 'virtual_server') {
        d.address = { kind: 'ip', ...addr };
      } else Object.assign(d, addr);
      return d;
    }
    if (CHECKER_NAMES.has(block.name)) {
      d.type = block.name;
      return d;
    }
    return d;
  };
}

/** Instance defaults that depend on other fields or on global_defs (keepalived 2.2.7 vrrp_parser.c). */
function completeInstance(d: Draft, globalVersion: 2 | 3): void {
  // `state MASTER` without a priority makes the instance the address owner (priority 255).
  d.priority ??= d.state === 'MASTER' ? 255 : 100;
  d.versionSource = d.version === undefined ? 'global' : 'instance';
  d.version ??= globalVersion;
  // VRRPv2 is IPv4-only (RFC 3768): keepalived runs an IPv6 instance as version 3.
  if (d.version === 2 && instanceFamily(d as unknown as VrrpInstance)?.family === 6) {
    d.version = 3;
    d.versionSource = 'ipv6';
  }
}

export interface BuildResult {
  readonly model: KeepalivedConfig;
  readonly diagnostics: DiagnosticSink;
}

/** Builds the model from a parsed tree. `sink` receives the diagnostics (a new one if omitted). */
export function buildModel(nodes: readonly ConfigNode[], sink = new DiagnosticSink()): BuildResult {
  const topPos: SourcePos = nodes[0]?.keyword.pos ?? { file: '', line: 1, column: 1 };
  const ctx: BuildContext = { sink, finish: finish(sink) };
  const top = readBlock(nodes, TOP_LEVEL, newDraft(topPos), ctx);
  const globalDefs =
    (top.globalDefs as Draft | undefined) ?? readBlock([], GLOBAL_DEFS, newDraft(topPos), ctx);
  const instances = (top.instances as Draft[] | undefined) ?? [];
  for (const i of instances) completeInstance(i, globalDefs.vrrpVersion as 2 | 3);
  for (const vs of (top.virtualServers as Draft[] | undefined) ?? []) {
    // keepalived 2.2.7: "no protocol set - defaulting to UDP" (validate.ts reports it).
    vs.protocol ??= 'UDP';
    for (const rs of (vs.realServers as Draft[] | undefined) ?? []) rs.checkers ??= [];
  }
  const opaque: OpaqueBlock[] = Object.entries(top.unimplemented).map(([keyword, args]) => ({
    keyword,
    args,
    pos: top.keyPos[`unimplemented.${keyword}`] ?? topPos,
    keyPos: {},
  }));
  // bfd_instance is not implemented, but keepalived 2.2.7 rejects one without a neighbor and
  // references to undefined ones (track_bfd, BFD_CHECK name).
  const bfdInstances: { name: string; pos: SourcePos }[] = [];
  for (const n of nodes) {
    if (n.keyword.text !== 'bfd_instance' || n.children === undefined) continue;
    const name = n.args[0]?.text;
    if (name !== undefined) bfdInstances.push({ name, pos: n.keyword.pos });
    if (!n.children.some((c) => c.keyword.text === 'neighbor_ip' && c.args.length > 0)) {
      sink.error(n.keyword.pos, `bfd_instance ${name ?? ''} has no neighbor_ip (keepalived disables it)`, {
        code: 'bfd-no-neighbor',
      });
    }
  }
  // Other blocks vigil does not implement yet, checked as far as keepalived -t rejects them.
  const opaqueInterfaces: { name: string; block: string; pos: SourcePos }[] = [];
  for (const n of nodes) {
    const kids = n.children ?? [];
    const has = (k: string) => kids.some((c) => c.keyword.text === k);
    const k = n.keyword.text;
    if (k === 'garp_group' && !has('garp_interval') && !has('gna_interval')) {
      sink.error(n.keyword.pos, 'garp_group has no garp_interval or gna_interval (keepalived removes it)', {
        code: 'garp-group-no-delay',
      });
    }
    if (k === 'track_group' && (n.args.length === 0 || !has('group'))) {
      sink.error(n.keyword.pos, 'track_group needs a name and a group { ... } of instances', {
        code: 'track-group-incomplete',
      });
    }
    if (k === 'linkbeat_interfaces' || k === 'interface_up_down_delays') {
      for (const c of kids) opaqueInterfaces.push({ name: c.keyword.text, block: k, pos: c.keyword.pos });
    }
  }
  const model = {
    bfdInstances,
    opaqueInterfaces,
    globalDefs,
    staticIpaddress: top.staticIpaddress ?? [],
    staticRoutes: top.staticRoutes ?? [],
    staticRules: top.staticRules ?? [],
    vrrpScripts: top.vrrpScripts ?? [],
    trackFiles: top.trackFiles ?? [],
    trackProcesses: top.trackProcesses ?? [],
    syncGroups: top.syncGroups ?? [],
    instances: instances as unknown as VrrpInstance[],
    virtualServerGroups: top.virtualServerGroups ?? [],
    virtualServers: top.virtualServers ?? [],
    ...(top.ssl !== undefined ? { ssl: top.ssl } : {}),
    opaque,
  } as unknown as KeepalivedConfig;
  return { model, diagnostics: sink };
}
