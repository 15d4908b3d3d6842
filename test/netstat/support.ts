import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { CliIo } from '../../src/cli/io';

/** A CliIo that keeps what a command wrote. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    stdoutIsTty: false,
    stderrIsTty: false,
    cwd: process.cwd(),
    env,
  };
  return io;
}

/** A loopback server that accepts and holds connections, and the client sockets opened to it. */
export interface HeldConnections {
  readonly port: number;
  readonly clients: net.Socket[];
  open(count: number, host?: string): Promise<void>;
  close(): Promise<void>;
}

export async function holdConnections(listenHost: string): Promise<HeldConnections> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const clients: net.Socket[] = [];
  return {
    port,
    clients,
    async open(count, host = listenHost === '::' ? '127.0.0.1' : listenHost) {
      const opened = Array.from({ length: count }, () => {
        const socket = net.connect(port, host);
        clients.push(socket);
        return new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        });
      });
      await Promise.all(opened);
      // The server side must be accepted too, so both ends are in the tables as ESTABLISHED.
      while (accepted.length < clients.length) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async close() {
      for (const socket of [...clients, ...accepted]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether this machine has the IPv6 loopback address. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

/** Lines `ss -Htn [state STATE] dport = :PORT` prints: the reference count (ss is iproute2's). */
export function ssCount(port: number, state?: string): number {
  const args = ['-Htn', ...(state ? ['state', state] : []), 'dport', '=', `:${port}`];
  return execFileSync('ss', args, { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim() !== '').length;
}
