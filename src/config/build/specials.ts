/**
 * Readers for values with their own little syntax: address lists, routes, rules, track lists,
 * weights, sync-group members, status codes... Each reports problems with the exact token position.
 */

import { isValidInterfaceName } from '../../net/link.js';
import type { SourcePos } from '../diagnostics.js';
import type {
  IpAddressSpec,
  LvsTunnel,
  LvsTunnelChecksum,
  LvsTunnelType,
  RouteSpec,
  RuleSpec,
  TrackRef,
} from '../model.js';
import type { BlockSpec, KeywordSpec, SpecialReader } from '../schema/types.js';
import type { ConfigNode, Token } from '../tree.js';
import { type BuildContext, type Draft, reportBare } from './block.js';
import { ipFamily, readDecimal, readInt, readPrefix } from './values.js';

/** The words of each line of a `{ ... }` value block, keyword included. */
function lines(node: ConfigNode, kw: KeywordSpec, ctx: BuildContext): Token[][] | undefined {
  if (node.children === undefined) {
    // keepalived 2.2.7 ignores a list keyword written without its block.
    const message = `'${kw.name}' needs a { ... } block`;
    if (kw.bare === 'accepted')
      ctx.sink.warning(node.keyword.pos, `${message}; the line is ignored`, { code: 'missing-block' });
    else ctx.sink.error(node.keyword.pos, message, { code: 'missing-block' });
    return undefined;
  }
  return node.children.map((c) => [c.keyword, ...c.args]);
}

/** Weight ranges by block (keepalived.conf(5)). */
const WEIGHT_RANGE: Record<string, [number, number]> = {
  vrrp_script: [-253, 253],
  vrrp_track_process: [-254, 254],
  track_file: [-254, 254],
  FILE_CHECK: [-2147483647, 2147483647],
  track_interface: [-253, 253],
  track_script: [-253, 253],
  track_file_ref: [-253, 253],
  track_process: [-254, 254],
  track_bfd: [-253, 253],
};

const ADDRESS_OPTIONS_WITH_VALUE = new Set([
  'dev',
  'label',
  'scope',
  'brd',
  'broadcast',
  'peer',
  'preferred_lft',
  'track_group',
]);

function readAddress(words: Token[], ctx: BuildContext, isStatic = false): IpAddressSpec | undefined {
  const first = words[0]!;
  const r = readPrefix(first.text);
  if (!r.ok) {
    ctx.sink.error(first.pos, `invalid IP address '${first.text}'`, { code: 'invalid-address' });
    return undefined;
  }
  const spec: Record<string, unknown> = {
    address: r.value.address,
    family: r.value.family,
    prefixLen: r.value.prefixLen,
    flags: [] as string[],
    pos: first.pos,
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.text;
    // track_group only applies to static addresses (keepalived rejects it on a VIP).
    if (ADDRESS_OPTIONS_WITH_VALUE.has(w) && (isStatic || w !== 'track_group')) {
      const v = words[++i];
      if (v === undefined) {
        ctx.sink.error(words[i - 1]!.pos, `'${w}' needs a value`, { code: 'missing-value' });
        break;
      }
      const key = w === 'brd' ? 'broadcast' : w;
      // `brd +` / `brd -` set or clear the host bits (ip-address(8)); a peer is a plain address.
      const badAddr =
        (key === 'broadcast' && v.text !== '+' && v.text !== '-' && ipFamily(v.text) === undefined) ||
        (key === 'peer' && ipFamily(v.text) === undefined);
      if (badAddr) {
        ctx.sink.error(v.pos, `invalid ${w} address '${v.text}'`, { code: 'invalid-address' });
        continue;
      }
      if (key === 'scope' && !SCOPES.has(v.text) && !(/^\d+$/.test(v.text) && Number(v.text) <= 255)) {
        ctx.sink.error(v.pos, `invalid scope '${v.text}' (host, link, site, global, nowhere or 0..255)`, {
          code: 'invalid-value',
        });
        continue;
      }
      if (key === 'dev' || key === 'label' || key === 'scope' || key === 'broadcast' || key === 'peer')
        spec[key] = v.text;
      else (spec.flags as string[]).push(w, v.text);
    } else if (ADDRESS_FLAGS.has(w)) {
      (spec.flags as string[]).push(w);
    } else {
      ctx.sink.error(words[i]!.pos, `unknown option '${w}' for address ${first.text}`, {
        code: 'unknown-option',
      });
    }
  }
  return spec as unknown as IpAddressSpec;
}

