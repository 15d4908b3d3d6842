import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { formatSarif } from '../../src/check/report/sarif';
import { repoRoot } from '../support/paths';
import { sarifMultitoolEnv, sarifMultitoolPath } from '../support/sarif-multitool';
import { captureIo, checkCommand, projectsDir, sampleReport, withTempDir, withTempDirAsync } from './helpers';

/**
 * The official SARIF 2.1.0 schema (test/vendor/README.md names its source). It declares draft-04;
 * the keywords it uses (type, properties, items, enum, $ref, minimum, uniqueItems, …) mean the
 * same in draft-07, which Ajv implements, so the `$schema` and draft-04 `id` are dropped before
 * compiling. Formats are checked by hand-written validators below (ajv-formats is not installed).
 */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'test/vendor/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addFormat('uri-reference', (value: string) => URL.canParse(value, 'file:///base/') && !/\s/.test(value));
  ajv.addFormat('date-time', (value: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value));
  return ajv.compile(schema);
}

/** Runs `Sarif.Multitool validate` and returns its results that are errors or warnings (notes are advice). */
function multitoolProblems(sarifFile: string, directory: string): string[] {
  const output = path.join(directory, 'validation.sarif');
  const result = spawnSync(sarifMultitoolPath(), ['validate', sarifFile, '--output', output, '--log', 'ForceOverwrite', '--level', 'Error;Warning;Note'], {
    env: sarifMultitoolEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `Sarif.Multitool failed: ${result.stdout}${result.stderr}`);
  const log = JSON.parse(readFileSync(output, 'utf8')) as { runs: { results?: { ruleId: string; level?: string; message: { arguments?: string[] } }[] }[] };
  const results = log.runs[0]?.results ?? [];
  // A result without a level is a warning (SARIF 2.1.0 §3.27.10).
  return results.filter((entry) => (entry.level ?? 'warning') !== 'note' && entry.level !== 'none').map((entry) => `${entry.ruleId} ${entry.level ?? 'warning'}: ${(entry.message.arguments ?? []).join(' | ')}`);
}

describe('sarif format', () => {
  test('is valid against the official SARIF 2.1.0 schema', () => {
    const validate = sarifValidator();
    const log = JSON.parse(formatSarif(sampleReport())) as unknown;
    assert.equal(validate(log), true, JSON.stringify(validate.errors, null, 2));
  });

  test('the schema check can fail: a result without a message is rejected', () => {
    const validate = sarifValidator();
    const log = JSON.parse(formatSarif(sampleReport())) as { runs: { results: Record<string, unknown>[] }[] };
    delete log.runs[0]!.results[0]!.message;
    assert.equal(validate(log), false);
  });

  test('describes each rule with a help URI and points results at it', () => {
    const log = JSON.parse(formatSarif(sampleReport())) as {
      runs: { tool: { driver: { rules: { id: string; helpUri: string; defaultConfiguration: { level: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string }[] }[];
    };
    const run = log.runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.id, rule.helpUri, rule.defaultConfiguration.level]),
      [
        ['connleak/no-client-in-loop', 'https://example.org/docs/rules/no-client-in-loop.md', 'error'],
        ['connleak/require-client-close', 'https://example.org/docs/rules/require-client-close.md', 'warning'],
      ],
    );
    assert.deepEqual(
      run.results.map((result) => [result.ruleId, result.ruleIndex, result.level]),
      [
        ['connleak/no-client-in-loop', 0, 'error'],
        ['connleak/require-client-close', 1, 'warning'],
      ],
    );
  });

  test('locations are relative URIs under %SRCROOT%, which originalUriBaseIds maps to the working directory', () => {
    const log = JSON.parse(formatSarif(sampleReport())) as {
      runs: { originalUriBaseIds: Record<string, { uri: string }>; results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: object } }[]; partialFingerprints: Record<string, string> }[] }[];
    };
    const run = log.runs[0]!;
    assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///work/project%20with%20space/' } });
    const location = run.results[0]!.locations[0]!.physicalLocation;
    assert.deepEqual(location.artifactLocation, { uri: 'src/config%20watcher.ts', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(location.region, { startLine: 7, startColumn: 16, endLine: 7, endColumn: 47 });
    assert.deepEqual(run.results[0]!.partialFingerprints, { 'connleakFingerprint/v1': 'a1b2c3d4e5f60718293a4b5c6d7e8f90:0' });
  });

  test("Microsoft's SARIF Multitool validates it with no errors and no warnings", () => {
    withTempDir((directory) => {
      const file = path.join(directory, 'connleak.sarif');
      writeFileSync(file, formatSarif(sampleReport()));
      assert.deepEqual(multitoolProblems(file, directory), []);
    });
  });

  test('the Multitool check can fail: a result pointing at a rule index that does not exist is an error', () => {
    withTempDir((directory) => {
      const log = JSON.parse(formatSarif(sampleReport())) as { runs: { results: { ruleIndex: number }[] }[] };
      log.runs[0]!.results[0]!.ruleIndex = 7;
      const file = path.join(directory, 'broken.sarif');
      writeFileSync(file, JSON.stringify(log));
      assert.notDeepEqual(multitoolProblems(file, directory), []);
    });
  });

  test('a real `connleak check --format sarif` run on a fixture project passes both validators', async () => {
    await withTempDirAsync(async (directory) => {
      const file = path.join(directory, 'check.sarif');
      const io = captureIo(path.join(projectsDir, 'syntax-error'));
      const code = await checkCommand().run(['--format', 'sarif', '--output', file], io);
      assert.equal(code, 1, io.stderrText());
      const log = JSON.parse(readFileSync(file, 'utf8')) as { runs: { results: unknown[]; invocations: { toolExecutionNotifications?: unknown[] }[] }[] };
      assert.ok(log.runs[0]!.results.length > 0);
      assert.equal(log.runs[0]!.invocations[0]!.toolExecutionNotifications?.length, 1);
      const validate = sarifValidator();
      assert.equal(validate(log), true, JSON.stringify(validate.errors, null, 2));
      assert.deepEqual(multitoolProblems(file, directory), []);
    });
  });
});
