/**
 * The IPVS probe (edge): whether a generic netlink family resolves (CTRL_CMD_GETFAMILY), "IPVS"
 * when the kernel has the ip_vs module loaded; over the shared netlink socket code.
 * TODO(lvs-ipvs): that branch brings a generic-netlink client (src/kernel/genetlink.ts) and
 * `ipvsAvailable()` (src/lvs/ipvs-driver.ts); at the merge, select.ts uses those and this file goes.
 */
import { NETLINK_GENERIC, NLM_F_ACK, NLM_F_REQUEST } from '../kernel/constants.js';
import { NetlinkError, NetlinkSocket } from '../kernel/netlink.js';
import { encodeAttr, encodeNlMessage } from '../kernel/netlink-codec.js';

/** GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME (uapi linux/genetlink.h). */
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_NAME = 2;

/** The CTRL_CMD_GETFAMILY request for `name` (genlmsghdr: cmd, version 1, reserved). */
export function encodeGetFamily(name: string, seq: number): Buffer {
  const genl = Buffer.from([CTRL_CMD_GETFAMILY, 1, 0, 0]);
  const attr = encodeAttr(CTRL_ATTR_FAMILY_NAME, Buffer.concat([Buffer.from(name, 'utf8'), Buffer.alloc(1)]));
  return encodeNlMessage(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq, Buffer.concat([genl, attr]));
}

/** True when the generic netlink family resolves; false when the kernel says ENOENT. */
export async function genlFamilyResolves(name: string, timeoutMs = 2000): Promise<boolean> {
  const sock = new NetlinkSocket({ protocol: NETLINK_GENERIC, timeoutMs });
  try {
    const replies = await sock.request(`CTRL_CMD_GETFAMILY ${name}`, (seq) => encodeGetFamily(name, seq));
    return replies.length > 0;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENOENT') return false;
    throw e;
  } finally {
    sock.close();
  }
}
