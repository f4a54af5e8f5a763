/**
 * The DNS bytes of DNS_CHECK (keepalived check_dns.c dns_make_query / dns_recv_thread), pure.
 *
 * The query: a 12-byte header with a random ID, only RD set, QDCOUNT 1; one question `name` /
 * `type` / class IN. The reply is judged on its header alone: keepalived does not parse the answer
 * section, so an empty answer (NODATA) is a success.
 */

/** The query types keepalived knows (DNS_TYPE[] in check_dns.c), matched without regard to case. */
export const DNS_TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  RRSIG: 46,
  DNSKEY: 48,
} as const;
export type DnsTypeName = keyof typeof DNS_TYPES;

/** keepalived's default query type. */
export const DEFAULT_DNS_TYPE: DnsTypeName = 'SOA';
const CLASS_IN = 1;
export const DNS_HEADER_LENGTH = 12;

/** The numeric type for a name (case-insensitive, like dns_type_lookup's strcasecmp), else undefined. */
export function dnsTypeCode(name: string): number | undefined {
  const key = name.toUpperCase();
  return Object.hasOwn(DNS_TYPES, key) ? DNS_TYPES[key as DnsTypeName] : undefined;
}

export type EncodeResult =
  | { readonly ok: true; readonly query: Buffer }
  | { readonly ok: false; readonly reason: string };

/**
 * The wire form of a name as dns_make_query writes it: "" and "." are the root; a trailing dot is
 * allowed; an empty label inside the name (keepalived's dns_name_handler refuses those) or a label
 * longer than 63 octets is an error.
 */
export function encodeName(name: string): Buffer | string {
  if (name === '' || name === '.') return Buffer.from([0]);
  const labels = name.endsWith('.') ? name.slice(0, -1).split('.') : name.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0) return `name '${name}' has an empty label`;
    if (bytes.length > 63) return `label '${label}' is longer than 63 octets`;
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) return `name '${name}' is longer than 255 octets`;
  return wire;
}

/** The query datagram for `id` (16 bits), `name` and `type` (a name from DNS_TYPES). */
export function encodeQuery(id: number, name: string, type: string): EncodeResult {
  const code = dnsTypeCode(type);
  if (code === undefined) return { ok: false, reason: `unknown DNS query type '${type}'` };
  const qname = encodeName(name);
  if (typeof qname === 'string') return { ok: false, reason: qname };
  const header = Buffer.alloc(DNS_HEADER_LENGTH);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD=1, everything else 0
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(code, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return { ok: true, query: Buffer.concat([header, qname, tail]) };
}

/** What one received datagram means for the attempt waiting for reply `id`. */
export type ReplyVerdict =
  /** Not the reply: too short, another ID, or not a response (QR=0). Keep waiting. */
  | { readonly kind: 'ignore'; readonly why: string }
  | { readonly kind: 'success' }
  | { readonly kind: 'failure'; readonly reason: string };

/**
 * Judge a datagram as dns_recv_thread does. A datagram shorter than a DNS header is ignored
 * (keepalived compares with sizeof of a pointer, 8, an oversight; vigil requires the whole header).
 */
export function judgeReply(id: number, datagram: Uint8Array): ReplyVerdict {
  if (datagram.length < DNS_HEADER_LENGTH)
    return { kind: 'ignore', why: `too short (${datagram.length} bytes)` };
  const b = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.length);
  const got = b.readUInt16BE(0);
  if (got !== (id & 0xffff))
    return { kind: 'ignore', why: `ID does not match (${hex4(got)} != ${hex4(id)})` };
  const flags = b.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return { kind: 'ignore', why: 'not a response (QR=0)' };
  const rcode = flags & 0x000f;
  if (rcode !== 0) return { kind: 'failure', reason: `read error occurred. (rcode = ${rcode})` };
  return { kind: 'success' };
}

const hex4 = (n: number) => (n & 0xffff).toString(16).padStart(4, '0');
