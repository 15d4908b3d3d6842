import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as tsParser from '@typescript-eslint/parser';
import { ESLint, type Linter } from 'eslint';
import { runCheck } from '../../src/check';
import { loadPlugin } from '../../src/check/analyse';
import { loadProgram, relative } from '../../src/check/load';
import { fixturesDir } from '../support/paths';
import { projectsDir } from './helpers';

/**
 * One analysis, not two: on single-file fixtures, where cross-file summaries add nothing, the
 * checker must report exactly what the ESLint rules report when ESLint runs them itself (typed
 * linting with the fixture's tsconfig, the plugin's own config). Fixture directories: this
 * checker's single-file cases, and every directory with a tsconfig.json under fixtures/lint.
 */
function fixtureDirectories(): string[] {
  const directories = [path.join(projectsDir, 'single-file')];
  const visit = (directory: string): void => {
    if (existsSync(path.join(directory, 'tsconfig.json'))) directories.push(directory);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') visit(path.join(directory, entry.name));
    }
  };
  const lintFixtures = path.join(fixturesDir, 'lint');
  if (existsSync(lintFixtures)) visit(lintFixtures);
  return directories;
}

type Comparable = string;

function comparable(file: string, rule: string | null, line: number, column: number, message: string): Comparable {
  return `${file}:${line}:${column} ${rule} ${message}`;
}

// typescript-eslint infers its single-run mode from CI=true, and in that mode TypeScript 6.0
// throws inside the type checker (typescript-eslint/typescript-eslint#12749; the rules then fall
// back to untyped judgement). The checker hands the parser its own Program, which that mode does
// not touch; the direct ESLint run here uses the documented escape hatch so both sides have types.
process.env.TSESTREE_SINGLE_RUN = 'false';

async function eslintDirectly(directory: string, files: readonly string[], config: 'recommended' | 'strict'): Promise<Comparable[]> {
  const plugin = loadPlugin();
  const preset = plugin.configs[config] as Linter.Config;
  const eslint = new ESLint({
    cwd: directory,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts', '**/*.js', '**/*.jsx', '**/*.mjs', '**/*.cjs'],
        languageOptions: { parser: tsParser, parserOptions: { project: path.join(directory, 'tsconfig.json'), tsconfigRootDir: directory } },
        ...preset,
      },
    ],
  });
  const results = await eslint.lintFiles([...files]);
  return results.flatMap((result) =>
    result.messages.map((message) => {
      assert.ok(!message.fatal, `${result.filePath}: ${message.message}`);
      return comparable(relative(directory, result.filePath), message.ruleId, message.line, message.column, message.message);
    }),
  );
}

function checkerFindings(directory: string, config: 'recommended' | 'strict'): Comparable[] {
  const { report } = runCheck({ cwd: directory, project: 'tsconfig.json', config });
  assert.deepEqual(report.filesNotAnalysed, []);
  return report.findings.map((finding) => comparable(finding.file, finding.rule, finding.line, finding.column, finding.message));
}

describe('the checker and the ESLint rules agree on single files', () => {
  for (const directory of fixtureDirectories()) {
    const name = path.relative(fixturesDir, directory);
    for (const config of ['recommended', 'strict'] as const) {
      test(`${name} (${config})`, async () => {
        const files = loadProgram({ cwd: directory, project: 'tsconfig.json', paths: [] }).files.map((file) => file.fileName);
        const direct = (await eslintDirectly(directory, files, config)).sort();
        const checked = checkerFindings(directory, config).sort();
        assert.deepEqual(checked, direct);
        if (name === path.join('projects', 'single-file')) assert.ok(checked.length >= 10, `the single-file cases hold leaks to agree on, got ${checked.length}`);
      });
    }
  }
});
