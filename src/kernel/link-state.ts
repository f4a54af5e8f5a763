/**
 * Link inventory reducer (pure): folds RTM_NEWLINK/RTM_DELLINK events into a map by ifindex and says
 * which changes matter to VRRP. A link is usable when it is administratively up and running
 * (IFF_UP && IFF_RUNNING), the test keepalived applies to interfaces and track_interface.
 */
import type { LinkEvent, LinkInfo } from './netlink-codec.js';

export type LinkChangeKind = 'added' | 'removed' | 'up' | 'down' | 'renamed';

export interface LinkChange {
  readonly kind: LinkChangeKind;
  readonly link: LinkInfo;
  readonly previous?: LinkInfo;
}

export function isLinkUsable(link: LinkInfo): boolean {
  return link.up && link.running;
}

/** Applies one event to `links` (mutated) and returns the changes it caused, in a stable order. */
export function applyLinkEvent(links: Map<number, LinkInfo>, event: LinkEvent): LinkChange[] {
  const previous = links.get(event.link.ifindex);
  if (event.kind === 'del') {
    if (!previous) return [];
    links.delete(event.link.ifindex);
    return [{ kind: 'removed', link: previous }];
  }
  links.set(event.link.ifindex, event.link);
  if (!previous) return [{ kind: 'added', link: event.link }];
  const changes: LinkChange[] = [];
  if (previous.name !== event.link.name) changes.push({ kind: 'renamed', link: event.link, previous });
  const was = isLinkUsable(previous);
  const is = isLinkUsable(event.link);
  if (was !== is) changes.push({ kind: is ? 'up' : 'down', link: event.link, previous });
  return changes;
}

/** Replaces the inventory with a fresh dump (after lost events) and returns what differed. */
export function resyncLinks(links: Map<number, LinkInfo>, dump: readonly LinkInfo[]): LinkChange[] {
  const changes: LinkChange[] = [];
  const seen = new Set<number>();
  for (const link of dump) {
    seen.add(link.ifindex);
    changes.push(...applyLinkEvent(links, { kind: 'new', link }));
  }
  for (const [ifindex, link] of [...links]) {
    if (!seen.has(ifindex)) changes.push(...applyLinkEvent(links, { kind: 'del', link }));
  }
  return changes;
}
