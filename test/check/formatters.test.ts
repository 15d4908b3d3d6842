import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeData, escapeProperty, formatGithub } from '../../src/check/report/github';
import { formatJson } from '../../src/check/report/json';
import { formatText } from '../../src/check/report/text';
import { sampleReport } from './helpers';

describe('text format', () => {
  test('groups findings under their file, one aligned line each, then a total', () => {
    const text = formatText(sampleReport(), { color: false });
    const lines = text.split('\n');
    assert.equal(lines[0], 'src/config watcher.ts');
    assert.match(lines[1]!, /^ {2}7:16 {2}error {2}A ZooKeeper client is created in a loop.* {2}connleak\/no-client-in-loop$/);
    assert.equal(lines[3], 'src/health.ts');
    assert.match(lines[4]!, /^ {2}12:5 {2}warning {2}A Redis client is never closed,/);
    assert.match(text, /1 file not analysed:\n {2}src\/broken\.ts: syntax error: ',' expected\. \(line 2, column 46\)/);
    assert.match(text, /✖ 2 problems \(1 error, 1 warning\) in 3 files checked\n$/);
  });

  test('uses colours only when asked (the CLI asks when stdout is a terminal)', () => {
    assert.doesNotMatch(formatText(sampleReport(), { color: false }), /\x1b\[/);
    const coloured = formatText(sampleReport(), { color: true });
    assert.match(coloured, /\x1b\[4msrc\/health\.ts\x1b\[0m/);
    assert.match(coloured, /\x1b\[31merror/);
    assert.match(coloured, /\x1b\[33mwarning/);
  });

  test('says so when nothing was found, and counts baselined findings', () => {
    const text = formatText(sampleReport({ findings: [], filesNotAnalysed: [], baselined: 2 }), { color: false });
    assert.equal(text, '✔ no connection leaks found in 3 files, 2 more matched the baseline\n');
  });
});

describe('json format', () => {
  test('has the DESIGN.md shape: findings with file, line, column, rule, message, client and a summary', () => {
    const parsed = JSON.parse(formatJson(sampleReport())) as { findings: Record<string, unknown>[]; summary: Record<string, unknown> };
    assert.deepEqual(Object.keys(parsed.findings[0]!).slice(0, 6), ['file', 'line', 'column', 'rule', 'message', 'client']);
    assert.deepEqual(parsed.findings[0], {
      file: 'src/config watcher.ts',
      line: 7,
      column: 16,
      rule: 'connleak/no-client-in-loop',
      message: sampleReport().findings[0]!.message,
      client: 'node-zookeeper-client',
      severity: 'error',
      endLine: 7,
      endColumn: 47,
      fingerprint: 'a1b2c3d4e5f60718293a4b5c6d7e8f90:0',
    });
    assert.deepEqual(parsed.summary, {
      counts: { total: 2, errors: 1, warnings: 1, baselined: 0, byRule: { 'connleak/no-client-in-loop': 1, 'connleak/require-client-close': 1 } },
      config: 'recommended',
      filesAnalysed: 3,
      filesNotAnalysed: [{ file: 'src/broken.ts', reason: "syntax error: ',' expected. (line 2, column 46)" }],
    });
  });
});

describe('github format', () => {
  test('one workflow command per finding, with position, title and severity', () => {
    const lines = formatGithub(sampleReport()).trimEnd().split('\n');
    assert.equal(
      lines[0],
      '::error file=src/config watcher.ts,line=7,endLine=7,col=16,endColumn=47,title=connleak/no-client-in-loop::A ZooKeeper client is created in a loop: 100%25 of iterations open a connection, and ZooKeeper accepts 60 per client IP (maxClientCnxns).',
    );
    assert.equal(lines[1], '::warning file=src/health.ts,line=12,endLine=13,col=5,endColumn=9,title=connleak/require-client-close::A Redis client is never closed,%0Anot on every path.');
    assert.equal(lines[2], "::warning file=src/broken.ts,title=connleak%3A file not analysed::syntax error: ',' expected. (line 2, column 46)");
    assert.equal(lines.length, 3);
  });

  test('escapes data and properties as the Actions runner unescapes them', () => {
    assert.equal(escapeData('50% done\r\nnext: a,b'), '50%25 done%0D%0Anext: a,b');
    assert.equal(escapeProperty('dir:a,b%\n'), 'dir%3Aa%2Cb%25%0A');
  });

  test('prints nothing when there is nothing to annotate', () => {
    assert.equal(formatGithub(sampleReport({ findings: [], filesNotAnalysed: [] })), '');
  });
});
