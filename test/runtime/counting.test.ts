import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { readRuntimeConfig } from '../../src/runtime/config';
import { installSocketHooks, localSink } from '../../src/runtime/socket-hooks';
import { Tracer } from '../../src/runtime/tracer';

/**
 * The default configuration's path, in this test process: destinations without a limit keep
 * counts only (no records), including the move from a host name to its address.
 */

const server = net.createServer((socket) => socket.end());
const ready = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
after(() => server.close());

const tracer = new Tracer(readRuntimeConfig({}), { print: () => assert.fail('no warning expected'), emit: () => {}, sampling: false, captureAll: false });
installSocketHooks(localSink(tracer), (error) => assert.fail(String(error)));

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

test('a destination without a limit counts opened, live, peak and closed, and keeps no records', async () => {
  const port = await ready;
  const sockets = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1'), new net.Socket().connect(port, '127.0.0.1')];
  const destination = tracer.destination('127.0.0.1', port);
  assert.deepEqual([destination.opened, destination.live, destination.peak, destination.records.size], [3, 3, 3, 0]);
  await Promise.all(sockets.map(closed));
  assert.deepEqual([destination.opened, destination.closed, destination.live, destination.peak], [3, 3, 0, 3]);
});

test('a host name moves to the address it connected to, without a record', async () => {
  const port = await ready;
  const socket = net.connect(port, 'localhost');
  assert.equal(tracer.destination('localhost', port).live, 1);
  await new Promise((resolve) => socket.once('connect', resolve));
  const address = tracer.destination(socket.remoteAddress!, port);
  assert.deepEqual([tracer.destination('localhost', port).live, tracer.destination('localhost', port).opened], [0, 0]);
  const before = address.closed;
  assert.equal(address.live, 1);
  await closed(socket);
  assert.deepEqual([address.live, address.closed - before], [0, 1]);
});
