import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main';
import { captureIo, checkCommand, withTempDirAsync } from './helpers';

/** A project whose only client comes from a module the built-in catalog does not know. */
function writeProject(directory: string, clients: unknown): void {
  mkdirSync(path.join(directory, 'src'));
  writeFileSync(
    path.join(directory, 'src/sync.js'),
    "const { connect } = require('my-db');\nexports.sync = (items) => {\n  for (const item of items) {\n    const db = connect(item);\n    db.query();\n  }\n};\n",
  );
  writeFileSync(path.join(directory, 'clients.json'), JSON.stringify(clients));
}

/** Through main(), as the binary runs: exit 2, nothing on stdout, exactly the one line on stderr. */
async function assertUsageError(cwd: string, argv: string[], stderr: RegExp): Promise<void> {
  const io = captureIo(cwd);
  assert.equal(await main(['check', ...argv], io), 2);
  assert.equal(io.stdoutText(), '');
  assert.match(io.stderrText(), stderr);
}

describe('connleak check --clients: the same extra clients as settings.connleak.clients', () => {
  test('a user client is recognised by origin and reported with its close method', () =>
    withTempDirAsync(async (directory) => {
      writeProject(directory, [{ module: 'my-db', factories: ['connect'], close: ['end'] }]);
      const io = captureIo(directory);
      const code = await checkCommand().run(['src', '--clients', 'clients.json', '--format', 'json'], io);
      assert.equal(code, 1);
      const report = JSON.parse(io.stdoutText()) as { findings: { file: string; line: number; rule: string; client: string; message: string }[] };
      assert.deepEqual(
        report.findings.map(({ file, line, rule, client }) => ({ file, line, rule, client })),
        [
          { file: 'src/sync.js', line: 4, rule: 'connleak/no-client-in-loop', client: 'my-db' },
          { file: 'src/sync.js', line: 4, rule: 'connleak/require-client-close', client: 'my-db' },
        ],
      );
      assert.match(report.findings[1]!.message, /db\.end\(\)/);
    }));

  test('without --clients the unknown module is not a client', () =>
    withTempDirAsync(async (directory) => {
      writeProject(directory, []);
      const io = captureIo(directory);
      assert.equal(await checkCommand().run(['src'], io), 0);
    }));

  test('a malformed entry: one line naming the field, exit 2', () =>
    withTempDirAsync(async (directory) => {
      writeProject(directory, [{ module: 'my-db', factories: ['connect'], close: [] }]);
      await assertUsageError(directory, ['src', '--clients', 'clients.json'], /^connleak: --clients\[0\]\.close: expected a non-empty array of names, got an array\n$/);
    }));

  test('a --clients file that does not exist or is not JSON: exit 2 with one line', () =>
    withTempDirAsync(async (directory) => {
      writeProject(directory, []);
      writeFileSync(path.join(directory, 'broken.json'), '{ nope');
      await assertUsageError(directory, ['src', '--clients', 'missing.json'], /^connleak: cannot read the --clients file missing\.json: ENOENT\n$/);
      await assertUsageError(directory, ['src', '--clients', 'broken.json'], /^connleak: the --clients file broken\.json is not JSON: .*\n$/);
    }));
});
