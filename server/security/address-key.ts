import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

/**
 * Parsing an address costs microseconds, and the same few addresses ask again and again (every request is checked
 * against the per-address limit): their keys are remembered. An attacker with many addresses only churns the cache.
 */
const remembered = new LRUCache<string, string>({ max: 10_000 });

/**
 * The key a client address is counted under by every address-keyed limit. IPv4 as it is. IPv6 by its network of
 * `ipv6PrefixLength` bits: one subscriber is handed a whole /64 (often more), so counting each /128 would give an
 * attacker 2^64 fresh budgets for free. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) counts as its IPv4 address.
 */
export function addressKey(address: string, ipv6PrefixLength: number): string {
  const cacheKey = `${ipv6PrefixLength} ${address}`;
  let key = remembered.get(cacheKey);
  if (key === undefined) {
    key = parseAddressKey(address, ipv6PrefixLength);
    remembered.set(cacheKey, key);
  }
  return key;
}

function parseAddressKey(address: string, ipv6PrefixLength: number): string {
  if (!ipaddr.isValid(address)) return address;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const bytes = parsed.toByteArray();
  for (let bit = ipv6PrefixLength; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6PrefixLength}`;
}
