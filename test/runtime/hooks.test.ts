import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, describe, test } from 'node:test';
import { builtinClients } from '../../src/catalog';
import { wrapExports } from '../../src/runtime/catalog-hooks';
import { readRuntimeConfig } from '../../src/runtime/config';
import { installSocketHooks, localSink, withCarriedSite } from '../../src/runtime/socket-hooks';
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
