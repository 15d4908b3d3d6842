import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Linter } from 'eslint';
import plugin = require('../../src/eslint-plugin');
import { repoRoot } from '../support/paths';

/**
 * Both rules, strict, over the JavaScript of the client libraries installed from npm: no crash,
 * and every finding examined by hand (test/real-world/reviewed-findings.json). A new finding
 * fails the test until someone reviews it (a false positive gets fixed in the analysis); an entry
 * that no longer matches a finding fails it too, so the list stays true.
 */

const packages = ['ioredis', 'pg', 'mysql2', 'mongodb', 'kafkajs', 'amqplib', 'node-zookeeper-client', 'redis', '@redis/client', 'express'];
const nodeModules = path.join(repoRoot, 'node_modules');
/** Larger files are bundles or generated tables, not code people write (none today). */
const maxFileBytes = 400_000;

interface Reviewed {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly reason: string;
}

function javascriptFiles(directory: string, found: string[] = []): string[] {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') javascriptFiles(full, found);
    } else if (/\.[cm]?js$/.test(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

/** The module system Node would use for the file: .mjs/.cjs, else the nearest package.json's "type". */
function sourceTypeOf(file: string): 'module' | 'commonjs' {
  if (file.endsWith('.mjs')) return 'module';
  if (file.endsWith('.cjs')) return 'commonjs';
  for (let directory = path.dirname(file); directory.length > 1; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'module' : 'commonjs';
  }
  return 'commonjs';
}

function key(finding: Pick<Reviewed, 'file' | 'line' | 'column' | 'rule'>): string {
  return `${finding.file}:${finding.line}:${finding.column} ${finding.rule}`;
}

test('both rules over the installed client libraries: no crash, every finding reviewed', (t) => {
  const reviewed = (JSON.parse(readFileSync(path.join(__dirname.replace(`${path.sep}dist${path.sep}`, path.sep), 'reviewed-findings.json'), 'utf8')) as { findings: Reviewed[] }).findings;
  for (const entry of reviewed) assert.ok(entry.reason.length > 20, `${key(entry)} has a reason`);

  // node_modules is ignored by ESLint's defaults: lint each file under a neutral virtual name.
  const linter = new Linter({ cwd: '/virtual' });
  const crashes: string[] = [];
  const unparsable: string[] = [];
  const found = new Map<string, string>();
  let linted = 0;
  for (const name of packages) {
    const packageDirectory = realpathSync(path.join(nodeModules, name));
    for (const file of javascriptFiles(packageDirectory)) {
      const code = readFileSync(file, 'utf8');
      if (code.length > maxFileBytes) continue;
      const relative = path.posix.join(name, path.relative(packageDirectory, file).split(path.sep).join('/'));
      const config: Linter.Config[] = [
        {
          files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
          linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
          languageOptions: { ecmaVersion: 'latest', sourceType: sourceTypeOf(file) },
          ...(plugin.configs.strict as unknown as Linter.Config),
        },
      ];
      let messages: Linter.LintMessage[];
      try {
        messages = linter.verify(code, config, { filename: path.posix.join('/virtual', relative.replace(/^@/, '')) });
      } catch (error) {
        crashes.push(`${relative}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        continue;
      }
      linted++;
      for (const message of messages) {
        if (message.fatal) unparsable.push(`${relative}:${message.line}: ${message.message}`);
        else if (message.ruleId?.startsWith('connleak/')) {
          found.set(key({ file: relative, line: message.line, column: message.column, rule: message.ruleId }), message.message);
        }
      }
    }
  }

  assert.ok(linted > 1000, `linted ${linted} files`);
  assert.deepEqual(crashes, [], 'no rule crashed');
  // Files the parser rejects are not crashes (none today): counted and listed, not failed on.
  t.diagnostic(`${linted} files linted, ${found.size} findings, ${unparsable.length} files the parser could not read${unparsable.length ? `: ${unparsable.join('; ')}` : ''}`);
  const reviewedKeys = new Set(reviewed.map(key));
  const unreviewed = [...found].filter(([finding]) => !reviewedKeys.has(finding)).map(([finding, message]) => `${finding}: ${message}`);
  const stale = [...reviewedKeys].filter((entry) => !found.has(entry));
  assert.deepEqual(unreviewed, [], 'findings not in test/real-world/reviewed-findings.json: review each (fix false positives in src/analysis)');
  assert.deepEqual(stale, [], 'reviewed entries that no longer match a finding');
});
