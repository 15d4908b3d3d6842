import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturesDir } from '../support/paths';
import { jsonLines, runNode } from '../support/run-node';
import { requireZooKeeper, startZooKeeper, zooKeeperAvailable, type ZooKeeperServer } from '../support/zookeeper';
import { closeClients, openClients } from '../support/zookeeper-client';
import { probeConnection } from '../support/zookeeper-wire';

/**
 * The seed incident, pinned against a real Apache ZooKeeper 3.8 and the real node-zookeeper-client:
 * every later feature is measured on exactly this behaviour.
 */

const leakyApp = path.join(fixturesDir, 'apps/incident-leaky.js');
const fixedApp = path.join(fixturesDir, 'apps/incident-fixed.js');
const tooMany = /Too many connections from \/127\.0\.0\.1 - max is 5\b/;
/** What a plain socket may see when ZooKeeper drops it on loopback (see DESIGN.md). */
const rejections = ['end-of-stream', 'ECONNRESET', 'EPIPE'];

function indices(events: Record<string, unknown>[], event: string, state?: string): unknown[] {
  return events.filter((e) => e.event === event && (state === undefined || e.state === state)).map((e) => e.index);
}

describe('the incident: a new ZooKeeper client per job, never closed (maxClientCnxns=5)', () => {
  test('the first 5 clients reach SYNC_CONNECTED, the 6th never does, and the server log says why', async (t) => {
    if (!requireZooKeeper(t)) return;
    const zk = await startZooKeeper({ maxClientCnxns: 5 });
    t.after(() => zk.stop());

    const run = await runNode([leakyApp, zk.connectString, '--clients', '6', '--interval-ms', '100', '--wait-ms', '3000'], { timeoutMs: 20_000 });
    assert.equal(run.code, 0, `leaky app failed:\n${run.stderr}`);
    const events = jsonLines(run.stdout);
    assert.deepEqual(indices(events, 'created'), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(indices(events, 'state', 'SYNC_CONNECTED'), [0, 1, 2, 3, 4]);
    // node-zookeeper-client swallows the rejection: not even a state change reaches the app.
    assert.deepEqual(indices(events, 'state').filter((index) => index === 5), []);
    const summary = events.find((e) => e.event === 'summary');
    assert.deepEqual(summary?.neverConnected, [5]);
    const sixthCreatedAt = events.find((e) => e.event === 'created' && e.index === 5)?.ms;
    assert.ok(typeof summary?.ms === 'number' && typeof sixthCreatedAt === 'number' && summary.ms - sixthCreatedAt >= 3000);

    const line = await zk.waitForLog(tooMany, 5_000);
    assert.match(line, /WARN .*NIOServerCnxnFactory/);
  });

  test('a raw socket as the 6th connection is dropped at once (end-of-stream, ECONNRESET or EPIPE)', async (t) => {
    if (!requireZooKeeper(t)) return;
    const zk = await startZooKeeper({ maxClientCnxns: 5 });
    t.after(() => zk.stop());

    // The same probe, below the limit, gets a ConnectResponse: it can tell acceptance from rejection.
    assert.equal(await probeConnection(zk.port), 'answered');
    const clients = await openClients(zk.connectString, 5);
    try {
      const outcome = await probeConnection(zk.port, 3_000);
      assert.ok(rejections.includes(outcome), `the 6th connection saw "${outcome}", expected one of ${rejections.join(', ')}`);
      await zk.waitForLog(tooMany, 5_000);
    } finally {
      // Before the server stops (t.after), or each client would wait for a server that is gone.
      await closeClients(clients);
    }
  });
});

describe('the incident app, fixed: eight jobs against maxClientCnxns=5', () => {
  // Its own server: ZooKeeper's rate-limited logger flushes "[N times] Too many connections" late.
  let zk: ZooKeeperServer | undefined;
  before(async () => {
    if (zooKeeperAvailable()) zk = await startZooKeeper({ maxClientCnxns: 5 });
  });
  after(() => zk?.stop());

  async function runFixed(mode: 'shared' | 'close-each', server: ZooKeeperServer): Promise<Record<string, unknown>[]> {
    const run = await runNode([fixedApp, server.connectString, '--mode', mode, '--jobs', '8', '--interval-ms', '50'], { timeoutMs: 20_000 });
    assert.equal(run.code, 0, `fixed app (${mode}) exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    const events = jsonLines(run.stdout);
    const jobs = events.filter((e) => e.event === 'job');
    assert.equal(jobs.length, 8);
    assert.ok(jobs.every((job) => job.ok === true), JSON.stringify(jobs));
    return events;
  }

  test('one shared client: every job succeeds on a single connection', async (t) => {
    if (!requireZooKeeper(t)) return;
    assert.ok(zk);
    const events = await runFixed('shared', zk);
    assert.deepEqual(indices(events, 'state', 'SYNC_CONNECTED'), [0]);
    assert.deepEqual(indices(events, 'closed'), [0]);
  });

  test('a client per job, closed before the next: all eight connect, more than the limit in total', async (t) => {
    if (!requireZooKeeper(t)) return;
    assert.ok(zk);
    const events = await runFixed('close-each', zk);
    assert.deepEqual(indices(events, 'state', 'SYNC_CONNECTED'), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(indices(events, 'closed'), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('the server never refused a connection', (t) => {
    if (!requireZooKeeper(t)) return;
    assert.ok(zk);
    assert.match(zk.log(), /binding to port/);
    assert.doesNotMatch(zk.log(), /Too many connections/);
  });
});
