/**
 * RFC 1071 Internet checksum (one's complement of the one's-complement sum of 16-bit words). Pure.
 */

/** Adds `bytes` to a running 32-bit one's-complement accumulator; odd trailing byte is padded with zero. */
export function checksumAdd(acc: number, bytes: Uint8Array): number {
  let sum = acc;
  const n = bytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < n) sum += bytes[i]! << 8;
  // Fold regularly so the accumulator never leaves the safe-integer range for any realistic input.
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Folds an accumulator and returns the 16-bit checksum value to put on the wire. */
export function checksumFinish(acc: number): number {
  let sum = acc;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Checksum over the concatenation of `parts` (each part must be even-length except the last). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let acc = 0;
  for (const p of parts) acc = checksumAdd(acc, p);
  return checksumFinish(acc);
}
