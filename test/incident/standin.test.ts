import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startStandInServer } from '../../src/demo/standin-server';
import { distDir, fixturesDir } from '../support/paths';
import { jsonLines, runNode } from '../support/run-node';
import { fourLetterWord } from '../support/zookeeper';
import { closeClients, openClients } from '../support/zookeeper-client';
import { connectRequestFrame, exchange, pingFrame, probeConnection } from '../support/zookeeper-wire';

/**
 * The demo's stand-in for ZooKeeper, run against the same incident apps as the real server: it
 * must refuse the same connections, log the same line, and let the same client connect.
 */

const leakyApp = path.join(fixturesDir, 'apps/incident-leaky.js');
const fixedApp = path.join(fixturesDir, 'apps/incident-fixed.js');
const tooMany = /Too many connections from \/127\.0\.0\.1 - max is 5\b/;

function indices(events: Record<string, unknown>[], event: string, state?: string): unknown[] {
  return events.filter((e) => e.event === event && (state === undefined || e.state === state)).map((e) => e.index);
}

describe('stand-in ZooKeeper server (maxClientCnxns=5)', () => {
  test('the leaky app: the first 5 clients connect, the 6th never does, and the log says why', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());

    const run = await runNode([leakyApp, server.connectString, '--clients', '6', '--wait-ms', '2000'], { timeoutMs: 20_000 });
    assert.equal(run.code, 0, run.stderr);
    const events = jsonLines(run.stdout);
    assert.deepEqual(indices(events, 'state', 'SYNC_CONNECTED'), [0, 1, 2, 3, 4]);
    assert.deepEqual(events.find((e) => e.event === 'summary')?.neverConnected, [5]);
    assert.match(server.log(), tooMany);
    assert.match(server.log(), /WARN NIOServerCnxnFactory - Message:Error accepting new connection: Too many connections/);
  });

  test('a raw socket as the 6th connection is reset; below the limit the same probe is answered', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());

    assert.equal(await probeConnection(server.port), 'answered');
    const clients = await openClients(server.connectString, 5, 20);
    try {
      assert.deepEqual([...server.connections()], [['/127.0.0.1', 5]]);
      const outcome = await probeConnection(server.port);
      assert.ok(['ECONNRESET', 'EPIPE', 'end-of-stream'].includes(outcome), `the 6th connection saw "${outcome}"`);
    } finally {
      await closeClients(clients);
    }
    assert.match(server.log(), tooMany);
  });

  test('the fixed app, both ways, succeeds on every job and is never refused', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());

    const shared = await runNode([fixedApp, server.connectString, '--mode', 'shared', '--jobs', '8', '--interval-ms', '20'], { timeoutMs: 20_000 });
    assert.equal(shared.code, 0, `${shared.stdout}\n${shared.stderr}`);
    assert.deepEqual(indices(jsonLines(shared.stdout), 'state', 'SYNC_CONNECTED'), [0]);

    const closeEach = await runNode([fixedApp, server.connectString, '--mode', 'close-each', '--jobs', '8', '--interval-ms', '20'], { timeoutMs: 20_000 });
    assert.equal(closeEach.code, 0, `${closeEach.stdout}\n${closeEach.stderr}`);
    const events = jsonLines(closeEach.stdout);
    assert.deepEqual(indices(events, 'closed'), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(events.filter((e) => e.event === 'job' && e.ok === true).length, 8);

    assert.doesNotMatch(server.log(), /Too many connections/);
    assert.match(server.log(), /Closed session 0x[0-9a-f]+ for client \/127\.0\.0\.1:\d+/);
  });
});

describe('stand-in ZooKeeper server: the wire protocol', () => {
  test('answers a ConnectRequest with a ConnectResponse and a ping with a ping reply', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());

    const [connect, ping] = await exchange(server.port, [connectRequestFrame(12_000), pingFrame()], 2);
    assert.ok(connect && ping);
    // ConnectResponse: protocolVersion int, timeOut int, sessionId long, passwd (int length + bytes).
    assert.equal(connect.readInt32BE(0), 0);
    assert.equal(connect.readInt32BE(4), 12_000);
    assert.notEqual(connect.readBigInt64BE(8), 0n);
    assert.equal(connect.readInt32BE(16), 16);
    assert.equal(connect.length, 20 + 16);
    // ReplyHeader: xid -2 (ping), zxid long, err 0.
    assert.equal(ping.length, 16);
    assert.equal(ping.readInt32BE(0), -2);
    assert.equal(ping.readInt32BE(12), 0);
  });

  test('negotiates the session timeout into ZooKeeper default bounds (4 s to 40 s)', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());

    const [short] = await exchange(server.port, [connectRequestFrame(100)], 1);
    const [long] = await exchange(server.port, [connectRequestFrame(600_000)], 1);
    assert.equal(short?.readInt32BE(4), 4_000);
    assert.equal(long?.readInt32BE(4), 40_000);
  });

  test('answers ruok with imok, like ZooKeeper, so one readiness probe fits both', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 1 });
    t.after(() => server.stop());
    assert.equal(await fourLetterWord(server.port, 'ruok'), 'imok');
  });

  test('drops a connection that does not speak the protocol, and logs it', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => server.stop());
    const closed = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port }, () => socket.write('GET / HTTP/1.1\r\n\r\n'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('close', () => resolve('closed'));
    });
    assert.ok(['closed', 'ECONNRESET'].includes(closed), closed);
    assert.match(server.log(), /frame length \d+ is not a ZooKeeper request/);
  });
});

describe('stand-in ZooKeeper server: bad input', () => {
  test('a port already taken is a one-line error', async (t) => {
    const first = await startStandInServer({ maxClientCnxns: 5 });
    t.after(() => first.stop());
    await assert.rejects(startStandInServer({ maxClientCnxns: 5, port: first.port }), (error: Error) => {
      assert.equal(error.message, `stand-in ZooKeeper: port 127.0.0.1:${first.port} is already taken`);
      return true;
    });
  });

  test('a negative or fractional maxClientCnxns is refused', async () => {
    await assert.rejects(startStandInServer({ maxClientCnxns: -1 }), /maxClientCnxns must be a whole number >= 0, got -1/);
    await assert.rejects(startStandInServer({ maxClientCnxns: 2.5 }), /got 2\.5/);
  });

  test('maxClientCnxns 0 means no limit, as in ZooKeeper', async (t) => {
    const server = await startStandInServer({ maxClientCnxns: 0 });
    t.after(() => server.stop());
    const clients = await openClients(server.connectString, 3, 0);
    await closeClients(clients);
    assert.doesNotMatch(server.log(), /Too many connections/);
  });
});

describe('stand-in ZooKeeper server: as its own process', () => {
  test('prints its log on stdout, enforces the limit, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(distDir, 'src/demo/standin-server.js'), '--max-client-cnxns', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "binding to port" line within 10 s: ${stdout}`)), 10_000);
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          const match = /binding to port \/127\.0\.0\.1:(\d+)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      assert.equal(await probeConnection(port), 'answered');
      const clients = await openClients(`127.0.0.1:${port}`, 1, 0);
      try {
        assert.notEqual(await probeConnection(port), 'answered');
      } finally {
        await closeClients(clients);
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(stdout, /Too many connections from \/127\.0\.0\.1 - max is 1\b/);
  });
});
