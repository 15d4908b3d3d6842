import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { jsonLines, runNode } from './run-node';
import { fourLetterWord, installCommand, requireZooKeeper, sharedZooKeeper, startZooKeeper, ZooKeeperHarnessError } from './zookeeper';

/** The harness every runtime test stands on: it must start fast, say what is wrong, and never leak a JVM. */

const harness = path.join(__dirname, 'zookeeper.js');

/** True while the process exists and is not a zombie (a container's init may never reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Runs a script that starts a server, prints `{ pid, dir }`, then ends the way `ending` says. */
async function startThenDie(ending: string): Promise<{ pid: number; dir: string }> {
  const script = `
    const { startZooKeeper } = require(${JSON.stringify(harness)});
    startZooKeeper({ maxClientCnxns: 3 }).then((zk) => {
      process.stdout.write(JSON.stringify({ pid: zk.pid, dir: zk.dir }) + '\\n', () => { ${ending} });
    });`;
  const run = await runNode(['-e', script], { timeoutMs: 40_000 });
  const [started] = jsonLines(run.stdout);
  assert.ok(started && typeof started.pid === 'number' && typeof started.dir === 'string', `no server started:\n${run.stdout}\n${run.stderr}`);
  return { pid: started.pid, dir: started.dir };
}

describe('ZooKeeper harness', () => {
  test('starts a server that answers ruok and logs, and stop() kills it and removes its files', async (t) => {
    if (!requireZooKeeper(t)) return;
    const zk = await startZooKeeper({ maxClientCnxns: 7 });
    try {
      assert.equal(zk.connectString, `127.0.0.1:${zk.port}`);
      assert.equal(await fourLetterWord(zk.port, 'ruok'), 'imok');
      assert.match(await fourLetterWord(zk.port, 'stat'), /^Zookeeper version: 3\.8/);
      assert.match(readFileSync(path.join(zk.dir, 'zoo.cfg'), 'utf8'), /^maxClientCnxns=7$/m);
      assert.match(zk.log(), new RegExp(`binding to port /127\\.0\\.0\\.1:${zk.port}`));
      assert.ok(alive(zk.pid));
    } finally {
      await zk.stop();
    }
    assert.equal(alive(zk.pid), false);
    assert.equal(existsSync(zk.dir), false);
    await zk.stop();
  });

  test('waitForLog finds a line already logged, and on timeout says what it saw', async (t) => {
    if (!requireZooKeeper(t)) return;
    const zk = await sharedZooKeeper(4);
    assert.match(await zk.waitForLog(/binding to port/, 1_000), /NIOServerCnxnFactory - binding to port/);
    await assert.rejects(zk.waitForLog(/no such line, ever/, 200), (error: Error) => {
      assert.ok(error instanceof ZooKeeperHarnessError);
      assert.match(error.message, /^ZooKeeper log has no line matching \/no such line, ever\/ after 200 ms; last lines:\n/);
      assert.match(error.message, /\n.* INFO org\.apache\.zookeeper\./);
      return true;
    });
  });

  test('sharedZooKeeper starts one server per limit and process', async (t) => {
    if (!requireZooKeeper(t)) return;
    const [a, b] = await Promise.all([sharedZooKeeper(4), sharedZooKeeper(4)]);
    assert.equal(a, b);
    assert.equal(a.maxClientCnxns, 4);
  });

  test('a port already taken is a one-line error', async (t) => {
    if (!requireZooKeeper(t)) return;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const { port } = blocker.address() as net.AddressInfo;
    await assert.rejects(startZooKeeper({ maxClientCnxns: 3, port }), {
      name: 'ZooKeeperHarnessError',
      message: `cannot start ZooKeeper: port 127.0.0.1:${port} is already taken`,
    });
  });

  test('a test process that exits without stop() leaves no JVM and no files behind', async (t) => {
    if (!requireZooKeeper(t)) return;
    const { pid, dir } = await startThenDie('process.exit(1);');
    assert.ok(await waitUntil(() => !alive(pid) && !existsSync(dir), 5_000), `JVM ${pid} or ${dir} survived`);
  });

  test('a test process killed by SIGKILL leaves no JVM and no files behind (the watchdog)', async (t) => {
    if (!requireZooKeeper(t)) return;
    const { pid, dir } = await startThenDie("process.kill(process.pid, 'SIGKILL');");
    assert.ok(await waitUntil(() => !alive(pid) && !existsSync(dir), 5_000), `JVM ${pid} or ${dir} survived`);
  });
});

describe('ZooKeeper harness without ZooKeeper', () => {
  test('java missing: startZooKeeper fails with one line naming the install command', async () => {
    const script = `
      const { startZooKeeper, zooKeeperAvailable } = require(${JSON.stringify(harness)});
      console.log(JSON.stringify({ available: zooKeeperAvailable() }));
      startZooKeeper({ maxClientCnxns: 3 }).catch((error) => console.log(JSON.stringify({ name: error.name, message: error.message })));`;
    const run = await runNode(['-e', script], { env: { PATH: '/nonexistent' }, timeoutMs: 10_000 });
    const [availability, failure] = jsonLines(run.stdout);
    assert.deepEqual(availability, { available: false });
    assert.deepEqual(failure, {
      name: 'ZooKeeperHarnessError',
      message: `cannot start ZooKeeper: java is not on PATH; install it with: ${installCommand}`,
    });
  });

  test('requireZooKeeper fails the test under CI=true and skips it loudly otherwise', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'connleak-require-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const testFile = path.join(dir, 'needs-zookeeper.test.js');
    writeFileSync(
      testFile,
      `const { test } = require('node:test');
       const { requireZooKeeper } = require(${JSON.stringify(harness)});
       test('needs ZooKeeper', (t) => { if (!requireZooKeeper(t)) return; throw new Error('ran without ZooKeeper'); });`,
    );

    const underCi = await runNode(['--test', testFile], { env: { PATH: '/nonexistent', CI: 'true' }, timeoutMs: 20_000 });
    assert.equal(underCi.code, 1, underCi.stdout);
    assert.match(underCi.stdout, /not ok 1 - needs ZooKeeper/);
    assert.match(underCi.stdout, /java is not on PATH; install it with: apt-get update && apt-get install -y zookeeper \(CI=true: not skipping\)/);

    const local = await runNode(['--test', testFile], { env: { PATH: '/nonexistent', CI: undefined }, timeoutMs: 20_000 });
    assert.equal(local.code, 0, local.stdout);
    assert.match(local.stdout, /ok 1 - needs ZooKeeper # SKIP ZooKeeper is needed but java is not on PATH; install it with: apt-get update/);
    assert.match(local.stderr + local.stdout, /\*\*\* SKIPPED: needs ZooKeeper: /);
  });
});
