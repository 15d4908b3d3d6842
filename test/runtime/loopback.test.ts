import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { validateTrace } from '../../src/runtime/trace';
import { registerPath, repoRoot } from '../support/paths';
import { jsonLines, runNode } from '../support/run-node';
import { freePort } from '../support/zookeeper';
import { app, connleakLines, runWithPreload, siteOf } from './support';

/** The tracer against plain loopback servers: every way of opening a socket, threads, endings. */

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'connleak-runtime-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('socket tracking', () => {
  test('pg-style new net.Socket().connect() sockets are counted once each and named by their line', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '5', CONNLEAK_LIMITS: `*:${port}=4` });
    assert.equal(result.code, 0, result.stderr);
    const snapshot = jsonLines(result.stdout).find((event) => event.event === 'snapshot');
    assert.deepEqual(snapshot?.destinations, [{ destination: `127.0.0.1:${port}`, live: 5, peak: 5, opened: 5, closed: 0, limit: 4 }]);
    const lines = connleakLines(result);
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.includes(`limit reached: 4 live connections to 127.0.0.1:${port}`), lines[0]);
    assert.ok(lines[0]!.includes(`opened at ${siteOf('runtime-pg-style.js', 'stream.connect(')} (4)`), lines[0]);
  });

  test('an ESM app under --import is traced', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-net-leak.mjs', { LOOP_PORT: String(port), LOOP_COUNT: '5', CONNLEAK_LIMITS: `*:${port}=5` }, { flag: '--import' });
    assert.equal(result.code, 0, result.stderr);
    const lines = connleakLines(result);
    assert.equal(lines.length, 2, result.stderr);
    assert.ok(lines[0]!.includes(`4 live connections to 127.0.0.1:${port} (80% of the limit 5, configured limit)`), lines[0]);
    assert.ok(lines[1]!.includes(`opened at ${siteOf('runtime-net-leak.mjs', 'net.connect(')} (5)`), lines[1]);
  });

  test('sockets of worker threads count together with the main thread, until the worker is terminated', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-workers.js', { LOOP_PORT: String(port), LOOP_COUNT: '4', CONNLEAK_LIMITS: `*:${port}=10` });
    assert.equal(result.code, 0, result.stderr);
    const snapshot = jsonLines(result.stdout).find((event) => event.event === 'snapshot');
    assert.deepEqual(snapshot?.destinations, [{ destination: `127.0.0.1:${port}`, live: 8, peak: 8, opened: 8, closed: 0, limit: 10 }]);
    const terminated = jsonLines(result.stdout).find((event) => event.event === 'terminated');
    assert.deepEqual(terminated?.destinations, [{ destination: `127.0.0.1:${port}`, live: 4, peak: 8, opened: 8, closed: 4, limit: 10 }]);
    const lines = connleakLines(result);
    assert.equal(lines.length, 1, result.stderr);
    const main = siteOf('runtime-workers.js', 'net.connect(');
    const worker = siteOf('runtime-worker-child.js', 'net.connect(');
    assert.ok(lines[0]!.includes(`opened at ${main} (4), ${worker} (4)`), lines[0]);
  });

  test('warnings do not flood: again only after the count dropped below the threshold; connleak.on sees each', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-flap.js', { LOOP_PORT: String(port), CONNLEAK_LIMITS: `*:${port}=10` });
    assert.equal(result.code, 0, result.stderr);
    const seen = jsonLines(result.stdout).find((event) => event.event === 'warnings')?.seen;
    assert.deepEqual(seen, ['threshold:8', 'threshold:8', 'limit:10']);
    assert.equal(connleakLines(result).length, 3, result.stderr);
  });

  test('CONNLEAK_WARN_AT moves the first warning', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '3', CONNLEAK_LIMITS: `*:${port}=6`, CONNLEAK_WARN_AT: '0.5' });
    assert.equal(result.code, 0, result.stderr);
    const lines = connleakLines(result);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /3 live connections to .* \(50% of the limit 6/);
  });

  test('CONNLEAK_DISABLE=1 turns the preload into a no-op', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '5', CONNLEAK_LIMITS: `*:${port}=4`, CONNLEAK_FAIL: 'any', CONNLEAK_DISABLE: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(connleakLines(result), []);
    assert.deepEqual(jsonLines(result.stdout).find((event) => event.event === 'snapshot')?.destinations, []);
  });
});

