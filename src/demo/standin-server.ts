import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A stand-in for a ZooKeeper server, for the demo on machines without ZooKeeper installed. It
 * enforces the one thing the incident is about — a per-client-IP connection limit, enforced the
 * way ZooKeeper's NIO connection factory does it — and speaks just enough of the ZooKeeper wire
 * protocol for node-zookeeper-client to reach SYNC_CONNECTED, ping, read and close. It stores no
 * data: every node is missing.
 *
 * Over the limit ZooKeeper logs `Too many connections from /IP - max is N` and closes the new
 * socket at once with linger 0; the client sees a reset or end-of-stream and, with
 * node-zookeeper-client, silently retries. The stand-in does the same.
 *
 * Wire format (node-zookeeper-client lib/jute, ZooKeeper's zookeeper.jute): every frame is a
 * 4-byte big-endian length and a body. The first frame from a client is a ConnectRequest
 * (protocolVersion int, lastZxidSeen long, timeOut int, sessionId long, passwd buffer), answered
 * by a ConnectResponse (protocolVersion int, timeOut int, sessionId long, passwd buffer = int
 * length + bytes). Later frames start with a RequestHeader (xid int, type int) and are answered
 * with a ReplyHeader (xid int, zxid long, err int) and maybe a body.
 */

export interface StandInOptions {
  /** Connections one client IP may hold, as ZooKeeper's `maxClientCnxns`. 0 means no limit. */
  readonly maxClientCnxns: number;
  /** Default: a free port. */
  readonly port?: number;
  /** Called with every log line as it is written (the demo prints them). */
  readonly onLog?: (line: string) => void;
}

export interface StandInServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, what node-zookeeper-client's createClient takes. */
  readonly connectString: string;
  /** Everything logged so far, one line per event, shaped like ZooKeeper's own log. */
  log(): string;
  /** Live connections per client IP. */
  connections(): ReadonlyMap<string, number>;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

const host = '127.0.0.1';

const opCode = { ping: 11, exists: 3, closeSession: -11, auth: 100, setWatches: 101 } as const;
const errCode = { ok: 0, unimplemented: -6, noNode: -101 } as const;
const xidPing = -2;
/** ZooKeeper's session timeout bounds with its default tickTime of 2000 ms. */
const minSessionTimeout = 4_000;
const maxSessionTimeout = 40_000;

function frame(body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function connectResponse(timeOut: number, sessionId: bigint, password: Buffer): Buffer {
  const body = Buffer.alloc(4 + 4 + 8 + 4 + password.length);
  body.writeInt32BE(0, 0);
  body.writeInt32BE(timeOut, 4);
  body.writeBigInt64BE(sessionId, 8);
  body.writeInt32BE(password.length, 16);
  password.copy(body, 20);
  return frame(body);
}

function replyHeader(xid: number, zxid: bigint, err: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeInt32BE(xid, 0);
  body.writeBigInt64BE(zxid, 4);
  body.writeInt32BE(err, 12);
  return frame(body);
}

/** How ZooKeeper (Java's InetAddress#toString) prints a client address: `/127.0.0.1`. */
function javaAddress(address: string | undefined): string {
  return `/${(address ?? 'unknown').replace(/^::ffff:/, '')}`;
}

function timestamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export async function startStandInServer(options: StandInOptions): Promise<StandInServer> {
  const { maxClientCnxns } = options;
  if (!Number.isInteger(maxClientCnxns) || maxClientCnxns < 0) {
    throw new RangeError(`maxClientCnxns must be a whole number >= 0, got ${maxClientCnxns}`);
  }
  const lines: string[] = [];
  const write = (level: 'INFO' | 'WARN', message: string) => {
    const line = `${timestamp()} [connleak-standin:${host}:${port}] ${level} NIOServerCnxnFactory - ${message}`;
    lines.push(line);
    options.onLog?.(line);
  };

  const perIp = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  // Session ids look like ZooKeeper's: a server-id-ish high part and a counter.
  let nextSession = BigInt(Date.now()) << 16n;
  let zxid = 0n;
  let port = 0;

  const server = net.createServer((socket) => {
    const ip = javaAddress(socket.remoteAddress);
    const held = perIp.get(ip) ?? 0;
    if (maxClientCnxns > 0 && held >= maxClientCnxns) {
      write('WARN', `Message:Error accepting new connection: Too many connections from ${ip} - max is ${maxClientCnxns} Value:null`);
      // ZooKeeper closes an over-limit socket at once with linger 0: the peer gets a reset.
      socket.resetAndDestroy();
      return;
    }
    perIp.set(ip, held + 1);
    sockets.add(socket);
    const peer = `${ip}:${socket.remotePort}`;
    let sessionId: bigint | undefined;
    let pending: Buffer = Buffer.alloc(0);

    socket.on('close', () => {
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
    // A client vanishing (reset, EPIPE) is ordinary here; 'close' follows and does the counting.
    socket.on('error', () => undefined);

    const handle = (body: Buffer) => {
      if (sessionId === undefined) {
        // ConnectRequest: protocolVersion int, lastZxidSeen long, timeOut int, sessionId long, passwd.
        const requested = body.length >= 16 ? body.readInt32BE(12) : minSessionTimeout;
        const timeOut = Math.min(maxSessionTimeout, Math.max(minSessionTimeout, requested));
        sessionId = nextSession++;
        socket.write(connectResponse(timeOut, sessionId, randomBytes(16)));
        write('INFO', `Established session 0x${sessionId.toString(16)} with negotiated timeout ${timeOut} for client ${peer}`);
        return;
      }
      if (body.length < 8) return;
      const xid = body.readInt32BE(0);
      const type = body.readInt32BE(4);
      if (type === opCode.ping || xid === xidPing) {
        socket.write(replyHeader(xidPing, zxid, errCode.ok));
      } else if (type === opCode.closeSession) {
        zxid += 1n;
        socket.end(replyHeader(xid, zxid, errCode.ok));
        write('INFO', `Closed session 0x${sessionId.toString(16)} for client ${peer}`);
      } else if (type === opCode.auth || type === opCode.setWatches) {
        socket.write(replyHeader(xid, zxid, errCode.ok));
      } else if (type === opCode.exists) {
        // The stand-in holds no data: exists() answers "no node", which the client reports as null.
        socket.write(replyHeader(xid, zxid, errCode.noNode));
      } else {
        socket.write(replyHeader(xid, zxid, errCode.unimplemented));
      }
    };

    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (sessionId === undefined && pending.length >= 4 && pending.subarray(0, 4).toString('latin1') === 'ruok') {
        // ZooKeeper's four-letter liveness word, so the same readiness probe works on both.
        socket.end('imok');
        return;
      }
      while (pending.length >= 4) {
        const length = pending.readInt32BE(0);
        if (length < 0 || length > 1 << 20) {
          write('WARN', `Closing connection to ${peer}: frame length ${length} is not a ZooKeeper request`);
          socket.destroy();
          return;
        }
        if (pending.length < 4 + length) return;
        const body = pending.subarray(4, 4 + length);
        pending = pending.subarray(4 + length);
        handle(body);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`stand-in ZooKeeper: port ${host}:${options.port} is already taken`) : error);
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as net.AddressInfo).port;
  write('INFO', `binding to port ${javaAddress(host)}:${port} (stand-in for ZooKeeper, maxClientCnxns=${maxClientCnxns})`);

  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    connectString: `${host}:${port}`,
    log: () => lines.join('\n') + (lines.length > 0 ? '\n' : ''),
    connections: () => new Map(perIp),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}

/**
 * `node dist/src/demo/standin-server.js [--max-client-cnxns N] [--port P]`: runs the stand-in as
 * its own process (as a real server would be), printing its log on stdout until SIGINT/SIGTERM.
 */
async function main(argv: readonly string[]): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    args: [...argv],
    options: { 'max-client-cnxns': { type: 'string', default: '60' }, port: { type: 'string' } },
  });
  const server = await startStandInServer({
    maxClientCnxns: Number(values['max-client-cnxns']),
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
    onLog: (line) => process.stdout.write(`${line}\n`),
  });
  const stop = () => void server.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`standin-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
