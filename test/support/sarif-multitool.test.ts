import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { sarifMultitoolEnv, sarifMultitoolPath } from './sarif-multitool';

test('sarifMultitoolPath() gives an executable SARIF Multitool that runs', () => {
  const binary = sarifMultitoolPath();
  assert.notEqual(statSync(binary).mode & 0o100, 0);
  const result = spawnSync(binary, ['--version'], { env: sarifMultitoolEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  // It prints its version on stderr.
  assert.match(result.stdout + result.stderr, /SARIF Multitool 5\.\d+/);
});
