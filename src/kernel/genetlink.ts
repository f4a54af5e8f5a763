/**
 * Generic netlink's controller (edge): whether a family name resolves (CTRL_CMD_GETFAMILY), e.g.
 * "IPVS" when the kernel has the ip_vs module loaded. Uses the shared netlink socket code.
 */
import { NLM_F_ACK, NLM_F_REQUEST } from './constants.js';
import { NetlinkError, NetlinkSocket } from './netlink.js';
import { encodeAttr, encodeNlMessage } from './netlink-codec.js';

export const NETLINK_GENERIC = 16;
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
