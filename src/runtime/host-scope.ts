import type { TraceOtherProcess } from './trace';
import type { Destination, HostCounter } from './tracer';

/**
 * `CONNLEAK_SCOPE=host`: limits checked against every connection of this host to a destination,
 * which is what a per-client-IP server limit (ZooKeeper's maxClientCnxns) sees, read from the
 * kernel's socket tables (`/proc/net/tcp{,6}`, Linux) through the netstat module.
 *
 * Bounded cost: a table is read only when a socket to a limited destination opens, at most every
 * 250 ms per destination, filtered by port before parsing; in between, the host count is the last
 * read plus this process's own changes since. The owners of the other connections (a scan of
 * `/proc/<pid>/fd`) are looked up only for a warning.
 */

const readIntervalMs = 250;
/** Connections the server counts: established, or being established. */
const countedStates = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV']);

type ProcNet = typeof import('../netstat/proc-net');

interface LastRead {
  readonly at: number;
  /** Connections of other processes, and of this process's worker threads (no local port known here). */
  readonly othersLive: number;
}

export function createHostCounter(print: (line: string) => void): HostCounter | undefined {
  let procNet: ProcNet;
  try {
    // Loaded only with CONNLEAK_SCOPE=host, so the default preload stays small.
    procNet = require('../netstat/proc-net') as ProcNet;
    procNet.readTcpConnections({ remotePort: 1 });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    print(`connleak: CONNLEAK_SCOPE=host cannot read the host's connections (${reason}); counting this process's sockets only`);
    return undefined;
  }
  const lastReads = new WeakMap<Destination, LastRead>();
  const connectionsTo = (destination: Destination) =>
    procNet
      .readTcpConnections({ remotePort: destination.port })
      .filter((connection) => connection.remotePort === destination.port && connection.remoteAddress === destination.host && countedStates.has(connection.state));
  return {
    live(destination, processLive, now, mayRead) {
      // A host name is counted under its address once connected; the tables only know addresses.
      if (destination.named) return processLive;
      let last = lastReads.get(destination);
      if (mayRead && (last === undefined || now - last.at >= readIntervalMs)) {
        // This process's own sockets are told apart by local port: the ones still connecting are
        // not in the table yet (Node connects on the next tick), so they are counted from our side.
        const ours = new Set<number>();
        for (const record of destination.records) if (record.socket?.localPort !== undefined) ours.add(record.socket.localPort);
        last = { at: now, othersLive: connectionsTo(destination).filter((connection) => !ours.has(connection.localPort)).length };
        lastReads.set(destination, last);
      }
      // Worker threads' sockets have no local port here: the table counts them, not our side.
      return last === undefined ? processLive : last.othersLive + processLive - destination.workerLive;
    },
    others(destination) {
      if (destination.named) return [];
      const connections = connectionsTo(destination);
      const owners = procNet.socketOwners(connections.map((connection) => connection.inode));
      const byPid = new Map<number, TraceOtherProcess>();
      for (const connection of connections) {
        const owner = owners.get(connection.inode);
        if (owner === undefined || owner.pid === process.pid) continue;
        const seen = byPid.get(owner.pid);
        byPid.set(owner.pid, { pid: owner.pid, command: owner.command, live: (seen?.live ?? 0) + 1 });
      }
      return [...byPid.values()].sort((a, b) => b.live - a.live);
    },
  };
}
