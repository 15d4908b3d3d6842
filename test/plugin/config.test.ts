import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../support/paths';

/**
 * The plugin as users load it: a project with `connleak` in node_modules and an eslint.config
 * that requires or imports `connleak/eslint-plugin`, linted through ESLint's own API.
 */

const leakyApp = `const zookeeper = require('node-zookeeper-client');
function readAll(paths) {
  for (const path of paths) {
    const client = zookeeper.createClient('127.0.0.1:2181');
    client.connect();
  }
}
module.exports = readAll;
`;

let project: string;

function writeProject(configName: string, config: string): string {
  const directory = mkdtempSync(path.join(project, 'case-'));
  mkdirSync(path.join(directory, 'node_modules'));
  symlinkSync(repoRoot, path.join(directory, 'node_modules/connleak'), 'dir');
  writeFileSync(path.join(directory, configName), config);
  writeFileSync(path.join(directory, 'app.js'), leakyApp);
  return directory;
}

async function lint(directory: string): Promise<ESLint.LintResult> {
  const [result] = await new ESLint({ cwd: directory }).lintFiles(['app.js']);
  assert.ok(result);
  return result;
}

describe('connleak/eslint-plugin in a real eslint.config', () => {
  before(() => {
    project = mkdtempSync(path.join(tmpdir(), 'connleak-plugin-'));
  });
  after(() => {
    rmSync(project, { recursive: true, force: true });
  });

  test('require() gives the plugin object itself (CommonJS module.exports)', () => {
    const directory = writeProject('probe.js', '');
    const loaded = require(require.resolve('connleak/eslint-plugin', { paths: [directory] })) as { meta: { name: string }; rules: object; configs: object };
    assert.equal(loaded.meta.name, 'connleak');
    assert.deepEqual(Object.keys(loaded.configs).sort(), ['recommended', 'strict']);
    assert.ok(!('default' in loaded && Object.keys(loaded).length === 1), 'not wrapped in { default }');
  });

  test('eslint.config.js (CommonJS) with configs.recommended reports both rules', async () => {
    const directory = writeProject('eslint.config.js', `const connleak = require('connleak/eslint-plugin');\nmodule.exports = [connleak.configs.recommended];\n`);
    const result = await lint(directory);
    assert.deepEqual(
      result.messages.map((message) => [message.ruleId, message.line, message.column]),
      [
        ['connleak/no-client-in-loop', 4, 20],
        ['connleak/require-client-close', 4, 20],
      ],
    );
    assert.match(result.messages[0]!.message, /^ZooKeeper client created in a for-of loop body: each pass opens a connection, and ZooKeeper accepts 60 per client IP \(maxClientCnxns\)\. Create it once outside the loop\.$/);
  });

  test('eslint.config.mjs (ESM import) with configs.strict', async () => {
    const directory = writeProject('eslint.config.mjs', `import connleak from 'connleak/eslint-plugin';\nexport default [connleak.configs.strict];\n`);
    const result = await lint(directory);
    assert.deepEqual(
      result.messages.map((message) => message.ruleId),
      ['connleak/no-client-in-loop', 'connleak/require-client-close'],
    );
  });

  test('a malformed settings.connleak.clients entry is a one-line error naming the field', async () => {
    const directory = writeProject(
      'eslint.config.js',
      `const connleak = require('connleak/eslint-plugin');
module.exports = [connleak.configs.recommended, { settings: { connleak: { clients: [{ module: 'my-db', factories: ['open'] }] } } }];
`,
    );
    await assert.rejects(lint(directory), (error: Error) => {
      const firstLine = error.message.split('\n')[0]!;
      assert.match(firstLine, /settings\.connleak\.clients\[0\]\.close: expected a non-empty array of names, got undefined$/);
      return true;
    });
  });

  test('an unknown option is an ESLint schema error naming the property', async () => {
    const directory = writeProject(
      'eslint.config.js',
      `const connleak = require('connleak/eslint-plugin');
module.exports = [connleak.configs.recommended, { rules: { 'connleak/require-client-close': ['error', { requireClose: true }] } }];
`,
    );
    await assert.rejects(lint(directory), /Unexpected property "requireClose"\. Expected properties: "requireCloseOnThrow"/);
  });

  test('an option of the wrong type is an ESLint schema error naming the rule and the value', async () => {
    const directory = writeProject(
      'eslint.config.js',
      `const connleak = require('connleak/eslint-plugin');
module.exports = [connleak.configs.recommended, { rules: { 'connleak/no-client-in-loop': ['error', { allowClosedInIteration: 'yes' }] } }];
`,
    );
    // ESLint prints ajv's message without the property path for type errors.
    await assert.rejects(lint(directory), /Key "connleak\/no-client-in-loop":\n\tValue "yes" should be boolean\./);
  });
});
