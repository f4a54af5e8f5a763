/**
 * The firewall for instances not in accept mode (RFC 5798 6.4.3: a master that is not the address
 * owner must not accept packets addressed to its VIPs unless Accept_Mode is set), as keepalived
 * 2.2.7 builds it with its `nftables` keyword: per address family a table named after the keyword
 * ("keepalived" by default) with a set of VIPs and drop rules on input (daddr) and output (saddr);
 * IPv6 lets neighbour discovery through and matches link-local VIPs together with their interface.
 *
 * Pure: computes the whole desired ruleset from the settings and the instances that need it, and
 * the one `nft -f` transaction that goes from what is applied to what is desired. The edge that
 * runs `nft` is src/daemon/nft.ts.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { InstancePlan } from './plan.js';

/** keepalived's DEFAULT_NFTABLES_TABLE. */
export const DEFAULT_TABLE = 'keepalived';

export interface FirewallSettings {
  /** The table name (one table of family ip, one of family ip6). */
  readonly table: string;
  /** The base chains' priority (keepalived: -1, i.e. just before the filter tables). */
  readonly priority: number;
  /** nftables_counters: a counter on every rule. */
  readonly counters: boolean;
  /** nftables_ifindex: link-local VIPs always matched by interface index. */
  readonly ifindex: boolean;
}

/**
 * The settings keepalived 2.2.7 (Debian: built with nftables, without iptables) uses, and what it
 * logs about them: `nftables [TABLE]`; `vrrp_iptables` means the default table; an instance not in
 * accept mode without either also means the default table.
 */
export function planFirewall(
  model: KeepalivedConfig,
  plans: readonly InstancePlan[],
): { settings: FirewallSettings | null; notes: string[] } {
  const g = model.globalDefs;
  const notes: string[] = [];
  let table = g.vrrpIptables !== undefined ? DEFAULT_TABLE : g.nftables;
  if (table === undefined && plans.some(needsFirewall)) {
    notes.push('use_vmac or no_accept/strict specified, but no firewall configured - using nftables');
    table = DEFAULT_TABLE;
  }
  if (table === undefined) return { settings: null, notes };
  return {
    settings: {
      table,
      priority: g.nftablesPriority ?? -1,
      counters: g.nftablesCounters,
      ifindex: g.nftablesIfindex,
    },
    notes,
  };
}

/** keepalived vrrp_handle_accept_mode: the address owner (priority 255) and accept mode need no rules. */
export function needsFirewall(plan: InstancePlan): boolean {
  return !plan.accept && plan.params.basePriority !== 255;
}

/** One instance that needs the firewall; `blocked` while it holds its VIPs (MASTER). */
export interface FirewalledInstance {
  readonly plan: InstancePlan;
  readonly blocked: boolean;
}

export interface NftSet {
  readonly name: string;
  readonly type: string;
  readonly constant?: boolean;
  /** Elements in nft syntax, sorted and unique. */
  readonly elements: readonly string[];
}

export interface NftTable {
  readonly family: 'ip' | 'ip6';
  readonly name: string;
  readonly sets: readonly NftSet[];
  /** Chains in nft syntax, in creation order. */
  readonly chains: readonly { readonly name: string; readonly body: readonly string[] }[];
}

interface Entry {
  readonly address: string;
  readonly family: 4 | 6;
  readonly dev: string;
  /** Link-local, matched with the interface name (else its index). */
  readonly byName: boolean;
  readonly blocked: boolean;
}

const isLinkLocal = (a: string) => /^fe[89ab][0-9a-f]:/i.test(a);

/**
 * keepalived nft_update_ipv6_address: a link-local VIP is matched with its interface's name when
 * nftables_ifindex is not set, the instance has dont_track_primary, and the VIP is on the
 * instance's interface or marked no_track; otherwise with the interface index.
 */
