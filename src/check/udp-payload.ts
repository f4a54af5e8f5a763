/**
 * UDP_CHECK's bytes, pure: the `payload` / `require_reply` hex strings (keepalived lib/parser.c
 * read_hex_str), the default payload (core/layer4.c set_buf) and the reply test (check_udp.c
 * check_udp_reply).
 */

export interface HexString {
  readonly data: Buffer;
  /** Per octet, the bits that are wildcards (`x`/`X` nibbles); absent when there are none. */
  readonly mask?: Buffer;
}

/** keepalived hex_val: a nibble, 0xfe for a wildcard (only where allowed), 0xff for anything else. */
function hexVal(ch: string, allowWildcard: boolean): number {
  const c = ch.toUpperCase();
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  if (allowWildcard && c === 'X') return 0xfe;
  return 0xff;
}

/**
 * read_hex_str: spaces and tabs separate; two hex digits make an octet, the first the high nibble; a
 * digit alone before a space (or the end) is an octet of its own (`Ab12f 3` is AB 12 0F 03). With
 * `allowWildcard` (require_reply), `x`/`X` is a nibble that matches anything. undefined when the
 * string is empty or holds anything else -- and, as in keepalived, when its last octet is FF (the
 * function uses 0xff as its error marker and tests the last value after the loop).
 */
export function parseHexString(text: string, allowWildcard: boolean): HexString | undefined {
  const data: number[] = [];
  const mask: number[] = [];
  let usingMask = false;
  let val = 0;
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    val = hexVal(text[i++] as string, allowWildcard);
    if (val === 0xff) break;
    let m = 0;
    if (val === 0xfe) {
      m = 0x0f;
      val = 0;
      usingMask = true;
    }
    if (i < text.length && text[i] !== ' ') {
      const high = val << 4;
      m <<= 4;
      val = hexVal(text[i++] as string, allowWildcard);
      if (val === 0xff) break;
      if (val === 0xfe) {
        m |= 0x0f;
        val = 0;
        usingMask = true;
      }
      val |= high;
    }
    data.push(val);
    mask.push(m);
  }
  if (val === 0xff || data.length === 0) return undefined;
  return usingMask ? { data: Buffer.from(data), mask: Buffer.from(mask) } : { data: Buffer.from(data) };
}

const FILLER = 'keepalived check - ';

/** set_buf: `length` bytes of "keepalived check - " repeated (32 for UDP_CHECK, 128 for PING_CHECK). */
export function fillerPayload(length: number): Buffer {
  return Buffer.from(FILLER.repeat(Math.ceil(length / FILLER.length)).slice(0, length), 'latin1');
}

export const DEFAULT_UDP_PAYLOAD_LENGTH = 32;

export interface ReplyRule {
  readonly expected: HexString;
  readonly minLength: number;
  readonly maxLength: number;
}

/**
 * check_udp_reply: the length must lie in [minLength, maxLength], then the first min(length,
 * expected length) octets must equal the expected ones except in wildcard nibbles. A reply longer
 * than the expected data only has its prefix compared; a shorter one only its own length.
 */
export function replyMismatch(reply: Uint8Array, rule: ReplyRule): string | undefined {
  if (reply.length < rule.minLength || reply.length > rule.maxLength)
    return `reply length ${reply.length} outside [${rule.minLength}, ${rule.maxLength}]`;
  const n = Math.min(reply.length, rule.expected.data.length);
  for (let i = 0; i < n; i++) {
    const care = rule.expected.mask ? ~(rule.expected.mask[i] as number) & 0xff : 0xff;
    if (((reply[i] as number) ^ (rule.expected.data[i] as number)) & care) return `reply octet ${i} differs`;
  }
  return undefined;
}