const ADDRESS_FLAGS = new Set(['home', '-nodad', 'nodad', 'noprefixroute', 'autojoin', 'no_track', 'track']);
const SCOPES = new Set(['host', 'link', 'site', 'global', 'nowhere', 'universe']);

const ROUTE_TYPES = new Set([
  'unicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'nat',
]);

function checkAddr(tok: Token | undefined, what: string, ctx: BuildContext): string | undefined {
  if (tok === undefined) return undefined;
  const r = readPrefix(tok.text);
  if (!r.ok) {
    ctx.sink.error(tok.pos, `invalid ${what} address '${tok.text}'`, { code: 'invalid-address' });
    return undefined;
  }
  return tok.text;
}

/** Route options that take one value (keepalived.conf(5) "Static routes", `ip route`). */
const ROUTE_OPTIONS_WITH_VALUE = new Set([
  'table',
  'metric',
  'priority',
  'preference',
  'pref',
  'protocol',
  'scope',
  'tos',
  'dsfield',
  'mtu',
  'hoplimit',
  'advmss',
  'rtt',
  'rttvar',
  'reordering',
  'window',
  'cwnd',
  'ssthresh',
  'realms',
  'rto_min',
  'initcwnd',
  'initrwnd',
  'features',
  'congctl',
  'quickack',
  'fastopen_no_cookie',
  'vrf',
  'weight',
  'track_group',
  'expires',
]);
/** Route options that stand alone. */
const ROUTE_FLAGS = new Set(['onlink', 'no_track', 'append', 'lock', 'ecn', 'nexthop', 'to']);

/**
 * One virtual/static route. The destination is the first bare address (or `default`); `dev` is
 * the route's own interface (a `dev` inside a `nexthop` belongs to that nexthop). Unknown words
 * are errors, as keepalived reads them as a second address.
 */
function readRoute(words: Token[], ctx: BuildContext): RouteSpec | undefined {
  const pos = words[0]!.pos;
  let type = 'unicast';
  let destination: string | undefined;
  let family: 4 | 6 | undefined;
  let inNexthop = false;
  const gateways: Token[] = [];
  const out: Record<string, unknown> = { options: words.map((w) => w.text) };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): Token | undefined => words[++i];
    switch (w.text) {
      case 'src':
        out.src = checkAddr(next(), 'route source', ctx);
        break;
      case 'gw':
      case 'via': {
        if (w.text === 'gw')
          ctx.sink.warning(w.pos, `'gw' for routes is deprecated; use 'via'`, { code: 'deprecated' });
        let t = next();
        if (t?.text === 'inet' || t?.text === 'inet6') t = next();
        const via = checkAddr(t, 'gateway', ctx);
        if (t !== undefined && via !== undefined) gateways.push(t);
        if (!inNexthop) out.via = via;
        break;
      }
      case 'or': {
        ctx.sink.warning(w.pos, `'or' for routes is deprecated; use 'nexthop'`, { code: 'deprecated' });
        const t = next();
        if (checkAddr(t, 'gateway', ctx) !== undefined && t !== undefined) gateways.push(t);
        break;
      }
      case 'dev': {
        const t = next();
        if (t === undefined)
          ctx.sink.error(w.pos, `'dev' needs an interface name`, { code: 'missing-value' });
        else if (!inNexthop) out.dev = t.text;
        break;
      }
      case 'nexthop':
        inNexthop = true;
        break;
      case 'table':
        out.table = next()?.text;
        break;
      default:
        if (ROUTE_OPTIONS_WITH_VALUE.has(w.text)) {
          const v = next();
          if (v === undefined) ctx.sink.error(w.pos, `'${w.text}' needs a value`, { code: 'missing-value' });
          else if (w.text === 'protocol') out.protocol = v.text;
          else if (w.text === 'ssthresh' && v.text === 'lock') next();
        } else if (ROUTE_FLAGS.has(w.text)) {
          // kept in `options`
        } else if (ROUTE_TYPES.has(w.text) && destination === undefined) type = w.text;
        else if (destination === undefined) {
          if (w.text === 'default') destination = w.text;
          else {
            const r = readPrefix(w.text);
            if (!r.ok) {
              ctx.sink.error(w.pos, `invalid route destination '${w.text}'`, { code: 'invalid-address' });
              return undefined;
            }
            destination = w.text;
            family = r.value.family;
          }
        } else {
          ctx.sink.error(w.pos, `unknown route option '${w.text}'`, { code: 'unknown-option' });
          return undefined;
        }
    }
  }
  if (destination === undefined) {
    ctx.sink.error(pos, 'route has no destination', { code: 'invalid-route' });
    return undefined;
  }
  for (const g of gateways) {
    if (family !== undefined && ipFamily(g.text) !== family) {
      ctx.sink.error(g.pos, `gateway ${g.text} and destination ${destination} mix IPv4 and IPv6`, {
        code: 'route-family',
      });
      return undefined;
    }
  }
  return { ...out, type, destination, family: family ?? 4, pos } as unknown as RouteSpec;
}

