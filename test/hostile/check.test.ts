import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { RunNodeResult } from '../support/run-node';
import { binaryJunk, deepParentheses, leakyFile, longCallChain, minifiedBundle, nestedCallbacks, runCli, withTempDir } from './inputs';
import { assertNoCrash, assertOneLineError } from './outcome';

/**
 * `connleak check` on hostile input: each case ends with a finding list (the hostile file named
 * among the files not analysed, with why) or one line and exit 2, never a hang, a stack trace or
 * an out-of-memory. Next to most hostile files sits an ordinary leaky file, whose finding proves
 * the rest of the project was still checked.
 */

interface CheckJson {
  readonly findings: readonly { file: string; line: number; column: number; rule: string }[];
  readonly summary: { readonly filesAnalysed: number; readonly filesNotAnalysed: readonly { file: string; reason: string }[] };
}

function report(result: RunNodeResult): CheckJson {
  assertNoCrash(result);
  return JSON.parse(result.stdout) as CheckJson;
}

/** The hostile file is listed as not analysed for `reason`, and leak.js's loop finding is there. */
async function assertSkippedBesideLeak(directory: string, hostile: string, reason: RegExp): Promise<void> {
  writeFileSync(path.join(directory, 'leak.js'), leakyFile);
  const result = await runCli(['check', '--format', 'json', '--config', 'strict', '.'], directory);
  const checked = report(result);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(
    checked.findings.some((finding) => finding.file === 'leak.js' && finding.line === 2 && finding.rule === 'connleak/no-client-in-loop'),
    `leak.js still checked: ${JSON.stringify(checked.findings)}`,
  );
  assert.deepEqual(checked.summary.filesNotAnalysed.map((skipped) => skipped.file), [hostile]);
  assert.match(checked.summary.filesNotAnalysed[0]!.reason, reason);
  assert.match(result.stderr, new RegExp(`1 file not analysed: ${hostile.replace(/\./g, '\\.')}`));
}

describe('connleak check on hostile input', () => {
  test('10,000 levels of parentheses: the file is named as too deeply nested, the rest is checked', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'parentheses.js'), deepParentheses(10_000));
      await assertSkippedBesideLeak(directory, 'parentheses.js', /nested too deeply/);
    }));

  test('10,000 nested callbacks: the same', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'callbacks.js'), nestedCallbacks(10_000));
      await assertSkippedBesideLeak(directory, 'callbacks.js', /nested too deeply/);
    }));

  test('a chain of 10,000 calls, which TypeScript parses but its binder cannot bind: the same', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'chain.js'), longCallChain(10_000));
      await assertSkippedBesideLeak(directory, 'chain.js', /nested more than 500 levels/);
    }));

  test('200 nested callbacks are still analysed: the client in the innermost loop is found', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'callbacks.js'), nestedCallbacks(200));
      const result = await runCli(['check', '--format', 'json', '--config', 'strict', 'callbacks.js'], directory);
      const checked = report(result);
      assert.equal(result.code, 1);
      assert.deepEqual(checked.summary.filesNotAnalysed, []);
      assert.ok(checked.findings.some((finding) => finding.line === 3 && finding.rule === 'connleak/no-client-in-loop'), JSON.stringify(checked.findings));
    }));

  test('a too deeply nested file reached only through an import: one line, exit 2', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'chain.js'), longCallChain(10_000));
      writeFileSync(path.join(directory, 'main.js'), "const chain = require('./chain');\nmodule.exports = chain;\n");
      assertOneLineError(await runCli(['check', 'main.js'], directory), /nested too deeply/);
    }));

  test('a 5 MB minified file: named as too large, the rest is checked, in bounded time and memory', () =>
    withTempDir(async (directory) => {
      const { code } = minifiedBundle(5 * 1024 * 1024);
      assert.ok(code.length >= 5 * 1024 * 1024 && !code.includes('\n'));
      // Not named *.min.js: TypeScript leaves those out of directory and wildcard matches.
      writeFileSync(path.join(directory, 'vendor.js'), code);
      await assertSkippedBesideLeak(directory, 'vendor.js', /more than 500,000 syntax nodes/);
    }));

  test('binary junk with a .js name: named as binary, the rest is checked', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'junk.js'), binaryJunk(200_000));
      await assertSkippedBesideLeak(directory, 'junk.js', /binary/);
    }));

  test('binary junk given as a tsconfig: one line, exit 2', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), binaryJunk(5_000));
      assertOneLineError(await runCli(['check'], directory), /tsconfig/);
    }));

  describe('a symbolic link loop in the project', () => {
    async function loopingProject(directory: string): Promise<void> {
      mkdirSync(path.join(directory, 'src'));
      writeFileSync(path.join(directory, 'src/leak.js'), leakyFile);
      symlinkSync('..', path.join(directory, 'src/up'), 'dir');
      symlinkSync('self', path.join(directory, 'self'));
      symlinkSync('loop-b', path.join(directory, 'loop-a'));
      symlinkSync('loop-a', path.join(directory, 'loop-b'));
      writeFileSync(path.join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowJs: true, noEmit: true }, include: ['**/*'] }));
    }

    for (const [how, args] of [
      ['through its tsconfig', []],
      ['as a directory', ['.']],
      ['through a glob', ['**/*.js']],
    ] as const) {
      test(`checked ${how}: each finding once, under the file's shortest path`, () =>
        withTempDir(async (directory) => {
          await loopingProject(directory);
          const result = await runCli(['check', '--format', 'json', ...args], directory);
          const checked = report(result);
          assert.equal(result.code, 1, result.stderr);
          assert.deepEqual([...new Set(checked.findings.map((finding) => finding.file))], ['src/leak.js']);
          assert.equal(checked.findings.filter((finding) => finding.rule === 'connleak/no-client-in-loop').length, 1);
        }));
    }

    test('a path that is itself a link loop: one line, exit 2', () =>
      withTempDir(async (directory) => {
        await loopingProject(directory);
        assertOneLineError(await runCli(['check', 'self'], directory), /symbolic link loop: self/);
        assertOneLineError(await runCli(['check', 'loop-a/x.js'], directory), /symbolic link loop: loop-a\/x\.js/);
      }));
  });

  test('a tsconfig that extends itself: one line, exit 2', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { allowJs: true }, include: ['*.js'] }));
      writeFileSync(path.join(directory, 'leak.js'), leakyFile);
      assertOneLineError(await runCli(['check'], directory), /invalid tsconfig .*Circularity detected/);
    }));

  test('two tsconfigs that extend each other: one line, exit 2', () =>
    withTempDir(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), JSON.stringify({ extends: './base.json', include: ['*.ts'] }));
      writeFileSync(path.join(directory, 'base.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { strict: true } }));
      writeFileSync(path.join(directory, 'a.ts'), 'export const a = 1;\n');
      assertOneLineError(await runCli(['check', '--project', 'tsconfig.json'], directory), /invalid tsconfig .*Circularity detected.*base\.json/);
    }));
});