function entries(settings: FirewallSettings, instances: readonly FirewalledInstance[]): Entry[] {
  return instances.flatMap(({ plan, blocked }) =>
    plan.params.vips.map((v) => ({
      address: v.spec.address.toLowerCase(),
      family: v.spec.family,
      dev: v.dev,
      byName:
        !settings.ifindex &&
        plan.dontTrackPrimary &&
        (v.dev === plan.interface || v.spec.flags.includes('no_track')),
      blocked,
    })),
  );
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * The whole desired ruleset: a table per family that some firewalled instance has VIPs of, each
 * VIP in its set while its instance is blocked. The shape depends only on the configuration, so
 * that a transition only changes set elements.
 */
export function desiredTables(
  settings: FirewallSettings,
  instances: readonly FirewalledInstance[],
): NftTable[] {
  const all = entries(settings, instances);
  const c = settings.counters ? 'counter ' : '';
  const set = (name: string, type: string, f: (e: Entry) => boolean, fmt = (e: Entry) => e.address) => ({
    name,
    type,
    elements: sorted(all.filter((e) => e.blocked && f(e)).map(fmt)),
  });
  // keepalived creates "out" before "in"; each base chain hooks in just before the filter tables.
  const base = (dir: Dir, rules: (d: (typeof DIRS)[Dir]) => string[]) => ({
    name: dir,
    body: [
      `type filter hook ${DIRS[dir].hook} priority ${settings.priority}; policy accept;`,
      ...rules(DIRS[dir]),
    ],
  });
  const tables: NftTable[] = [];
  if (all.some((e) => e.family === 4)) {
    tables.push({
      family: 'ip',
      name: settings.table,
      sets: [set('vips', 'ipv4_addr', (e) => e.family === 4)],
      chains: (['out', 'in'] as const).map((dir) => base(dir, (d) => [`ip ${d.addr} @vips ${c}drop`])),
    });
  }
  const ll = all.filter((e) => e.family === 6 && isLinkLocal(e.address));
  const byIndex = ll.some((e) => !e.byName);
  const byName = ll.some((e) => e.byName);
  const llElem = (e: Entry) => `${e.address} . ${JSON.stringify(e.dev)}`;
  if (all.some((e) => e.family === 6)) {
    tables.push({
      family: 'ip6',
      name: settings.table,
      sets: [
        set('vips', 'ipv6_addr', (e) => e.family === 6 && !isLinkLocal(e.address)),
        ND_SET,
        ...(byIndex
          ? [set('vips_link_local', 'ipv6_addr . iface_index', (e) => ll.includes(e) && !e.byName, llElem)]
          : []),
        ...(byName
          ? [set('vips_link_local_name', 'ipv6_addr . ifname', (e) => ll.includes(e) && e.byName, llElem)]
          : []),
      ],
      chains: [
        ...(['out', 'in'] as const).map((dir) =>
          base(dir, (d) => [
            `icmpv6 type @neighbor-discovery ${c}accept`,
            `ip6 ${d.addr} fe80::/10 ${c}goto ${dir}_link_local`,
            `ip6 ${d.addr} @vips ${c}drop`,
          ]),
        ),
        // Link-local VIPs match together with the interface they are on.
        ...(['in', 'out'] as const).map((dir) => {
          const d = DIRS[dir];
          return {
            name: `${dir}_link_local`,
            body: [
              ...(byIndex ? [`ip6 ${d.addr} . ${d.iface} @vips_link_local ${c}drop`] : []),
              ...(byName ? [`ip6 ${d.addr} . ${d.iface}name @vips_link_local_name ${c}drop`] : []),
            ],
          };
        }),
      ],
    });
  }
  return tables;
}

type Dir = 'in' | 'out';
const DIRS = {
  in: { hook: 'input', addr: 'daddr', iface: 'iif' },
  out: { hook: 'output', addr: 'saddr', iface: 'oif' },
} as const;

/** Neighbour discovery to and from a VIP is never dropped. */
const ND_SET: NftSet = {
  name: 'neighbor-discovery',
  type: 'icmpv6_type',
  constant: true,
  elements: ['nd-neighbor-solicit', 'nd-neighbor-advert'],
};

const setElements = (s: NftSet) => (s.elements.length > 0 ? ` elements = { ${s.elements.join(', ')} };` : '');

/** A table in nft syntax (the `nft -f` input that creates it). */
export function renderTable(t: NftTable): string {
  const lines = [`table ${t.family} ${t.name} {`];
  for (const s of t.sets) {
    lines.push(`  set ${s.name} { type ${s.type};${s.constant ? ' flags constant;' : ''}${setElements(s)} }`);
  }
  for (const ch of t.chains) {
    lines.push(`  chain ${ch.name} {`, ...ch.body.map((l) => `    ${l}`), '  }');
  }
  lines.push('}');
  return lines.join('\n');
}

const key = (t: NftTable) => `${t.family} ${t.name}`;
const shape = (t: NftTable) => JSON.stringify({ ...t, sets: t.sets.map((s) => ({ ...s, elements: [] })) });

/**
 * The one atomic `nft -f` transaction from `applied` (what vigil created) to `desired`, or '' when
 * nothing changes. A table whose shape is unchanged only has its changed sets refilled (its
 * counters survive); any other table of ours is replaced whole (`table X {}` then `delete table X`
 * clears it whether it exists or not, e.g. one left by a crashed daemon). Tables vigil did not
 * create under another name are never named.
 */
export function nftTransaction(applied: readonly NftTable[], desired: readonly NftTable[]): string {
  const before = new Map(applied.map((t) => [key(t), t]));
  const after = new Set(desired.map(key));
  const out: string[] = [];
  const drop = (family: string, name: string) =>
    out.push(`table ${family} ${name} {}`, `delete table ${family} ${name}`);
  for (const t of applied) if (!after.has(key(t))) drop(t.family, t.name);
  for (const t of desired) {
    const old = before.get(key(t));
    if (old !== undefined && shape(old) === shape(t)) {
      t.sets.forEach((s, i) => {
        const was = old.sets[i]!;
        if (JSON.stringify(was.elements) === JSON.stringify(s.elements)) return;
        out.push(`flush set ${t.family} ${t.name} ${s.name}`);
        if (s.elements.length > 0)
          out.push(`add element ${t.family} ${t.name} ${s.name} { ${s.elements.join(', ')} }`);
      });
      continue;
    }
    drop(t.family, t.name);
    out.push(renderTable(t));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