/** Rule options taking one value (keepalived 2.2.7 vrrp_iprule.c, `ip rule`). */
const RULE_OPTIONS_WITH_VALUE = new Set([
  'tos',
  'dsfield',
  'fwmark',
  'realms',
  'iif',
  'oif',
  'uidrange',
  'suppress_prefixlength',
  'suppress_ifgroup',
  'protocol',
  'track_group',
]);
/** Rule actions: exactly one per rule (keepalived: "Cannot specify more than one of ..."). */
const RULE_ACTIONS_WITH_VALUE = new Set(['table', 'lookup', 'goto']);
const RULE_ACTION_FLAGS = new Set(['nop', 'blackhole', 'prohibit', 'unreachable', 'l3mdev']);
const RULE_FLAGS = new Set(['no_track', 'not', 'inet', 'inet6']);

function readRule(words: Token[], ctx: BuildContext): RuleSpec | undefined {
  const pos = words[0]!.pos;
  const out: Record<string, unknown> = { options: words.map((w) => w.text), pos };
  const families: { fam: 4 | 6; tok: Token }[] = [];
  const actions: Token[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const t = w.text;
    if (t === 'from' || t === 'to') {
      const v = words[++i];
      if (v === undefined) {
        ctx.sink.error(w.pos, `'${t}' needs an address`, { code: 'missing-value' });
        return undefined;
      }
      if (v.text === 'all') continue;
      const r = readPrefix(v.text);
      if (!r.ok) {
        ctx.sink.error(v.pos, `invalid rule ${t} address '${v.text}'`, { code: 'invalid-address' });
        return undefined;
      }
      out[t] = v.text;
      families.push({ fam: r.value.family, tok: v });
    } else if (t === 'preference' || t === 'priority') {
      const v = words[++i];
      const r = v === undefined ? undefined : readInt(v.text, 0, 4294967295);
      if (r?.ok) out.preference = r.value;
      else {
        ctx.sink.error((v ?? w).pos, `invalid rule preference '${v?.text ?? ''}'`, { code: 'invalid-value' });
        return undefined;
      }
    } else if (RULE_ACTIONS_WITH_VALUE.has(t)) {
      const v = words[++i];
      if (v === undefined) {
        ctx.sink.error(w.pos, `'${t}' needs a value`, { code: 'missing-value' });
        return undefined;
      }
      if (t !== 'goto') out.table = v.text;
      actions.push(w);
    } else if (RULE_ACTION_FLAGS.has(t)) {
      actions.push(w);
    } else if (RULE_OPTIONS_WITH_VALUE.has(t)) {
      if (words[++i] === undefined) {
        ctx.sink.error(w.pos, `'${t}' needs a value`, { code: 'missing-value' });
        return undefined;
      }
    } else if (!RULE_FLAGS.has(t)) {
      ctx.sink.error(w.pos, `unknown rule option '${t}'`, { code: 'unknown-option' });
      return undefined;
    }
  }
  if (actions.length === 0) {
    ctx.sink.error(pos, 'rule has no action: add table N (or goto, nop, blackhole, prohibit, unreachable)', {
      code: 'rule-no-action',
    });
    return undefined;
  }
  if (actions.length > 1) {
    ctx.sink.error(
      actions[1]!.pos,
      'a rule takes only one of table/goto/nop/blackhole/prohibit/unreachable/l3mdev',
      {
        code: 'rule-actions',
      },
    );
    return undefined;
  }
  const fam = families[0]?.fam;
  const other = families.find((f) => f.fam !== fam);
  if (other !== undefined) {
    ctx.sink.error(other.tok.pos, 'rule mixes IPv4 and IPv6 addresses', { code: 'rule-family' });
    return undefined;
  }
  return { ...out, family: fam ?? 4 } as unknown as RuleSpec;
}

