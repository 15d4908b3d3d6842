// node:net and node:dns are required where used: loading node:net costs `connleak netstat`
// several milliseconds at startup, and most runs never need either.
type Net = typeof import('node:net');
type Dns = typeof import('node:dns/promises');

/**
 * Address spelling shared by `--dest`, `CONNLEAK_LIMITS` hosts and the kernel's tables, so that
 * `[0:0::1]`, `::1` and `::ffff:127.0.0.1` / `127.0.0.1` compare equal.
 */

/** The canonical text of an IP literal (`::ffff:a.b.c.d` becomes `a.b.c.d`), or undefined for a name. */
export function canonicalAddress(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = (require('node:net') as Net).isIP(bare);
  if (family === 4) return bare;
  if (family !== 6) return undefined;
  // WHATWG URL serialises IPv6 lowercase with the first longest zero run compressed (RFC 5952).
  const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** The addresses a host name or literal stands for; a name goes through the system resolver. */
export async function resolveHost(host: string): Promise<string[]> {
  const literal = canonicalAddress(host);
  if (literal !== undefined) return [literal];
  const found = await (require('node:dns/promises') as Dns).lookup(host, { all: true });
  return [...new Set(found.map((entry) => canonicalAddress(entry.address) ?? entry.address))];
}
