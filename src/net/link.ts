/** Link-layer names and addresses (pure). */

/** Linux interface names: 1..15 bytes, no '/', no whitespace, not '.' or '..' (dev_valid_name). */
export function isValidInterfaceName(name: string): boolean {
  return name.length > 0 && name.length <= 15 && name !== '.' && name !== '..' && !/[/\s:]/.test(name);
}

/** 'aa:bb:cc:dd:ee:ff' -> 6 bytes; undefined for anything else. */
export function parseMac(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return Uint8Array.from(text.split(':'), (h) => Number.parseInt(h, 16));
}
