import { limitFor, warnThreshold, type DestinationLimit } from '../runtime/config';
import type { SocketOwner, TcpConnection, TcpState } from './proc-net';

/**
 * Groups the host's client-side TCP connections by destination (remote `host:port`) and sets
 * each group against its configured limit.
 *
 * Client side or server side: `/proc/net/tcp` does not say who connected. A connection whose
 * local address and port are those of a listening socket on this host (the listener's own
 * address, or a wildcard `0.0.0.0` / `::`) is one that listener accepted: server side, left out.
 * When no listener matches (it has closed, leaving TIME_WAIT or CLOSE_WAIT sockets behind), a
 * connection whose remote port lies in the kernel's ephemeral port range and whose local port
 * does not is taken for server side too: clients connect from ephemeral ports, servers listen
 * on fixed ones. Every other connection was opened from here: client side, counted under its
 * remote address. A loopback connection therefore counts once, under the server's port, as
 * `ss dport = :PORT` counts it. Only this network namespace is visible (a container sees its own
 * sockets).
 */

export type DestinationStatus = 'ok' | 'near' | 'limit';

export interface ProcessShare {
  readonly pid: number;
  readonly command: string;
  /** ESTABLISHED connections of this process to the destination. */
  readonly live: number;
  /** Its connections to the destination in other states (CLOSE_WAIT is a leak too). */
  readonly other: number;
}

export interface DestinationLimitInfo {
  readonly max: number;
  /** The live count at which connleak warns (`CONNLEAK_WARN_AT` of `max`). */
  readonly warnThreshold: number;
  /** The `HOST:PORT=MAX` item that matched, as written. */
  readonly rule: string;
  readonly setting?: string;
  readonly serverName?: string;
  readonly scope?: string;
}

export interface DestinationSummary {
  /** `host:port`, IPv6 hosts in brackets: `[::1]:2181`. */
  readonly destination: string;
  readonly host: string;
  readonly port: number;
  /** ESTABLISHED connections: what a server's connection limit counts. */
  readonly live: number;
  /** Connections in other states, by state name (SYN_SENT, CLOSE_WAIT, TIME_WAIT, …). */
  readonly states: Readonly<Partial<Record<TcpState, number>>>;
  readonly limit?: DestinationLimitInfo;
  /** `live / limit.max`, when a limit applies. */
  readonly share?: number;
  /** `near` from the warn threshold on, `limit` from the limit on. */
  readonly status: DestinationStatus;
  /** Owning processes, most live connections first. */
  readonly processes: readonly ProcessShare[];
  /** Live connections whose owner could not be read (another user's process, without root). */
  readonly unownedLive: number;
}

export interface DestinationFilter {
  readonly port?: number;
  /** Any of these addresses (a `--dest` host name may resolve to several). */
  readonly hosts?: ReadonlySet<string>;
}

export interface ClassifyOptions {
  /** `net.ipv4.ip_local_port_range`. */
  readonly ephemeralPorts: readonly [number, number];
}

export function formatDestination(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const wildcardAddresses = new Set(['0.0.0.0', '::']);

/** The connections this host opened (client side), filtered; server-side accepted ones left out. */
export function clientConnections(connections: readonly TcpConnection[], filter: DestinationFilter, classify: ClassifyOptions): TcpConnection[] {
  const [low, high] = classify.ephemeralPorts;
  // Listening port -> its listeners' addresses; `'*'` stands for a wildcard listener.
  const listening = new Map<number, Set<string>>();
  for (const connection of connections) {
    if (connection.state !== 'LISTEN') continue;
    let addresses = listening.get(connection.localPort);
    if (!addresses) listening.set(connection.localPort, (addresses = new Set()));
    addresses.add(wildcardAddresses.has(connection.localAddress) ? '*' : connection.localAddress);
  }
  const clients: TcpConnection[] = [];
  for (const connection of connections) {
    if (connection.state === 'LISTEN') continue;
    if (filter.port !== undefined && connection.remotePort !== filter.port) continue;
    if (filter.hosts && !filter.hosts.has(connection.remoteAddress)) continue;
    const listeners = listening.get(connection.localPort);
    if (listeners && (listeners.has('*') || listeners.has(connection.localAddress))) continue;
    const remoteEphemeral = connection.remotePort >= low && connection.remotePort <= high;
    const localEphemeral = connection.localPort >= low && connection.localPort <= high;
    if (remoteEphemeral && !localEphemeral) continue;
    clients.push(connection);
  }
  return clients;
}

export interface SummarizeOptions {
  readonly limits: readonly DestinationLimit[];
  readonly warnAt: number;
  readonly owners: ReadonlyMap<number, SocketOwner>;
}

export function describeRule(limit: DestinationLimit): string {
  return `${formatDestination(limit.host, limit.port)}=${limit.max}`;
}

/** One summary per destination, those nearest their limit first, then by live count. */
export function summarizeDestinations(clients: readonly TcpConnection[], options: SummarizeOptions): DestinationSummary[] {
  interface Group {
    host: string;
    port: number;
    live: number;
    states: Partial<Record<TcpState, number>>;
    processes: Map<number, { pid: number; command: string; live: number; other: number }>;
    unownedLive: number;
  }
  const groups = new Map<string, Group>();
  for (const connection of clients) {
    const key = formatDestination(connection.remoteAddress, connection.remotePort);
    let group = groups.get(key);
    if (!group) {
      group = { host: connection.remoteAddress, port: connection.remotePort, live: 0, states: {}, processes: new Map(), unownedLive: 0 };
      groups.set(key, group);
    }
    const established = connection.state === 'ESTABLISHED';
    if (established) group.live++;
    else group.states[connection.state] = (group.states[connection.state] ?? 0) + 1;
    const owner = connection.inode === 0 ? undefined : options.owners.get(connection.inode);
    if (!owner) {
      if (established) group.unownedLive++;
      continue;
    }
    let share = group.processes.get(owner.pid);
    if (!share) group.processes.set(owner.pid, (share = { pid: owner.pid, command: owner.command, live: 0, other: 0 }));
    if (established) share.live++;
    else share.other++;
  }
  const summaries = [...groups].map(([destination, group]): DestinationSummary => {
    const configured = limitFor(options.limits, group.host, group.port);
    const limit = configured && {
      max: configured.max,
      warnThreshold: warnThreshold(configured.max, options.warnAt),
      rule: describeRule(configured),
      ...(configured.setting ? { setting: configured.setting } : {}),
      ...(configured.serverName ? { serverName: configured.serverName } : {}),
      ...(configured.scope ? { scope: configured.scope } : {}),
    };
    const status: DestinationStatus = !limit ? 'ok' : group.live >= limit.max ? 'limit' : group.live >= limit.warnThreshold ? 'near' : 'ok';
    return {
      destination,
      host: group.host,
      port: group.port,
      live: group.live,
      states: group.states,
      ...(limit ? { limit, share: group.live / limit.max } : {}),
      status,
      processes: [...group.processes.values()].sort((a, b) => b.live - a.live || b.other - a.other || a.pid - b.pid),
      unownedLive: group.unownedLive,
    };
  });
  return summaries.sort((a, b) => (b.share ?? -1) - (a.share ?? -1) || b.live - a.live || a.destination.localeCompare(b.destination));
}
