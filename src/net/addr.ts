/**
 * IPv4/IPv6 address text <-> bytes. Pure; formatting follows RFC 5952 (lowercase, longest zero run
 * compressed, a single zero group is not compressed), matching what tshark and iproute2 print.
 */

export type IpFamily = 'ipv4' | 'ipv6';

export function addressLength(family: IpFamily): 4 | 16 {
  return family === 'ipv4' ? 4 : 16;
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off] ?? 0}.${b[off + 1] ?? 0}.${b[off + 2] ?? 0}.${b[off + 3] ?? 0}`;
}

export function formatIpv6(b: Uint8Array, off = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[off + 2 * i] ?? 0) << 8) | (b[off + 2 * i + 1] ?? 0));
  // Longest run of at least two zero groups (first one wins on ties), per RFC 5952 section 4.2.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${head}::${tail}`;
}

export function formatAddress(family: IpFamily, b: Uint8Array, off = 0): string {
  return family === 'ipv4' ? formatIpv4(b, off) : formatIpv6(b, off);
}

export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  let s = text;
  const pct = s.indexOf('%'); // zone index (fe80::1%eth0) is not part of the address
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length === 0 || s.length > 45) return undefined;
  // An embedded dotted-quad tail (::ffff:192.0.2.1) counts as two groups.
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const right = [...rest, ...tail];
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - right.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...right];
  } else {
    groups = [...head, ...tail];
    if (groups.length !== 8) return undefined;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function parseAddress(family: IpFamily, text: string): Uint8Array | undefined {
  return family === 'ipv4' ? parseIpv4(text) : parseIpv6(text);
}

/** Canonical text of an address in either family, or undefined when it does not parse. */
export function canonicalAddress(text: string): { family: IpFamily; address: string } | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 'ipv4', address: formatIpv4(v4) };
  const v6 = parseIpv6(text);
  if (v6) return { family: 'ipv6', address: formatIpv6(v6) };
  return undefined;
}

export function isMulticast(family: IpFamily, text: string): boolean {
  const b = parseAddress(family, text);
  if (!b) return false;
  return family === 'ipv4' ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** Whether two address texts name the same IPv4 or IPv6 address (`2001:db8::1` = `2001:DB8:0::1`). */
export function sameAddress(a: string, b: string): boolean {
  const x = canonicalAddress(a);
  return x !== undefined && x.address === canonicalAddress(b)?.address;
}
