/**
 * virtual_routes: from the config model's route (kept close to `ip route` syntax) to what
 * rtnetlink needs, with the output device still a name (resolved at the edge). Pure.
 *
 * keepalived.conf(5): `src ADDR [to] ADDR/MASK via|gw ADDR dev STRING scope SCOPE table ID
 * metric N`, plus blackhole/unreachable/prohibit routes. Routes are added when the instance
 * becomes MASTER, after its addresses, and removed when it leaves MASTER.
 */
import type { RouteSpec as ConfigRoute } from '../config/model.js';
import { type RouteSpec as KernelRoute, parseScope, type RouteType } from '../kernel/netlink-codec.js';
import type { IpFamily } from '../net/addr.js';

/** A kernel route without its interface index, plus the device name. */
export interface PlannedRoute {
  readonly route: Omit<KernelRoute, 'oif'>;
  readonly dev: string | undefined;
  /** For logs: the route as written. */
  readonly text: string;
}

const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const TYPES = new Set<string>(['unicast', 'blackhole', 'unreachable', 'prohibit']);

export function planRoute(r: ConfigRoute, instanceInterface: string): PlannedRoute | Error {
  const family: IpFamily = r.family === 4 ? 'ipv4' : 'ipv6';
  const [dstText, lenText] = r.destination === 'default' ? [undefined, '0'] : r.destination.split('/');
  const max = family === 'ipv4' ? 32 : 128;
  const prefixLength = lenText === undefined ? max : Number(lenText);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    return new Error(`bad prefix in '${r.destination}'`);
  }
  const opt = (name: string): string | undefined => {
    const i = r.options.indexOf(name);
    return i >= 0 ? r.options[i + 1] : undefined;
  };
  let table: number | undefined;
  if (r.table !== undefined) {
    table = TABLES[r.table] ?? Number(r.table);
    if (!Number.isInteger(table) || table < 0) return new Error(`bad table '${r.table}'`);
  }
  const scopeText = opt('scope');
  const scope = scopeText === undefined ? undefined : parseScope(scopeText);
  if (scopeText !== undefined && scope === undefined) return new Error(`bad scope '${scopeText}'`);
  const metricText = opt('metric') ?? opt('preference') ?? opt('priority');
  const metric = metricText === undefined ? undefined : Number(metricText);
  if (metric !== undefined && !Number.isInteger(metric)) return new Error(`bad metric '${metricText}'`);
  if (!TYPES.has(r.type)) return new Error(`route type '${r.type}' is not supported`);
  const type = r.type as RouteType;
  // A unicast route with neither gateway nor device goes out of the instance's interface.
  const dev = r.dev ?? (r.via === undefined && type === 'unicast' ? instanceInterface : undefined);
  return {
    route: {
      family,
      ...(dstText !== undefined ? { dst: dstText } : {}),
      prefixLength,
      ...(r.via !== undefined ? { gateway: r.via } : {}),
      ...(table !== undefined ? { table } : {}),
      ...(scope !== undefined ? { scope } : {}),
      ...(r.src !== undefined ? { src: r.src } : {}),
      ...(metric !== undefined ? { metric } : {}),
      type,
    },
    dev,
    text: [r.destination, ...r.options].join(' '),
  };
}