function readTrackRef(words: Token[], range: [number, number], ctx: BuildContext): TrackRef | undefined {
  const name = words[0]!;
  const ref: { name: string; pos: SourcePos; reverse: boolean; weight?: number } = {
    name: name.text,
    pos: name.pos,
    reverse: false,
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w.text === 'weight') {
      const v = words[++i];
      const r = v === undefined ? undefined : readInt(v.text, range[0], range[1]);
      if (r === undefined) ctx.sink.error(w.pos, `'weight' needs a value`, { code: 'missing-value' });
      else if (!r.ok)
        ctx.sink.error(v!.pos, `weight for '${name.text}': ${r.reason}`, { code: 'invalid-value' });
      else ref.weight = r.value;
    } else if (w.text === 'reverse') ref.reverse = true;
    else
      ctx.sink.error(w.pos, `unexpected '${w.text}' after '${name.text}' (expected weight N or reverse)`, {
        code: 'unexpected-word',
      });
  }
  return ref;
}

const LVS_METHODS = ['NAT', 'DR', 'TUN'];
const TUNNEL_TYPES: readonly LvsTunnelType[] = ['ipip', 'gue', 'gre'];
const TUNNEL_CHECKSUMS: readonly LvsTunnelChecksum[] = ['nocsum', 'csum', 'remcsum'];

/**
 * The words after NAT|DR|TUN: `[type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`, in any order,
 * the last one winning (keepalived 2.2.7 check_parser.c svr_forwarding_handler, which reads them
 * whatever the method). undefined after an error: keepalived keeps the tunnel it had.
 */
function readTunnelOptions(
  words: readonly Token[],
  keyword: string,
  ctx: BuildContext,
): LvsTunnel | undefined {
  let type: LvsTunnelType = 'ipip';
  let typeTok: Token | undefined;
  let port: number | undefined;
  let portTok: Token | undefined;
  let checksum: LvsTunnelChecksum = 'nocsum';
  let csumTok: Token | undefined;
  const fail = (at: Token, message: string) => {
    ctx.sink.error(at.pos, `${keyword}: ${message}`, { code: 'invalid-value' });
    return undefined;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    if (w.text === 'type') {
      if (v === undefined) return fail(w, `missing tunnel type after 'type' (ipip, gue or gre)`);
      const t = TUNNEL_TYPES.find((x) => x === v.text);
      if (t === undefined) return fail(v, `unknown tunnel type '${v.text}' (ipip, gue or gre)`);
      [type, typeTok] = [t, w];
      i++;
    } else if (w.text === 'port') {
      if (v === undefined) return fail(w, `missing gue tunnel port after 'port'`);
      const r = readInt(v.text, 1, 65535);
      if (!r.ok) return fail(v, `invalid gue tunnel port '${v.text}' (1..65535)`);
      [port, portTok] = [r.value, w];
      i++;
    } else {
      const c = TUNNEL_CHECKSUMS.find((x) => x === w.text);
      if (c === undefined)
        return fail(w, `invalid tunnel option '${w.text}' (type, port, nocsum, csum or remcsum)`);
      [checksum, csumTok] = [c, w];
    }
  }
  const at = (...toks: (Token | undefined)[]) => toks.find((t) => t !== undefined) ?? words[0]!;
  if ((type === 'gue') !== (port !== undefined))
    return fail(at(portTok, typeTok), 'gue tunnels require a port, and other tunnels cannot have one');
  if (type === 'ipip' && checksum !== 'nocsum')
    return fail(at(csumTok), 'ipip tunnels do not support a checksum option');
  if (type === 'gre' && checksum === 'remcsum')
    return fail(at(csumTok), 'gre tunnels do not support the remote checksum option');
  return { type, ...(port !== undefined ? { port } : {}), checksum };
}

