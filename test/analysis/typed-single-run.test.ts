import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fixturesDir, repoRoot } from '../support/paths';
import { runNode } from '../support/run-node';

/**
 * Typed linting as a user's CI runs it: `CI=true` makes typescript-eslint infer its single-run
 * mode, in which TypeScript 6.0's checker throws from inside (typescript-eslint#12749). The rules
 * must fall back to untyped judgement there, never crash the lint run. A child process, because
 * the mode is read from the environment once per process.
 */
const lintTypedFixtures = `
const path = require('node:path');
const tsParser = require('@typescript-eslint/parser');
const { ESLint } = require('eslint');
const plugin = require('connleak/eslint-plugin');
const directory = ${JSON.stringify(path.join(fixturesDir, 'lint/typed'))};
(async () => {
  for (const config of ['recommended', 'strict']) {
    const eslint = new ESLint({
      cwd: directory,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser, parserOptions: { project: path.join(directory, 'tsconfig.json'), tsconfigRootDir: directory } }, ...plugin.configs[config] }],
    });
    const results = await eslint.lintFiles(['*.ts']);
    console.log(JSON.stringify({ config, files: results.length, fatal: results.flatMap((r) => r.messages.filter((m) => m.fatal)).length }));
  }
})().catch((error) => { console.error(error.message); process.exitCode = 1; });
`;

test('typed linting under CI=true (typescript-eslint single-run mode) does not crash the rules', async () => {
  const env = { CI: 'true', TSESTREE_SINGLE_RUN: undefined };
  const result = await runNode(['-e', lintTypedFixtures], { cwd: repoRoot, env, timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { config: string; files: number; fatal: number });
  assert.deepEqual(lines.map((line) => line.config), ['recommended', 'strict']);
  for (const line of lines) {
    assert.ok(line.files >= 2, `linted the typed fixtures, got ${line.files} files`);
    assert.equal(line.fatal, 0);
  }
});
