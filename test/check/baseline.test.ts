import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { applyBaseline, BaselineConfigError, createBaseline, readBaseline, serialiseBaseline } from '../../src/check/baseline';
import { sampleReport, withTempDir } from './helpers';

const [loopFinding, closeFinding] = sampleReport().findings as [ReturnType<typeof sampleReport>['findings'][0], ReturnType<typeof sampleReport>['findings'][0]];

describe('baseline', () => {
  test('a finding in the baseline is not reported, whatever line it moved to', () => {
    const baseline = createBaseline([loopFinding]);
    const moved = { ...loopFinding, line: loopFinding.line + 40 };
    const { fresh, baselined } = applyBaseline([moved, closeFinding], baseline);
    assert.deepEqual(fresh, [closeFinding]);
    assert.equal(baselined, 1);
  });

  test('each baseline entry absorbs one finding: a second identical finding is new', () => {
    const { fresh, baselined } = applyBaseline([loopFinding, loopFinding], createBaseline([loopFinding]));
    assert.equal(baselined, 1);
    assert.equal(fresh.length, 1);
  });

  test('the same code in another file or under another rule is new', () => {
    const baseline = createBaseline([loopFinding]);
    assert.equal(applyBaseline([{ ...loopFinding, file: 'src/other.ts' }], baseline).fresh.length, 1);
    assert.equal(applyBaseline([{ ...loopFinding, rule: 'connleak/require-client-close' }], baseline).fresh.length, 1);
  });

  test('round-trips through its file', () => {
    withTempDir((directory) => {
      const file = path.join(directory, 'baseline.json');
      writeFileSync(file, serialiseBaseline(createBaseline([closeFinding, loopFinding])));
      const read = readBaseline(file);
      assert.equal(read.version, 1);
      assert.deepEqual(
        read.findings.map((entry) => entry.file),
        ['src/config watcher.ts', 'src/health.ts'],
      );
      assert.equal(applyBaseline([loopFinding, closeFinding], read).fresh.length, 0);
    });
  });

  test('a missing, malformed or foreign baseline is a configuration error with one line', () => {
    withTempDir((directory) => {
      const missing = path.join(directory, 'missing.json');
      assert.throws(() => readBaseline(missing), (error: unknown) => error instanceof BaselineConfigError && /cannot read baseline .*missing\.json: ENOENT/.test(error.message));
      const garbled = path.join(directory, 'garbled.json');
      writeFileSync(garbled, '{ "version": 1, ');
      assert.throws(() => readBaseline(garbled), (error: unknown) => error instanceof BaselineConfigError && /is not valid JSON/.test(error.message));
      const foreign = path.join(directory, 'foreign.json');
      writeFileSync(foreign, '{ "runs": [] }');
      assert.throws(() => readBaseline(foreign), (error: unknown) => error instanceof BaselineConfigError && /is not a connleak baseline/.test(error.message));
      const incomplete = path.join(directory, 'incomplete.json');
      writeFileSync(incomplete, '{ "version": 1, "findings": [{ "rule": "connleak/no-client-in-loop" }] }');
      assert.throws(() => readBaseline(incomplete), (error: unknown) => error instanceof BaselineConfigError && /findings\[0\] needs string/.test(error.message));
    });
  });
});