export function readSpecial(
  reader: SpecialReader,
  node: ConfigNode,
  kw: KeywordSpec,
  block: BlockSpec,
  draft: Draft,
  ctx: BuildContext,
  set: (v: unknown) => void,
): void {
  const pos = node.keyword.pos;
  switch (reader) {
    case 'vips': {
      const ls = lines(node, kw, ctx);
      if (ls)
        set(
          ls.map((l) => readAddress(l, ctx, kw.name === 'static_ipaddress')).filter((x) => x !== undefined),
        );
      return;
    }
    case 'routes': {
      const ls = lines(node, kw, ctx);
      if (ls) set(ls.map((l) => readRoute(l, ctx)).filter((x) => x !== undefined));
      return;
    }
    case 'rules': {
      const ls = lines(node, kw, ctx);
      if (ls) set(ls.map((l) => readRule(l, ctx)).filter((x) => x !== undefined));
      return;
    }
    case 'track-list':
    case 'track-interface': {
      const ls = lines(node, kw, ctx);
      const range = WEIGHT_RANGE[kw.name === 'track_file' ? 'track_file_ref' : kw.name] ?? [-253, 253];
      if (ls) set(ls.map((l) => readTrackRef(l, range, ctx)).filter((x) => x !== undefined));
      return;
    }
    case 'peers': {
      const ls = lines(node, kw, ctx);
      if (!ls) return;
      const peers = [];
      for (const l of ls) {
        // keepalived 2.2.7 reads a peer as ADDR[/LEN] and ignores the length.
        const t0 = l[0]!;
        const t = t0.text.includes('/') ? { ...t0, text: t0.text.slice(0, t0.text.indexOf('/')) } : t0;
        const fam = ipFamily(t.text);
        // Per-peer options: min_ttl N, max_ttl N.
        for (let i = 1; i < l.length; i++) {
          const o = l[i]!;
          const v = l[i + 1];
          if ((o.text === 'min_ttl' || o.text === 'max_ttl') && v !== undefined && readInt(v.text, 0, 255).ok)
            i++;
          else
            ctx.sink.error(o.pos, `unicast peer ${t.text}: unknown or incomplete option '${o.text}'`, {
              code: 'unknown-option',
            });
        }
        if (fam === undefined)
          ctx.sink.error(t.pos, `invalid unicast peer address '${t.text}'`, { code: 'invalid-address' });
        else peers.push({ address: t.text, family: fam, pos: t.pos });
      }
      set(peers);
      return;
    }
    case 'weight': {
      const range = WEIGHT_RANGE[block.name] ?? [-253, 253];
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx);
        return;
      }
      const r = readInt(a.text, range[0], range[1]);
      if (!r.ok) {
        ctx.sink.error(a.pos, `${block.name} weight: ${r.reason}`, { code: 'invalid-value' });
        return;
      }
      const extra = node.args[1];
      if (extra !== undefined && (extra.text !== 'reverse' || node.args.length > 2)) {
        const bad = extra.text === 'reverse' ? node.args[2]! : extra;
        ctx.sink.error(bad.pos, `${block.name} weight: unknown option '${bad.text}' (only 'reverse')`, {
          code: 'unexpected-word',
        });
        return;
      }
      set(r.value);
      draft.weightReverse = extra?.text === 'reverse';
      return;
    }
    case 'sync-members': {
      const ls = lines(node, kw, ctx);
      if (ls) set(ls.flat().map((t) => ({ name: t.text, pos: t.pos })));
      return;
    }
    case 'smtp-server': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx);
        return;
      }
      let port = 25;
      const p = node.args[1];
      if (p !== undefined) {
        const r = readInt(p.text, 1, 65535);
        if (!r.ok) ctx.sink.error(p.pos, `smtp_server port: ${r.reason}`, { code: 'invalid-value' });
        else port = r.value;
      }
      set({ host: a.text, port });
      return;
    }
    case 'script-user': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx, 'a user name');
        return;
      }
      const [uf, gf] = kw.field === 'scriptUser' ? ['scriptUser', 'scriptGroup'] : ['user', 'group'];
      draft[uf] = a.text;
      draft.keyPos[uf] = pos;
      if (node.args[1] !== undefined) draft[gf] = node.args[1].text;
      return;
    }
    case 'status-code': {
      const ranges: [number, number][] = [];
      for (const a of node.args) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(a.text);
        const lo = m ? Number(m[1]) : Number.NaN;
        const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
        if (!m || lo < 100 || hi > 599 || lo > hi) {
          ctx.sink.error(a.pos, `invalid status_code '${a.text}' (100..599 or a range like 200-299)`, {
            code: 'invalid-value',
          });
        } else ranges.push([lo, hi]);
      }
      set(ranges);
      return;
    }
    case 'sorry-server': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx, 'an address');
        return;
      }
      if (ipFamily(a.text) === undefined) {
        ctx.sink.error(a?.pos ?? pos, `invalid sorry_server address '${a?.text ?? ''}'`, {
          code: 'invalid-address',
        });
        return;
      }
      const p = node.args[1];
      const r = p === undefined ? undefined : readInt(p.text, 0, 65535);
      if (r !== undefined && !r.ok)
        ctx.sink.error(p!.pos, `sorry_server port: ${r.reason}`, { code: 'invalid-value' });
      set({ address: a.text, ...(r?.ok ? { port: r.value } : {}), pos });
      return;
    }
    case 'use-vmac': {
      // keepalived reads up to two words: a MAC (it has a ':') and an interface name, either order.
      const v: Record<string, string> = {};
      for (const a of node.args.slice(0, 2)) {
        const isMac = a.text.includes(':');
        if (v[isMac ? 'mac' : 'name'] !== undefined) {
          ctx.sink.error(a.pos, `use_vmac: the ${isMac ? 'MAC address' : 'interface name'} is given twice`, {
            code: 'invalid-value',
          });
          continue;
        }
        const r = isMac ? readVmacAddress(a.text) : undefined;
        if (r !== undefined && !r.ok) {
          ctx.sink.error(a.pos, `use_vmac: ${r.reason} (keepalived ignores it)`, { code: 'invalid-value' });
        } else if (r !== undefined) v.mac = r.value;
        else if (!isValidInterfaceName(a.text)) {
          ctx.sink.error(
            a.pos,
            `use_vmac: interface name '${a.text}' is too long or has invalid characters (keepalived ignores it)`,
            { code: 'invalid-value' },
          );
        } else v.name = a.text;
      }
      set(v);
      return;
    }
    case 'garp-extra-if': {
      // keepalived 2.2.7: `[vrrp_]garp_extra_if [all] SECONDS` (not implemented by vigil: checked only).
      const rest = node.args[0]?.text === 'all' ? node.args.slice(1) : node.args;
      const secs = rest[0];
      if (secs === undefined || !readInt(secs.text, 0, 86400).ok) {
        ctx.sink.error(secs?.pos ?? pos, `${kw.name}: expected [all] SECONDS (0..86400)`, {
          code: 'invalid-value',
        });
      }
      return;
    }
    case 'lvs-method': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx, undefined, block);
        return;
      }
      if (!LVS_METHODS.includes(a.text)) {
        ctx.sink.error(a.pos, `invalid ${kw.name} '${a.text}': expected one of ${LVS_METHODS.join(', ')}`, {
          code: 'invalid-value',
        });
        return;
      }
      // keepalived 2.2.7 sets the method before reading the tunnel options: a bad option keeps it.
      set(a.text);
      const tunnel = readTunnelOptions(node.args.slice(1), kw.name, ctx);
      if (tunnel !== undefined)
        draft[kw.field === 'sorryServerLvsMethod' ? 'sorryServerTunnel' : 'tunnel'] = tunnel;
      return;
    }
    case 'lvs-timeouts': {
      // keepalived 2.2.7: `lvs_timeouts [tcp N] [tcpfin N] [udp N]` (not implemented by vigil: checked only).
      const a = node.args;
      for (let i = 0; i < a.length; i += 2) {
        const v = a[i + 1];
        if (
          !['tcp', 'tcpfin', 'udp'].includes(a[i]!.text) ||
          v === undefined ||
          !readInt(v.text, 0, 2678400).ok
        ) {
          ctx.sink.error(a[i]!.pos, `lvs_timeouts: expected tcp|tcpfin|udp SECONDS pairs`, {
            code: 'invalid-value',
          });
          return;
        }
      }
      return;
    }
    case 'init-file': {
      // keepalived 2.2.7 track_file: `init_file [VALUE] [overwrite]`, VALUE an integer.
      for (const w of node.args) {
        if (w.text !== 'overwrite' && !readInt(w.text, -2147483648, 2147483647).ok) {
          ctx.sink.error(
            w.pos,
            `track_file init_file: '${w.text}' is neither an integer value nor 'overwrite'`,
            {
              code: 'invalid-value',
            },
          );
          return;
        }
      }
      set(node.args.map((t) => t.text));
      return;
    }
    case 'digest': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx);
        return;
      }
      if (!/^[0-9a-f]{32}$/i.test(a.text)) {
        ctx.sink.error(a.pos, `digest '${a.text}' is not an MD5 digest (32 hex digits)`, {
          code: 'invalid-value',
        });
        return;
      }
      const list = (draft.digests as string[] | undefined) ?? [];
      if (list.includes(a.text.toLowerCase())) {
        ctx.sink.error(a.pos, `digest '${a.text}' is a duplicate`, { code: 'duplicate-digest' });
        return;
      }
      list.push(a.text.toLowerCase());
      draft.digests = list;
      draft.keyPos.digests = pos;
      return;
    }
    case 'garp-interval': {
      const a = node.args[0];
      if (a === undefined) {
        reportBare(kw, pos, ctx);
        return;
      }
      // keepalived 2.2.7 reads these in [0.000001, 4294.967295] seconds: 0 is rejected.
      const r = readDecimal(a.text, 0.000001, 4294.967295, 1e6);
      if (!r.ok) {
        const why = r.reason.startsWith('invalid') ? 'not a number' : 'out of range';
        ctx.sink.error(a.pos, `${kw.name} '${a.text}' is invalid (${why}): valid range is ${kw.note ?? ''}`, {
          code: 'invalid-value',
        });
      } else set(r.value);
      return;
    }
  }
}

