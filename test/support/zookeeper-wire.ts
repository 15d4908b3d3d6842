import net from 'node:net';

/**
 * Raw ZooKeeper wire frames for tests that want to see what a plain socket sees, below any client
 * library. Frame: 4-byte big-endian length, then the body (zookeeper.jute).
 */

/** A ConnectRequest for a new session: protocolVersion 0, lastZxidSeen 0, timeOut, sessionId 0, 16-byte passwd. */
export function connectRequestFrame(timeOutMs = 30_000): Buffer {
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16);
  body.writeInt32BE(0, 0);
  body.writeBigInt64BE(0n, 4);
  body.writeInt32BE(timeOutMs, 12);
  body.writeBigInt64BE(0n, 16);
  body.writeInt32BE(16, 24);
  return withLength(body);
}

/** A ping: RequestHeader with xid -2 and type 11 (OpCode.ping). */
export function pingFrame(): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(-2, 0);
  body.writeInt32BE(11, 4);
  return withLength(body);
}

function withLength(body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/**
 * What a raw socket sees when it connects and sends a ConnectRequest: `'answered'` when the server
 * replied (it accepted the connection), `'end-of-stream'` when it closed the socket, an error code
 * (`'ECONNRESET'`, `'EPIPE'`) when it reset it, `'no answer'` after `timeoutMs`.
 */
export function probeConnection(port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done('no answer'), timeoutMs);
    socket.once('connect', () => socket.write(connectRequestFrame()));
    socket.once('data', () => done('answered'));
    socket.once('end', () => done('end-of-stream'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** The frames a server sends back on one connection after `frames` were written, until `count` arrived. */
export function exchange(port: number, frames: readonly Buffer[], count: number, timeoutMs = 3_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const replies: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`got ${replies.length} of ${count} frames within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      for (const frame of frames) socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        replies.push(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
      if (replies.length >= count) {
        clearTimeout(timer);
        socket.destroy();
        resolve(replies);
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