describe('CI verdict (CONNLEAK_FAIL)', () => {
  test('limit: exit code 3 once a warning fired', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '4', CONNLEAK_LIMITS: `*:${port}=4`, CONNLEAK_FAIL: 'limit' });
    assert.equal(result.code, 3, result.stderr);
    assert.ok(connleakLines(result).some((line) => line.includes(`CONNLEAK_FAIL=limit: 1 limit warning(s) for 127.0.0.1:${port}`)), result.stderr);
  });

  test("leak: the app's own non-zero exit code is kept", async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '2', LOOP_EXIT_CODE: '5', CONNLEAK_FAIL: 'leak' });
    assert.equal(result.code, 5, result.stderr);
    const lines = connleakLines(result);
    assert.ok(lines.includes(`connleak:   2 to 127.0.0.1:${port} opened at ${siteOf('runtime-pg-style.js', 'stream.connect(')}`), result.stderr);
    assert.ok(lines.includes("connleak: keeping the app's exit code 5"), result.stderr);
  });

  test('off (the default): sockets left open at process.exit() do not change the exit code', async () => {
    const port = await freePort();
    const result = await runWithPreload('runtime-pg-style.js', { LOOP_PORT: String(port), LOOP_COUNT: '2' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(connleakLines(result), []);
  });
});

describe('endings: the app ends exactly as it would without the preload', () => {
  test('an uncaught socket error still crashes the app (no error listener added), and the trace says so', async (t) => {
    const port = await freePort();
    const traceFile = path.join(tempDir(t), 'trace.json');
    const without = await runNode([app('runtime-crash.js')], { env: { LOOP_PORT: String(port) } });
    const traced = await runWithPreload('runtime-crash.js', { LOOP_PORT: String(port), CONNLEAK_REPORT: traceFile });
    assert.equal(without.code, 1);
    assert.equal(traced.code, 1, traced.stderr);
    assert.match(traced.stderr, /Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
    assert.equal(traced.stderr, without.stderr);
    const trace = validateTrace(JSON.parse(readFileSync(traceFile, 'utf8')));
    assert.equal(trace.process.endReason, 'uncaught-exception');
  });

  test('SIGTERM without a handler of the app: the trace is written and the process still dies by SIGTERM', async (t) => {
    const port = await freePort();
    const traceFile = path.join(tempDir(t), 'trace.json');
    const { signal, code, trace } = await killWhenReady('runtime-signal.js', { LOOP_PORT: String(port), CONNLEAK_REPORT: traceFile }, traceFile);
    assert.equal(code, null);
    assert.equal(signal, 'SIGTERM');
    assert.equal(trace.process.endReason, 'signal');
    assert.equal(trace.process.signal, 'SIGTERM');
    assert.equal(trace.openAtExitTotal, 3);
  });

  test("SIGTERM with the app's own handler: the app's handler decides, the process exits 0", async (t) => {
    const port = await freePort();
    const traceFile = path.join(tempDir(t), 'trace.json');
    const { signal, code, stdout, trace } = await killWhenReady('runtime-signal.js', { LOOP_PORT: String(port), CONNLEAK_REPORT: traceFile, SIGNAL_HANDLER: '1' }, traceFile);
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(stdout.includes('"handled"'));
    // Rewritten at the exit that followed, with every socket closed by the app.
    assert.equal(trace.process.endReason, 'exit');
    assert.equal(trace.openAtExitTotal, 0);
  });
});

/** Starts a fixture with the preload, sends SIGTERM once it printed `ready`, reads the trace. */
function killWhenReady(name: string, env: Record<string, string>, traceFile: string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; trace: ReturnType<typeof validateTrace> }>((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['-r', registerPath, app(name)], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('"ready"')) child.kill('SIGTERM');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve({ code, signal, stdout, trace: validateTrace(JSON.parse(readFileSync(traceFile, 'utf8'))) });
      } catch (error) {
        reject(error);
      }
    });
  });
}
