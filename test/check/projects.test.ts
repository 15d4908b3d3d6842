import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import * as tsParser from '@typescript-eslint/parser';
import { runCheck } from '../../src/check';
import { analyse, loadPlugin } from '../../src/check/analyse';
import { loadProgram } from '../../src/check/load';
import { summarise } from '../../src/check/summarise';
import { essentials, projectsDir, readExpected } from './helpers';

/** Every fixture project with an expected.json: the checker's findings must be exactly those. */
const projects = readdirSync(projectsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(projectsDir, entry.name, 'expected.json')))
  .map((entry) => entry.name)
  .sort();

describe('fixture projects: connleak check finds exactly the expected findings', () => {
  test('the fixture set covers the issue’s cases', () => {
    for (const required of ['factory-across-files', 'wrapper-of-wrapper', 'class-method-factory', 'async-factory', 'barrel-reexport', 'closing-helper', 'cached-singleton']) {
      assert.ok(projects.includes(required), required);
    }
  });

  for (const project of projects) {
    test(project, () => {
      const expected = readExpected(project);
      const { report } = runCheck({ cwd: path.join(projectsDir, project) });
      assert.deepEqual(report.findings.map(essentials), expected.findings);
      assert.deepEqual(
        report.filesNotAnalysed.map((skipped) => skipped.file),
        expected.filesNotAnalysed ?? [],
      );
      for (const finding of report.findings) assert.match(finding.fingerprint, /^[0-9a-f]{32}:\d+$/);
    });
  }
});

describe('what only the whole program shows', () => {
  test('the closers summary is what clears a client closed through a helper in another file', () => {
    const directory = path.join(projectsDir, 'closing-helper');
    const loaded = loadProgram({ cwd: directory, paths: [] });
    const { summaries } = summarise(loaded.program, loaded.files);
    const withClosers = analyse({ program: loaded.program, files: loaded.files, summaries, config: 'recommended', cwd: directory });
    assert.deepEqual(withClosers.findings, []);
    const withoutClosers = analyse({ program: loaded.program, files: loaded.files, summaries: { ...summaries, closers: {} }, config: 'recommended', cwd: directory });
    assert.deepEqual(
      withoutClosers.findings.map((finding) => [finding.file, finding.line, finding.rule]),
      [['src/probe.ts', 8, 'connleak/no-client-in-loop']],
    );
  });

  test('ESLint alone, one file at a time, misses the factory called in a loop of another file', async () => {
    const directory = path.join(projectsDir, 'factory-across-files');
    const eslint = new ESLint({
      cwd: directory,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser }, ...loadPlugin().configs.recommended }],
    });
    const results = await eslint.lintFiles(['src/watcher.ts']);
    assert.deepEqual(results[0]!.messages, []);
    const { report } = runCheck({ cwd: directory });
    assert.equal(report.findings.length, 2);
  });
});
