import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * The kernel's TCP socket tables, read from `/proc/net/tcp` and `/proc/net/tcp6` (Linux), and the
 * processes that own the sockets, from `/proc/<pid>/fd`. Used by `connleak netstat` and by the
 * tracer's host scope (`CONNLEAK_SCOPE=host`).
 *
 * Hosts with 10,000 sockets are the point of this command, so the parser works on fixed offsets
 * and a hand-rolled field scanner instead of a regular expression per line, and caches decoded
 * addresses (a host holds many sockets to few addresses).
 */

/** The TCP states, by the hex code `/proc/net/tcp` prints (include/net/tcp_states.h). */
export const tcpStateNames = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export type TcpState = (typeof tcpStateNames)[number];

export interface TcpConnection {
  /** 4 for `/proc/net/tcp`, 6 for `/proc/net/tcp6` (an IPv4-mapped address still says 6). */
  readonly family: 4 | 6;
  /** Dotted IPv4, or compressed IPv6 (RFC 5952); IPv4-mapped `::ffff:a.b.c.d` is shown as `a.b.c.d`. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: TcpState;
  readonly uid: number;
  /** The socket's inode: `/proc/<pid>/fd/N -> socket:[inode]`. 0 for sockets no process holds (TIME_WAIT). */
  readonly inode: number;
}

export interface SocketOwner {
  readonly pid: number;
  /** `/proc/<pid>/cmdline` shortened (`node server.js`), or `/proc/<pid>/comm` when that is empty. */
  readonly command: string;
}

/** This system has no `/proc/net/tcp` (not Linux, or /proc not mounted). */
export class ProcNetUnavailableError extends Error {
  override readonly name = 'ProcNetUnavailableError';
  constructor(readonly path: string) {
    super(`${path} does not exist: connleak netstat reads the Linux kernel's socket tables and needs /proc`);
  }
}

export interface ProcNetOptions {
  /** Where procfs is mounted; tests point it at a directory of sample files. */
  readonly procRoot?: string;
}

export interface ReadTcpOptions extends ProcNetOptions {
  /**
   * Only connections to this remote port, plus every LISTEN socket (which tells server-side
   * connections apart). Lines that do not match are skipped before any field is decoded, which
   * matters on a host with tens of thousands of TIME_WAIT sockets.
   */
  readonly remotePort?: number;
}

const littleEndian = endianness() === 'LE';

/** Reads every TCP socket of this network namespace, IPv4 and IPv6. */
export function readTcpConnections(options: ReadTcpOptions = {}): TcpConnection[] {
  const root = options.procRoot ?? '/proc';
  const ipv4Path = `${root}/net/tcp`;
  const connections: TcpConnection[] = [];
  parseProcNetTcp(readProcFile(ipv4Path, true)!, 4, connections, options.remotePort);
  // A kernel without IPv6 has no tcp6 table; that is not an error.
  const ipv6 = readProcFile(`${root}/net/tcp6`, false);
  if (ipv6 !== undefined) parseProcNetTcp(ipv6, 6, connections, options.remotePort);
  return connections;
}

function readProcFile(path: string, required: boolean): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      if (required) throw new ProcNetUnavailableError(path);
      return undefined;
    }
    throw error;
  }
}

/**
 * Parses one table. Line layout (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c):
 * `%4d: LOCAL:PORT REMOTE:PORT ST TX:RX TR:WHEN RETR UID TIMEOUT INODE ...`, addresses as
 * 8 (IPv4) or 32 (IPv6) hex digits of 32-bit words in host byte order, ports as 4 hex digits.
 *
 * The kernel fills the file a buffer at a time, resuming at a hash bucket and an offset in it; a
 * socket opened or closed meanwhile can shift a bucket and repeat a line (seen here on a host
 * churning connections). Repeats are dropped: by inode, or by address pair for sockets without
 * one (TIME_WAIT).
 */
