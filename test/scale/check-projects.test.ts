import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cliPath } from '../support/paths';
import { runNode } from '../support/run-node';
import { findingKey } from './corpus';
import { materialise, realProjects } from './projects';
import { malformedEntries, readReviewedList } from './reviewed';

/**
 * `connleak check --config strict` over real projects, as users run it (a child process of the
 * built CLI): no crash (exit 0 or 1, no stack trace, no file left out for an internal error) and
 * every finding reviewed in test/scale/reviewed-findings.json under "check".
 */

const full = process.env.CONNLEAK_SCALE === 'full';

interface CheckJson {
  readonly findings: readonly { file: string; line: number; column: number; rule: string; message: string }[];
  readonly summary: { readonly filesAnalysed: number; readonly filesNotAnalysed: readonly { file: string; reason: string }[] };
}

describe('connleak check over real projects', () => {
  const reviewed = readReviewedList();

  test('every reviewed check finding has a verdict and a reason, and names a known project', () => {
    assert.deepEqual(malformedEntries(reviewed.check), []);
    const names = new Set(realProjects.map((project) => project.name));
    assert.deepEqual(reviewed.check.filter((entry) => !names.has(entry.project)).map((entry) => entry.project), []);
  });

  for (const project of realProjects.filter((candidate) => full || !candidate.stressOnly)) {
    test(`${project.name}: no crash, every finding reviewed`, async (t) => {
      const base = mkdtempSync(path.join(tmpdir(), 'connleak-scale-project-'));
      try {
        const directory = materialise(project, path.join(base, project.name));
        const started = Date.now();
        const result = await runNode([cliPath, 'check', '--format', 'json', '--config', 'strict'], { cwd: directory, timeoutMs: 300_000 });
        const seconds = (Date.now() - started) / 1000;
        assert.equal(result.timedOut, false, 'the check finished');
        assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
        const report = JSON.parse(result.stdout) as CheckJson;
        assert.deepEqual(report.summary.filesNotAnalysed, [], 'every file analysed');
        assert.ok(report.summary.filesAnalysed >= project.minFiles, `${report.summary.filesAnalysed} files analysed`);
        t.diagnostic(`${project.name}: ${report.summary.filesAnalysed} files in ${seconds.toFixed(1)} s, ${report.findings.length} findings`);

        const mine = new Map(reviewed.check.filter((entry) => entry.project === project.name).map((entry) => [findingKey(entry), entry]));
        const found = new Map(report.findings.map((finding) => [findingKey(finding), finding.message]));
        const unreviewed = [...found].filter(([key]) => !mine.has(key)).map(([key, message]) => `${key}: ${message}`);
        const stale = [...mine.keys()].filter((key) => !found.has(key));
        assert.deepEqual(unreviewed, [], `findings not reviewed under "check" for ${project.name}`);
        assert.deepEqual(stale, [], `reviewed "check" entries of ${project.name} that no longer match a finding`);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    });
  }
});
