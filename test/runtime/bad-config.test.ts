import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cliPath } from '../support/paths';
import { jsonLines, runNode } from '../support/run-node';
import { app, runWithPreload } from './support';

/**
 * A bad CONNLEAK_* value stops the app before its first line: one line on stderr, exit code 2.
 * The fixture prints {"event":"started"} first thing, so "never started" is visible.
 */

const cases: ReadonlyArray<{ variable: string; value: string; message: string }> = [
  { variable: 'CONNLEAK_LIMITS', value: 'abc', message: 'connleak: CONNLEAK_LIMITS: "abc" is not HOST:PORT=MAX (for example *:2181=60,10.0.0.5:6379=100)' },
  { variable: 'CONNLEAK_LIMITS', value: '*:2181=0', message: 'connleak: CONNLEAK_LIMITS: limit 0 in "*:2181=0" must be at least 1' },
  { variable: 'CONNLEAK_LIMITS', value: '*:70000=5', message: 'connleak: CONNLEAK_LIMITS: port 70000 in "*:70000=5" is not between 1 and 65535' },
  { variable: 'CONNLEAK_WARN_AT', value: '3', message: 'connleak: CONNLEAK_WARN_AT: "3" is not a share of the limit between 0 and 1 (for example 0.8)' },
  { variable: 'CONNLEAK_WARN_AT', value: 'often', message: 'connleak: CONNLEAK_WARN_AT: "often" is not a share of the limit between 0 and 1 (for example 0.8)' },
  { variable: 'CONNLEAK_FAIL', value: 'sometimes', message: 'connleak: CONNLEAK_FAIL: "sometimes" is not one of off, limit, leak, any' },
  { variable: 'CONNLEAK_SCOPE', value: 'galaxy', message: 'connleak: CONNLEAK_SCOPE: "galaxy" is not "process" or "host"' },
];

describe('bad configuration: one line, exit 2, the app never starts', () => {
  for (const { variable, value, message } of cases) {
    test(`${variable}=${value} under -r`, async () => {
      const result = await runWithPreload('runtime-crash.js', { [variable]: value, LOOP_PORT: '1' });
      assert.equal(result.code, 2);
      assert.equal(result.stderr, `${message}\n`);
      assert.deepEqual(jsonLines(result.stdout), []);
    });
  }

  test('under --import too (an ES module app)', async () => {
    const result = await runWithPreload('runtime-net-leak.mjs', { CONNLEAK_LIMITS: 'abc', LOOP_PORT: '1' }, { flag: '--import' });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `${cases[0]!.message}\n`);
    assert.deepEqual(jsonLines(result.stdout), []);
  });

  test('connleak run: a bad flag or a bad inherited variable stops before the command starts', async () => {
    const flag = await runNode([cliPath, 'run', '--limit', 'abc', '--', process.execPath, app('runtime-crash.js')], { env: { LOOP_PORT: '1' } });
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'connleak: --limit: "abc" is not HOST:PORT=MAX (for example *:2181=60,10.0.0.5:6379=100)\n');
    assert.deepEqual(jsonLines(flag.stdout), []);
    const inherited = await runNode([cliPath, 'run', '--', process.execPath, app('runtime-crash.js')], { env: { LOOP_PORT: '1', CONNLEAK_FAIL: 'sometimes' } });
    assert.equal(inherited.code, 2);
    assert.equal(inherited.stderr, 'connleak: CONNLEAK_FAIL: "sometimes" is not one of off, limit, leak, any\n');
    const warnAt = await runNode([cliPath, 'run', '--warn-at', '3', '--', process.execPath, app('runtime-crash.js')], { env: { LOOP_PORT: '1' } });
    assert.equal(warnAt.code, 2);
    assert.equal(warnAt.stderr, 'connleak: --warn-at: "3" is not a share of the limit between 0 and 1 (for example 0.8)\n');
    const unknown = await runNode([cliPath, 'run', '--fail', 'never', '--', process.execPath, app('runtime-crash.js')], { env: { LOOP_PORT: '1' } });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'connleak: --fail: "never" is not one of off, limit, leak, any\n');
  });
});