export function parseProcNetTcp(text: string, family: 4 | 6, into: TcpConnection[] = [], remotePort?: number): TcpConnection[] {
  const addressLength = family === 4 ? 8 : 32;
  const wantedPortHex = remotePort === undefined ? undefined : remotePort.toString(16).toUpperCase().padStart(4, '0');
  const decode = family === 4 ? decodeIpv4 : decodeIpv6;
  const cache = new Map<string, string>();
  const address = (hex: string): string => {
    let decoded = cache.get(hex);
    if (decoded === undefined) {
      decoded = decode(hex);
      cache.set(hex, decoded);
    }
    return decoded;
  };
  const seenInodes = new Set<number>();
  const seenPairs = new Set<string>();
  let lineStart = text.indexOf('\n') + 1; // the header line
  while (lineStart > 0 && lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const colon = text.indexOf(':', lineStart);
    if (colon > 0 && colon < lineEnd) {
      const local = colon + 2;
      const remote = local + addressLength + 6;
      const stateAt = remote + addressLength + 6;
      const listening = text.charCodeAt(stateAt) === 48 && text.charCodeAt(stateAt + 1) === 65; // "0A"
      if (wantedPortHex !== undefined && !listening && !text.startsWith(wantedPortHex, remote + addressLength + 1)) {
        lineStart = lineEnd + 1;
        continue;
      }
      // Fields after the state: tx:rx, tr:when, retrnsmt, uid, timeout, inode.
      let cursor = stateAt + 2;
      let uid = 0;
      let inode = 0;
      for (let field = 0; field < 6 && cursor < lineEnd; field++) {
        while (text.charCodeAt(cursor) === 32) cursor++;
        const start = cursor;
        while (cursor < lineEnd && text.charCodeAt(cursor) !== 32) cursor++;
        if (field === 3) uid = Number(text.slice(start, cursor));
        else if (field === 5) inode = Number(text.slice(start, cursor));
      }
      const pair = inode === 0 ? text.slice(local, stateAt) : '';
      if (inode !== 0 ? seenInodes.has(inode) : seenPairs.has(pair)) {
        lineStart = lineEnd + 1;
        continue;
      }
      if (inode !== 0) seenInodes.add(inode);
      else seenPairs.add(pair);
      into.push({
        family,
        localAddress: address(text.slice(local, local + addressLength)),
        localPort: parseInt(text.slice(local + addressLength + 1, local + addressLength + 5), 16),
        remoteAddress: address(text.slice(remote, remote + addressLength)),
        remotePort: parseInt(text.slice(remote + addressLength + 1, remote + addressLength + 5), 16),
        state: tcpStateNames[parseInt(text.slice(stateAt, stateAt + 2), 16)] ?? 'UNKNOWN',
        uid,
        inode,
      });
    }
    lineStart = lineEnd + 1;
  }
  return into;
}

/** The four bytes of a 32-bit word printed as 8 hex digits in host byte order, in network order. */
function wordBytes(hex: string, offset: number): [number, number, number, number] {
  const value = parseInt(hex.slice(offset, offset + 8), 16);
  const high = [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255] as [number, number, number, number];
  return littleEndian ? [high[3], high[2], high[1], high[0]] : high;
}

function decodeIpv4(hex: string): string {
  return wordBytes(hex, 0).join('.');
}

function decodeIpv6(hex: string): string {
  const bytes = [...wordBytes(hex, 0), ...wordBytes(hex, 8), ...wordBytes(hex, 16), ...wordBytes(hex, 24)];
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i]! * 256 + bytes[i + 1]!);
  return formatIpv6Groups(groups);
}

/** RFC 5952: lowercase, no leading zeros, the longest run (2 or more) of zero groups as `::`. */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Finds the processes that hold sockets, by scanning `/proc/<pid>/fd/*` for `socket:[inode]`
 * links. With `inodes`, only those are looked up and the scan stops once all are found.
 * Processes this user may not inspect are skipped silently (their sockets stay without owner);
 * a process that exits during the scan likewise. A socket shared by several processes (inherited
 * over fork) is attributed to the first one found, the lowest pid.
 */
export function socketOwners(inodes?: Iterable<number>, options: ProcNetOptions = {}): Map<number, SocketOwner> {
  const root = options.procRoot ?? '/proc';
  const wanted = inodes === undefined ? undefined : new Set(inodes);
  wanted?.delete(0);
  const owners = new Map<number, SocketOwner>();
  if (wanted?.size === 0) return owners;
  let pids: string[];
  try {
    pids = readdirSync(root);
  } catch {
    return owners;
  }
  for (const pid of pids) {
    const first = pid.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a process directory
    const fdDirectory = `${root}/${pid}/fd/`;
    let fds: string[];
    try {
      fds = readdirSync(fdDirectory);
    } catch {
      continue;
    }
    let owner: SocketOwner | undefined;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(fdDirectory + fd);
      } catch {
        continue;
      }
      // `socket:[12345]`
      if (target.charCodeAt(0) !== 115 || !target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (owners.has(inode) || (wanted && !wanted.has(inode))) continue;
      owner ??= { pid: Number(pid), command: processCommand(root, pid) };
      owners.set(inode, owner);
      if (wanted && owners.size === wanted.size) return owners;
    }
  }
  return owners;
}

/**
 * The range the kernel picks client ports from (`net.ipv4.ip_local_port_range`, which IPv6 uses
 * too); Linux's default when it cannot be read.
 */
export function readEphemeralPortRange(options: ProcNetOptions = {}): readonly [number, number] {
  try {
    const [low, high] = readFileSync(`${options.procRoot ?? '/proc'}/sys/net/ipv4/ip_local_port_range`, 'latin1').trim().split(/\s+/).map(Number);
    if (low! > 0 && high! >= low!) return [low!, high!];
  } catch {
    // fall through to the default
  }
  return [32768, 60999];
}

const commandLength = 60;

/** `node server.js --port 1`, shortened; the kernel's `comm` for processes without a command line. */
export function processCommand(root: string, pid: string): string {
  try {
    const argv = readFileSync(`${root}/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
    if (argv.length > 0) {
      const program = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
      const line = [program, ...argv.slice(1)].join(' ').replace(/\s+/g, ' ');
      return line.length > commandLength ? `${line.slice(0, commandLength - 1)}…` : line;
    }
    return readFileSync(`${root}/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
