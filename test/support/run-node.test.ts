import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { jsonLines, runNode } from './run-node';

describe('runNode', () => {
  test('captures stdout, stderr and the exit code', async () => {
    const run = await runNode(['-e', 'console.log("out"); console.error("err"); process.exitCode = 3']);
    assert.deepEqual(run, { code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  test('kills a child that runs past the timeout and says so', async () => {
    const run = await runNode(['-e', 'console.log("started"); setInterval(() => {}, 1000)'], { timeoutMs: 300 });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGKILL');
    assert.equal(run.code, null);
    assert.equal(run.stdout, 'started\n');
  });

  test('adds and removes environment variables, runs in cwd, feeds stdin', async () => {
    const script = 'process.stdin.setEncoding("utf8").on("data", (d) => console.log(JSON.stringify({ d, added: process.env.CONNLEAK_T, home: process.env.HOME ?? null, ctx: process.env.NODE_TEST_CONTEXT ?? null, cwd: process.cwd() })))';
    const run = await runNode(['-e', script], { env: { CONNLEAK_T: 'yes', HOME: undefined }, cwd: tmpdir(), input: 'hello' });
    assert.deepEqual(jsonLines(run.stdout), [{ d: 'hello', added: 'yes', home: null, ctx: null, cwd: tmpdir() }]);
  });

  test('a child that cannot start is an exit code, not a rejection', async () => {
    const run = await runNode(['/nonexistent/app.js']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Cannot find module '\/nonexistent\/app\.js'/);
  });
});

describe('jsonLines', () => {
  test('keeps the JSON object lines and ignores everything else', () => {
    const text = '{"event":"a","n":1}\nnot json\n{broken\n[1,2]\n  {"event":"b"}  \n';
    assert.deepEqual(jsonLines(text), [{ event: 'a', n: 1 }, { event: 'b' }]);
  });
});
