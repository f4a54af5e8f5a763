/**
 * The host's addresses for the checker thread (edge): a netlink subscription to the address groups,
 * seeded with a dump, as keepalived's checker process keeps its own netlink monitor
 * (keepalived_netlink.c -> check_api.c update_checker_activity). Used for virtual_server ha_suspend.
 * Each change hands the whole set (canonical text) to `onChange`.
 */
import { LinkWatcher } from '../kernel/link-watcher.js';
import { RtnlClient } from '../kernel/netlink.js';
import type { InterfaceAddress } from '../kernel/netlink-codec.js';
import { canonicalAddress } from '../net/addr.js';

export interface LocalAddressWatch {
  close(): void;
}

export async function watchLocalAddresses(
  onChange: (addresses: ReadonlySet<string>) => void,
  onError: (e: Error) => void,
): Promise<LocalAddressWatch> {
  // By `ifindex|address`: the same address on two interfaces stays local until both are gone.
  const table = new Map<string, string>();
  const key = (a: InterfaceAddress) => `${a.ifindex}|${a.address}`;
  const canonical = (a: InterfaceAddress) => canonicalAddress(a.address)?.address ?? a.address;
  let ready = false;
  const publish = () => {
    if (ready) onChange(new Set(table.values()));
  };
  // Subscribed first, then dumped: no change in between is missed.
  const watcher = await LinkWatcher.start({
    onLinkChange: () => {},
    onAddress: (e) => {
      if (e.kind === 'new') table.set(key(e.address), canonical(e.address));
      else table.delete(key(e.address));
      publish();
    },
    onError,
  });
  const rtnl = new RtnlClient();
  try {
    for (const a of await rtnl.listAddresses()) table.set(key(a), canonical(a));
  } catch (e) {
    watcher.close();
    throw e;
  } finally {
    rtnl.close();
  }
  ready = true;
  publish();
  return { close: () => watcher.close() };
}
