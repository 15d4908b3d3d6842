import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { validateTrace } from '../../src/runtime/trace';
import { jsonLines } from '../support/run-node';
import { requireZooKeeper, sharedZooKeeper } from '../support/zookeeper';
import { app, connleakLines, runWithPreload, siteOf } from './support';

/**
 * The incident, replayed: a real ZooKeeper with maxClientCnxns=10 and the real node-zookeeper-client.
 * The leaking app creates 12 clients 100 ms apart and never closes them.
 */

const leakSite = siteOf('runtime-zk-leak.js', 'zookeeper.createClient(');

test('the preload warns before ZooKeeper resets, then explains the reset (real ZooKeeper, maxClientCnxns=10)', async (t) => {
  if (!requireZooKeeper(t)) return;
  const zk = await sharedZooKeeper(10);
  const dir = mkdtempSync(path.join(tmpdir(), 'connleak-zk-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const traceFile = path.join(dir, 'trace.json');
  const result = await runWithPreload('runtime-zk-leak.js', {
    ZK_CONNECT: zk.connectString,
    ZK_COUNT: '12',
    ZK_LINGER_MS: '1500',
    // ZooKeeper on a test port: the limit is configured for it; the setting's name comes from the
    // catalog entry of the client that opened the sockets.
    CONNLEAK_LIMITS: `*:${zk.port}=10`,
    CONNLEAK_FAIL: 'leak',
    CONNLEAK_REPORT: traceFile,
  });
  const lines = connleakLines(result);
  const destination = `127.0.0.1:${zk.port}`;
  const thresholdAt = lines.findIndex((line) => line.includes(`8 live connections to ${destination}`));
  const limitAt = lines.findIndex((line) => line.includes(`limit reached: 10 live connections to ${destination}`));
  const resetLines = lines.filter((line) => line.includes('reset right after connect ('));
  const retryLines = lines.filter((line) => line.includes('node-zookeeper-client retries a refused connection forever'));
  const firstResetAt = lines.findIndex((line) => line.includes('reset right after connect'));

  await t.test('ZooKeeper itself refused the 11th connection', () => {
    assert.match(zk.log(), /Too many connections from \/127\.0\.0\.1 - max is 10/);
    assert.equal(jsonLines(result.stdout).filter((event) => event.event === 'connected').length, 10);
  });

  await t.test('a warning at 8 and at 10, before any reset, naming the creating line and maxClientCnxns', () => {
    assert.ok(thresholdAt !== -1, `no threshold warning in:\n${result.stderr}`);
    assert.ok(limitAt > thresholdAt, `no limit warning after the threshold warning in:\n${result.stderr}`);
    assert.ok(firstResetAt > limitAt, `the reset diagnosis came before the warnings:\n${result.stderr}`);
    for (const line of [lines[thresholdAt]!, lines[limitAt]!]) {
      assert.ok(line.includes(`opened at ${leakSite} (`), `${line} does not name ${leakSite}`);
      assert.match(line, /ZooKeeper maxClientCnxns, per client IP/);
    }
    assert.match(lines[thresholdAt]!, /80% of the limit 10/);
    assert.match(lines[thresholdAt]!, /\+\d+(\.\d)?\/s, limit in ~?[<\d.]+ s/);
  });

  await t.test('one reset diagnosis naming maxClientCnxns and the site, and the retry loop said once', () => {
    assert.equal(resetLines.length, 1, `expected one diagnosis in:\n${result.stderr}`);
    assert.match(resetLines[0]!, /ZooKeeper refuses connections over maxClientCnxns \(10, counted per client IP\)/);
    // The refused socket itself is live until the server closes it (two refused clients can overlap).
    assert.match(resetLines[0]!, /with 1[12] live connections, limit 10/);
    assert.ok(resetLines[0]!.includes(leakSite), resetLines[0]);
    assert.equal(retryLines.length, 1, `expected the retry loop once in:\n${result.stderr}`);
  });

  await t.test('CONNLEAK_FAIL=leak: exit code 3 and the open sockets by site', () => {
    assert.equal(result.code, 3, result.stderr);
    // 10 connected clients, plus a refused client's retry when process.exit() caught it connecting.
    assert.ok(lines.some((line) => new RegExp(`^connleak: {3}1[01] to ${destination.replaceAll('.', '\\.')} opened at ${leakSite}$`).test(line)), result.stderr);
    assert.ok(lines.some((line) => line.includes('exiting with code 3')));
  });

  await t.test('the trace file validates and holds the warnings, the resets and the open sockets', () => {
    const trace = validateTrace(JSON.parse(readFileSync(traceFile, 'utf8')));
    assert.deepEqual(
      trace.warnings.map((warning) => [warning.level, warning.live, warning.setting]),
      [
        ['threshold', 8, 'maxClientCnxns'],
        ['limit', 10, 'maxClientCnxns'],
      ],
    );
    const zkDestination = trace.destinations.find((candidate) => candidate.destination === destination);
    assert.ok(zkDestination);
    assert.equal(zkDestination.peak >= 11, true);
    assert.ok(zkDestination.live === 10 || zkDestination.live === 11, `live ${zkDestination.live}`);
    assert.ok(trace.resets.length >= 3);
    assert.equal(trace.resets.filter((reset) => reset.diagnosis !== undefined).length, 2);
    assert.equal(trace.openAtExitTotal, zkDestination.live);
    const site = trace.sites.find((candidate) => candidate.site === leakSite);
    assert.equal(site?.client, 'node-zookeeper-client');
    assert.equal(site?.live, zkDestination.live);
    assert.equal(trace.process.exitCode, 3);
  });
});

test('the fixed app (each client closed) gets no warning (real ZooKeeper)', async (t) => {
  if (!requireZooKeeper(t)) return;
  const zk = await sharedZooKeeper(10);
  const result = await runWithPreload('runtime-zk-fixed.js', { ZK_CONNECT: zk.connectString, ZK_COUNT: '12', CONNLEAK_LIMITS: `*:${zk.port}=10`, CONNLEAK_FAIL: 'any' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(jsonLines(result.stdout).filter((event) => event.event === 'connected').length, 12);
  assert.deepEqual(connleakLines(result), []);
});

test('an ESM app under --import gets the warning naming its own line (real ZooKeeper)', async (t) => {
  if (!requireZooKeeper(t)) return;
  const zk = await sharedZooKeeper(10);
  const site = siteOf('runtime-zk-leak.mjs', 'createClient(');
  const result = await runWithPreload('runtime-zk-leak.mjs', { ZK_CONNECT: zk.connectString, ZK_COUNT: '8', ZK_LINGER_MS: '300', CONNLEAK_LIMITS: `*:${zk.port}=10` }, { flag: '--import' });
  assert.equal(result.code, 0, result.stderr);
  const warnings = connleakLines(result).filter((line) => line.includes('8 live connections'));
  assert.equal(warnings.length, 1, result.stderr);
  assert.ok(warnings[0]!.includes(`opened at ${site} (8)`), warnings[0]);
});

test('CONNLEAK_SCOPE=host warns on the host-wide count and names the other process (real ZooKeeper, two processes)', async (t) => {
  if (!requireZooKeeper(t)) return;
  const zk = await sharedZooKeeper(10);
  // Another process of this host holds 5 connections to the same server, without the preload.
  const holder = spawn(process.execPath, [app('runtime-zk-hold.js')], { env: { ...process.env, ZK_CONNECT: zk.connectString, ZK_COUNT: '5' }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"ready"')) resolve();
    });
    holder.once('exit', (code) => reject(new Error(`the holder exited early (${code})`)));
  });
  const result = await runWithPreload('runtime-zk-leak.js', { ZK_CONNECT: zk.connectString, ZK_COUNT: '5', ZK_LINGER_MS: '300', CONNLEAK_LIMITS: `*:${zk.port}=10`, CONNLEAK_SCOPE: 'host' });
  assert.equal(result.code, 0, result.stderr);
  const lines = connleakLines(result);
  const destination = `127.0.0.1:${zk.port}`;
  assert.equal(lines.length, 2, result.stderr);
  assert.ok(lines[0]!.startsWith(`connleak: 8 live connections from this host to ${destination} (80% of the limit 10, ZooKeeper maxClientCnxns, per client IP)`), lines[0]);
  assert.ok(lines[0]!.endsWith(`other processes: pid ${holder.pid} node ${app('runtime-zk-hold.js')} (5)`), lines[0]);
  assert.ok(lines[0]!.includes(`opened at ${leakSite} (3)`), lines[0]);
  assert.ok(lines[1]!.startsWith(`connleak: limit reached: 10 live connections from this host to ${destination}`), lines[1]);
});
