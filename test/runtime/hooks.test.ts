import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, describe, test } from 'node:test';
import { builtinClients } from '../../src/catalog';
import { wrapExports } from '../../src/runtime/catalog-hooks';
import { readRuntimeConfig } from '../../src/runtime/config';
import { installSocketHooks, localSink, resetCodeOf, withCarriedSite } from '../../src/runtime/socket-hooks';
import { internSite } from '../../src/runtime/sites';
import { internalErrorHandler } from '../../src/runtime/start';
import { Tracer } from '../../src/runtime/tracer';

/**
 * The hooks in this test process (node --test runs each file in its own process): a tracer fed by
 * the real prototype hooks, real loopback sockets.
 */

const server = net.createServer((socket) => socket.end());
const ready = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
after(() => server.close());

const printed: string[] = [];
let failing = false;
const tracer = new Tracer(readRuntimeConfig({ CONNLEAK_LIMITS: '*:1=1' }), { print: (line) => printed.push(line), emit: () => {}, sampling: false, captureAll: true });
const sink = localSink(tracer);
installSocketHooks(
  {
    connect(socket, host, port, hook) {
      if (failing) throw new Error('sink exploded');
      return sink.connect(socket, host, port, hook);
    },
    connected: sink.connected,
    closed: sink.closed,
  },
  internalErrorHandler((line) => printed.push(line)),
);

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('socket hooks', () => {
  test('a TLS socket is one socket to its destination, closed when it closes', async () => {
    const port = await ready;
    const before = tracer.destination('127.0.0.1', port).opened;
    // The server is not TLS: the handshake fails, which is fine here; the socket is still counted.
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.on('error', () => {});
    assert.equal(tracer.destination('127.0.0.1', port).live, 1);
    await closed(socket);
    const destination = tracer.destination('127.0.0.1', port);
    assert.equal(destination.opened - before, 1);
    assert.equal(destination.live, 0);
  });

  test('a host name is counted under the address it connected to', async () => {
    const port = await ready;
    const socket = net.connect(port, 'localhost');
    socket.on('error', () => {});
    assert.equal(tracer.destination('localhost', port).live, 1);
    await new Promise((resolve) => socket.once('connect', resolve));
    assert.equal(tracer.destination('localhost', port).live, 0);
    assert.equal(tracer.destination(socket.remoteAddress!, port).live, 1);
    await closed(socket);
    assert.equal(tracer.destination(socket.remoteAddress!, port).live, 0);
  });

  test('a site carried from a factory call wins over the stack', async () => {
    const port = await ready;
    const site = internSite('src/factory.js:1:1', []);
    const socket = withCarriedSite(site, () => net.connect(port, '127.0.0.1'));
    const record = [...tracer.destination('127.0.0.1', port).records].find((candidate) => candidate.socket === socket);
    assert.equal(record?.site, site);
    await closed(socket);
  });

  test('what counts as a refusal: a reset or the server hanging up before any data, before the app ended its side', async () => {
    const servers: net.Server[] = [];
    const serve = (onConnection: (socket: net.Socket) => void) =>
      new Promise<number>((resolve) => {
        const extra = net.createServer(onConnection);
        servers.push(extra);
        extra.listen(0, '127.0.0.1', () => resolve((extra.address() as net.AddressInfo).port));
      });
    /** Connects, lets `drive` act on the client, returns resetCodeOf at close as the tracer sees it. */
    const codeAtClose = (port: number, drive: (socket: net.Socket) => void = () => {}) =>
      new Promise<string | undefined>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        const record = [...tracer.destination('127.0.0.1', port).records].find((candidate) => candidate.socket === socket)!;
        let error: Error | undefined;
        socket.on('error', (caught) => (error = caught));
        socket.on('data', () => {});
        socket.once('connect', () => drive(socket));
        socket.once('close', () => resolve(resetCodeOf(socket, error, record.appEndedFirst)));
      });
    try {
      const hangsUp = await serve((socket) => socket.end());
      const resets = await serve((socket) => socket.resetAndDestroy());
      const answersThenResets = await serve((socket) => socket.write('partial line\n', () => setTimeout(() => socket.resetAndDestroy(), 20)));
      // Hangs up only once the client has: the client's end certainly comes first.
      const hangsUpAfterClient = await serve((socket) => socket.on('end', () => socket.end()).resume());
      assert.equal(await codeAtClose(hangsUp), 'EOF');
      assert.equal(await codeAtClose(resets), 'ECONNRESET');
      assert.equal(await codeAtClose(answersThenResets), undefined, 'data came first');
      assert.equal(await codeAtClose(hangsUpAfterClient, (socket) => socket.end()), undefined, 'the app ended first');
    } finally {
      for (const extra of servers) extra.close();
    }
  });

  test('an internal error prints one line, disables the tracer, and the app connects on', async () => {
    const port = await ready;
    failing = true;
    const first = net.connect(port, '127.0.0.1');
    const second = net.connect(port, '127.0.0.1');
    await Promise.all([closed(first), closed(second)]);
    assert.deepEqual(printed, ['connleak: internal error, tracer disabled: sink exploded']);
    assert.equal(first.bytesRead, 0);
  });
});

describe('catalog wrappers', () => {
  const zookeeper = builtinClients.find((kind) => kind.id === 'node-zookeeper-client')!;
  const pg = builtinClients.find((kind) => kind.id === 'pg')!;

  test('a factory keeps its name and result; a constructor keeps instanceof and subclassing', () => {
    class Client {
      constructor(readonly options: string) {}
    }
    const zookeeperExports = { createClient: (options: string) => ({ options }) };
    const exports = { Client, native: undefined as unknown };
    Object.defineProperty(exports, 'native', { get: () => assert.fail('an accessor must never be read') });
    wrapExports(zookeeperExports, zookeeper);
    wrapExports(exports, pg);
    assert.equal(zookeeperExports.createClient.name, 'createClient');
    assert.deepEqual(zookeeperExports.createClient('a'), { options: 'a' });
    assert.notEqual(exports.Client, Client);
    const client = new exports.Client('b');
    assert.ok(client instanceof Client);
    assert.ok(client instanceof exports.Client);
    class Sub extends exports.Client {}
    assert.ok(new Sub('c') instanceof Client);
  });
});
