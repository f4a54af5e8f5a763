/**
 * A kernel IPVS table in memory behind the IpvsDriver's transport: requests are decoded with the
 * codec's own reply decoders (a request's SERVICE/DEST nests are the replies' ones), dumps are
 * answered from the table, and errors are the kernel's (EEXIST, ESRCH, ENOENT). Each service and
 * dest carries the serial of its creation, so a test sees what was deleted and created again.
 */
import { constants } from 'node:os';
import { destKey } from '../../../src/check/table.js';
import type { GenlMessage, GenlRequest } from '../../../src/kernel/genetlink-codec.js';
import { NetlinkError } from '../../../src/kernel/netlink.js';
import {
  decodeDestReply,
  decodeServiceReply,
  encodeDestNest,
  encodeServiceNest,
  IPVS_CMD,
  type IpvsDest,
  type IpvsService,
} from '../../../src/lvs/ipvs-codec.js';
import type { GenlTransport } from '../../../src/lvs/ipvs-driver.js';
import { serviceIdentity } from '../../../src/lvs/ipvs-ownership.js';

export interface FakeService {
  service: IpvsService;
  readonly dests: Map<string, IpvsDest & { readonly serial: number }>;
  readonly serial: number;
}

const message = (cmd: number, attrs: readonly Uint8Array[]): GenlMessage => ({
  type: 0x20,
  flags: 0,
  seq: 0,
  cmd,
  version: 1,
  attrs: Buffer.concat(attrs),
});

const fail = (operation: string, code: keyof typeof constants.errno) =>
  new NetlinkError(operation, constants.errno[code]);

export function fakeIpvs() {
  const table = new Map<string, FakeService>();
  const sent: string[] = [];
  let serial = 0;
  const decode = (r: GenlRequest) => {
    const m = message(r.cmd, r.attrs);
    const s = decodeServiceReply(m);
    if (!s.ok) throw new Error(`fake IPVS: ${s.reason}`);
    const d = decodeDestReply(m, s.value.family);
    return { service: s.value, dest: d.ok ? d.value : undefined };
  };
  const transport: GenlTransport = {
    family: async () => ({ id: 0x20, name: 'IPVS', version: 1, hdrSize: 0, maxAttr: 4 }),
    request: async (operation: string, r: GenlRequest) => {
      sent.push(operation);
      const { service, dest } = decode(r);
      const id = serviceIdentity(service);
      const found = table.get(id);
      switch (r.cmd) {
        case IPVS_CMD.NEW_SERVICE:
          if (found) throw fail(operation, 'EEXIST');
          table.set(id, { service, dests: new Map(), serial: ++serial });
          return [];
        case IPVS_CMD.SET_SERVICE:
          if (!found) throw fail(operation, 'ESRCH');
          found.service = service;
          return [];
        case IPVS_CMD.DEL_SERVICE:
          if (!found) throw fail(operation, 'ESRCH');
          table.delete(id);
          return [];
      }
      if (!found) throw fail(operation, 'ESRCH');
      if (dest === undefined) throw new Error('fake IPVS: a dest command without a dest');
      const key = destKey(dest);
      const had = found.dests.get(key);
      if (r.cmd === IPVS_CMD.NEW_DEST) {
        if (had) throw fail(operation, 'EEXIST');
        found.dests.set(key, { ...dest, serial: ++serial });
      } else if (had === undefined) throw fail(operation, 'ENOENT');
      else if (r.cmd === IPVS_CMD.SET_DEST) found.dests.set(key, { ...dest, serial: had.serial });
      else found.dests.delete(key);
      return [];
    },
    dump: async (_operation: string, r: GenlRequest) => {
      if (r.cmd === IPVS_CMD.GET_SERVICE)
        return [...table.values()].map((s) => {
          const n = encodeServiceNest({ ...s.service, flags: s.service.flags | 0x2 }); // the kernel's HASHED
          if (!n.ok) throw new Error(n.reason);
          return message(IPVS_CMD.NEW_SERVICE, [n.value]);
        });
      const s = table.get(serviceIdentity(decode(r).service));
      return [...(s?.dests.values() ?? [])].map((d) => {
        const n = encodeDestNest(d);
        if (!n.ok) throw new Error(n.reason);
        return message(IPVS_CMD.NEW_DEST, [n.value]);
      });
    },
    close: () => {},
  };
  /** `ipvsadm -A` / `-a`: what another program (or a crashed vigil) put in the table. */
  const add = (service: IpvsService, dests: readonly IpvsDest[] = []) => {
    table.set(serviceIdentity(service), {
      service,
      dests: new Map(dests.map((d) => [destKey(d), { ...d, serial: ++serial }])),
      serial: ++serial,
    });
  };
  return { table, sent, transport, add };
}

/** An OwnershipStore in memory. */
export function memoryRecord(initial: readonly string[] = []) {
  let ids = [...initial];
  return {
    get ids() {
      return ids;
    },
    load: async () => ids,
    save: async (next: readonly string[]) => {
      ids = [...next].sort();
    },
  };
}
