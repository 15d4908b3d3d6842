#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node:test, one file at a time.
// Named explicitly because Node 20, given a directory, also runs every other .js file under a
// `test` folder (the support modules), and has no glob patterns on its command line yet.
// `npm test -- runtime check` runs only the files whose path contains one of the words.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const testRoot = path.resolve(__dirname, '..', 'dist', 'test');
const filters = process.argv.slice(2);

function testFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) return testFiles(file);
    return entry.name.endsWith('.test.js') ? [file] : [];
  });
}

const files = testFiles(testRoot)
  .filter((file) => filters.length === 0 || filters.some((word) => path.relative(testRoot, file).includes(word)))
  .sort();
if (files.length === 0) {
  console.error(`test: no test files under ${path.relative(process.cwd(), testRoot)}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
