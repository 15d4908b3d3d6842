import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { childEnvironment, preloadNodeOptions, registerFile } from '../../src/cli/run';
import { validateTrace } from '../../src/runtime/trace';
import { cliPath, registerPath } from '../support/paths';
import { jsonLines, runNode } from '../support/run-node';
import { freePort } from '../support/zookeeper';
import { app, siteOf } from './support';

/** `connleak run -- CMD…`: the preload in every Node process the command starts. */

describe('connleak run', () => {
  test('traces a Node grandchild (a shell runs node) and exits with its code', async (t) => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'connleak-run-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = `"${process.execPath}" "${app('runtime-pg-style.js')}"`;
    const result = await runNode([cliPath, 'run', '--limit', `*:${port}=4`, '--fail', 'limit', '--report', path.join(dir, 'trace-%p.json'), '--', 'sh', '-c', script], {
      env: { LOOP_PORT: String(port), LOOP_COUNT: '4', NODE_OPTIONS: '--no-warnings' },
    });
    assert.equal(result.code, 3, result.stderr);
    assert.ok(jsonLines(result.stdout).some((event) => event.event === 'started'));
    assert.ok(result.stderr.includes(`limit reached: 4 live connections to 127.0.0.1:${port}`), result.stderr);
    assert.ok(result.stderr.includes(siteOf('runtime-pg-style.js', 'stream.connect(')), result.stderr);
    const traces = readdirSync(dir).filter((file) => /^trace-\d+\.json$/.test(file));
    assert.equal(traces.length, 1);
    const trace = validateTrace(JSON.parse(readFileSync(path.join(dir, traces[0]!), 'utf8')));
    assert.equal(trace.warnings.length, 1);
  });

  test("passes the command's exit code through untouched", async () => {
    const result = await runNode([cliPath, 'run', '--', process.execPath, '-e', 'process.exitCode = 7']);
    assert.equal(result.code, 7, result.stderr);
  });

  test('a command that does not exist: one line, exit 127', async () => {
    const result = await runNode([cliPath, 'run', '--', 'connleak-no-such-command']);
    assert.equal(result.code, 127);
    assert.equal(result.stderr, 'connleak: cannot run "connleak-no-such-command": command not found\n');
  });

  test('NODE_OPTIONS keeps what was there and adds the quoted preload path', () => {
    assert.equal(registerFile, registerPath);
    assert.equal(preloadNodeOptions('--max-old-space-size=100', '/a b/"x"/register.js'), '--max-old-space-size=100 --require "/a b/\\"x\\"/register.js"');
    const prepared = childEnvironment(['--limit', '*:2181=5', '--warn-at', '0.5', '--', 'npm', 'test'], { env: { PATH: '/bin' }, cwd: '/tmp' });
    assert.notEqual(prepared, 'help');
    if (prepared === 'help') return;
    assert.deepEqual(prepared.command, ['npm', 'test']);
    assert.equal(prepared.env.CONNLEAK_LIMITS, '*:2181=5');
    assert.equal(prepared.env.CONNLEAK_WARN_AT, '0.5');
    assert.equal(prepared.env.NODE_OPTIONS, `--require "${registerPath}"`);
  });
});
