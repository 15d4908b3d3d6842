import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths';

/** The modules a source file imports or requires, as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|require\()\s*'([^']+)'/g)].map((match) => match[1]!);
}

const reportDir = path.join(repoRoot, 'src/check/report');
const checkDir = path.join(repoRoot, 'src/check');

test('formatters see findings, never the ts-morph Project, ESLint or the loading and analysis steps', () => {
  const files = readdirSync(reportDir).filter((file) => file.endsWith('.ts'));
  assert.ok(files.length >= 5);
  for (const file of files) {
    for (const imported of importsOf(path.join(reportDir, file))) {
      assert.ok(!/^(ts-morph|typescript|eslint|@typescript-eslint\/)/.test(imported), `${file} imports ${imported}`);
      assert.ok(!/^\.\.\/(load|summarise|relevance|analyse|origins|index)$|^\.\.$/.test(imported), `${file} imports ${imported}`);
    }
  }
});

test('the checker reaches the rules only through the ESLint plugin, never rules/ directly', () => {
  for (const file of readdirSync(checkDir).filter((name) => name.endsWith('.ts'))) {
    for (const imported of importsOf(path.join(checkDir, file))) assert.ok(!imported.includes('rules/'), `${file} imports ${imported}`);
  }
});
