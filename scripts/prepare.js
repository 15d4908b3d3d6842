#!/usr/bin/env node
// Makes a fresh clone runnable: installs the npm dependencies from the lock file when they are
// missing or older than it, then compiles. `npm test`, `npm run demo` and `npm run bench` call it
// first, so a newcomer needs no separate install step. Plain JavaScript on purpose: it runs
// before anything is installed or built.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('connleak: installing npm dependencies (npm ci)…');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')]);