/**
 * A use_vmac MAC address as keepalived reads it: six octets of one or two hex digits, or five
 * (the VRID becomes the sixth); not multicast, and not an RFC 5798 virtual router MAC
 * (00:00:5e:00:01:xx / 00:00:5e:00:02:xx, which use_vmac without an address uses anyway).
 */
export function readVmacAddress(text: string): { ok: true; value: string } | { ok: false; reason: string } {
  const bad = { ok: false as const, reason: `invalid MAC address '${text}'` };
  if (!/^[0-9a-fA-F:]+$/.test(text)) return bad;
  const parts = text.split(':');
  if (parts.length === 6 && parts[5] === '') parts.pop();
  if ((parts.length !== 5 && parts.length !== 6) || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    return bad;
  const bytes = parts.map((p) => Number.parseInt(p, 16));
  if ((bytes[0]! & 1) !== 0) return { ok: false, reason: `MAC address ${text} is multicast` };
  if (
    bytes[0] === 0 &&
    bytes[1] === 0 &&
    bytes[2] === 0x5e &&
    bytes[3] === 0 &&
    (bytes[4] === 1 || bytes[4] === 2)
  )
    return { ok: false, reason: `MAC address ${text} is an RFC 5798 virtual router address` };
  return { ok: true, value: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':') };
}
