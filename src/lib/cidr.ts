/**
 * IPv4/IPv6 addresses and CIDR ranges as bigints, for allow-lists. Parsing never throws:
 * anything that is not an address or range is null (config validation reports it).
 */

export interface Cidr {
  readonly v6: boolean;
  readonly network: bigint;
  readonly mask: bigint;
}

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(text: string): bigint | null {
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    // an embedded IPv4 tail, as in ::ffff:192.0.2.1
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? left.length !== 8 : missing < 1) return null;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(`0x${g}`);
  }
  return tailV4 === null ? n : (n & ~0xffffffffn) | tailV4;
}

/** An address as { v6, value }, or null. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. */
export function parseIp(text: string): { v6: boolean; value: bigint } | null {
  if (text.length > 64) return null;
  const v4 = parseV4(text);
  if (v4 !== null) return { v6: false, value: v4 };
  const v6 = text.includes(":") ? parseV6(text) : null;
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { v6: false, value: v6 & 0xffffffffn };
  return { v6: true, value: v6 };
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const bits = ip.v6 ? 128 : 32;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - Number(prefixText))) - 1n);
  return { v6: ip.v6, network: ip.value & mask, mask };
}

export function cidrContains(cidr: Cidr, ip: { v6: boolean; value: bigint }): boolean {
  return cidr.v6 === ip.v6 && (ip.value & cidr.mask) === cidr.network;
}

export function anyContains(cidrs: readonly Cidr[], ipText: string | null): boolean {
  const ip = ipText === null ? null : parseIp(ipText.trim());
  return ip !== null && cidrs.some((c) => cidrContains(c, ip));
}

/**
 * The key a client is counted under: an IPv4 address as is, an IPv6 address by its
 * network prefix (a /64 by default), since one subscriber is handed a whole /64 and can
 * rotate through it at will. Unparsable input is its own key.
 */
export function clientKey(ipText: string, ipv6PrefixBits = 64): string {
  const ip = parseIp(ipText);
  if (!ip) return ipText;
  if (!ip.v6) return ip.value.toString(16);
  const hostBits = BigInt(128 - ipv6PrefixBits);
  return `${((ip.value >> hostBits) << hostBits).toString(16)}/${ipv6PrefixBits}`;
}
