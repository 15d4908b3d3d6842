import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main';
import { cliPath, repoRoot } from '../support/paths';
import { runNode } from '../support/run-node';
import { captureIo, checkCommand, projectsDir, withTempDirAsync } from './helpers';

const run = (argv: string[], cwd: string, options: Parameters<typeof captureIo>[1] = {}) => {
  const io = captureIo(cwd, options);
  return checkCommand()
    .run(argv, io)
    .then((code) => ({ code, stdout: io.stdoutText(), stderr: io.stderrText() }));
};

/** Runs through main(), as the `connleak` binary does, so thrown errors become exit 2 and one stderr line. */
const runMain = async (argv: string[], cwd: string) => {
  const io = captureIo(cwd);
  const code = await main(['check', ...argv], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
};

function assertUsageError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

/** A copy of a fixture project in a temporary directory, with the repository's node_modules linked in. */
function copyProject(project: string, directory: string): string {
  const target = path.join(directory, project);
  cpSync(path.join(projectsDir, project), target, { recursive: true });
  cpSync(path.join(projectsDir, 'tsconfig.base.json'), path.join(directory, 'tsconfig.base.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(directory, 'node_modules'), 'dir');
  return target;
}

describe('connleak check: exit codes', () => {
  test('0 when the project has no leaks', async () => {
    const result = await run([], path.join(projectsDir, 'cached-singleton'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no connection leaks found in 2 files/);
  });

  test('1 when it finds a leak, reported at the call in the loop of another file', async () => {
    const result = await run(['--format', 'json'], path.join(projectsDir, 'factory-across-files'));
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { file: string; line: number; rule: string }[] };
    assert.deepEqual(
      report.findings.map((finding) => [finding.file, finding.line, finding.rule]),
      [
        ['src/watcher.ts', 7, 'connleak/no-client-in-loop'],
        ['src/watcher.ts', 7, 'connleak/require-client-close'],
      ],
    );
  });

  test('--max-warnings: errors always fail, warnings only beyond the limit', async () => {
    const { exitCodeFor } = require('../../src/cli/check') as typeof import('../../src/cli/check');
    assert.equal(exitCodeFor({ errors: 0, warnings: 3 }, undefined), 0);
    assert.equal(exitCodeFor({ errors: 0, warnings: 3 }, 3), 0);
    assert.equal(exitCodeFor({ errors: 0, warnings: 4 }, 3), 1);
    assert.equal(exitCodeFor({ errors: 1, warnings: 0 }, 10), 1);
    assert.equal((await run(['--max-warnings', '0'], path.join(projectsDir, 'cached-singleton'))).code, 0);
    assert.equal((await run(['--max-warnings', '100'], path.join(projectsDir, 'factory-across-files'))).code, 1);
  });

  test('--help prints the options and exits 0', async () => {
    const result = await run(['--help'], repoRoot);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: connleak check/);
    assert.match(result.stdout, /--max-warnings N/);
  });
});

describe('connleak check: bad input is one line on stderr and exit 2', () => {
  test('an unknown flag', async () => {
    assertUsageError(await runMain(['--frobnicate'], repoRoot), /connleak: Unknown option '--frobnicate'.*connleak check --help/);
  });

  test('a flag without its value', async () => {
    assertUsageError(await runMain(['--format'], repoRoot), /connleak: Option '-f, --format <value>' argument missing/);
  });

  test('an unknown format', async () => {
    assertUsageError(await runMain(['--format', 'xml'], repoRoot), /connleak: unknown format "xml" \(choose text, json, sarif, github\)/);
  });

  test('an unknown config', async () => {
    assertUsageError(await runMain(['--config', 'loose'], repoRoot), /connleak: unknown config "loose" \(choose recommended or strict\)/);
  });

  test('a --max-warnings that is not a number', async () => {
    assertUsageError(await runMain(['--max-warnings', 'some'], repoRoot), /--max-warnings needs a whole number/);
  });

  test('--update-baseline without --baseline', async () => {
    assertUsageError(await runMain(['--update-baseline'], repoRoot), /--update-baseline needs --baseline FILE/);
  });

  test('no tsconfig.json in the working directory or above it', async () => {
    await withTempDirAsync(async (directory) => {
      assertUsageError(await runMain([], directory), /connleak: no tsconfig\.json found in .* or any directory above it/);
    });
  });

  test('a --project that does not exist', async () => {
    assertUsageError(await runMain(['--project', 'nope/tsconfig.json'], repoRoot), /connleak: tsconfig not found: nope\/tsconfig\.json/);
  });

  test('a tsconfig that is not valid JSON', async () => {
    await withTempDirAsync(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), '{ "compilerOptions": { "strict": true, ');
      assertUsageError(await runMain([], directory), /connleak: invalid tsconfig .*tsconfig\.json: .* expected\. \(line 1, column \d+\)/);
    });
  });

  test('a tsconfig with an unknown compiler option', async () => {
    await withTempDirAsync(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), '{ "compilerOptions": { "stirct": true } }');
      writeFileSync(path.join(directory, 'a.ts'), 'export {};\n');
      assertUsageError(await runMain([], directory), /connleak: invalid tsconfig .*: Unknown compiler option 'stirct'/);
    });
  });

  test('a tsconfig whose include matches no file', async () => {
    await withTempDirAsync(async (directory) => {
      writeFileSync(path.join(directory, 'tsconfig.json'), '{ "include": ["src"] }');
      assertUsageError(await runMain([], directory), /connleak: no TypeScript or JavaScript files matched by tsconfig\.json/);
    });
  });

  test('a path that does not exist', async () => {
    assertUsageError(await runMain(['src/nope.ts'], path.join(projectsDir, 'commonjs-js')), /connleak: path not found: src\/nope\.ts/);
  });

  test('a glob that matches no file', async () => {
    assertUsageError(await runMain(['src/**/*.mts'], path.join(projectsDir, 'commonjs-js')), /connleak: no TypeScript or JavaScript files matched src\/\*\*\/\*\.mts/);
  });

  test('a file that is not JavaScript or TypeScript', async () => {
    assertUsageError(await runMain(['tsconfig.json'], path.join(projectsDir, 'commonjs-js')), /connleak: not a TypeScript or JavaScript file: tsconfig\.json/);
  });

  test('a baseline that cannot be read', async () => {
    assertUsageError(await runMain(['--baseline', 'missing-baseline.json'], path.join(projectsDir, 'cached-singleton')), /connleak: cannot read baseline .*missing-baseline\.json: ENOENT/);
  });

  test('a baseline that is not one', async () => {
    assertUsageError(await runMain(['--baseline', 'tsconfig.json'], path.join(projectsDir, 'cached-singleton')), /connleak: baseline .*tsconfig\.json is not a connleak baseline/);
  });

  test('an --output in a directory that does not exist', async () => {
    assertUsageError(await runMain(['--output', 'no/such/dir/report.json'], path.join(projectsDir, 'cached-singleton')), /connleak: cannot write .*report\.json: ENOENT/);
  });
});

describe('connleak check: files with syntax errors', () => {
  test('the rest is still checked and the file is reported as not analysed', async () => {
    const text = await run([], path.join(projectsDir, 'syntax-error'));
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /src\/leak\.ts\n {2}5:20 {2}error/);
    assert.match(text.stdout, /1 file not analysed:\n {2}src\/broken\.ts: syntax error: ',' expected\. \(line 2, column 46\)/);
    const json = await run(['--format', 'json'], path.join(projectsDir, 'syntax-error'));
    const report = JSON.parse(json.stdout) as { summary: { filesAnalysed: number; filesNotAnalysed: { file: string }[] } };
    assert.equal(report.summary.filesAnalysed, 1);
    assert.deepEqual(report.summary.filesNotAnalysed.map((skipped) => skipped.file), ['src/broken.ts']);
    assert.match(json.stderr, /connleak: 1 file not analysed: src\/broken\.ts/);
  });
});

describe('connleak check: inputs', () => {
  test('plain paths, directories and globs check JavaScript without a tsconfig', async () => {
    for (const argv of [['src/server.js', 'src/db.js'], ['src'], ['src/*.js']]) {
      const result = await run(['--format', 'json', ...argv], path.join(projectsDir, 'commonjs-js'));
      assert.equal(result.code, 1, `${argv.join(' ')}: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as { findings: { file: string; line: number; client: string }[]; summary: { filesAnalysed: number } };
      assert.deepEqual(
        report.findings.map((finding) => [finding.file, finding.line, finding.client]),
        [['src/server.js', 8, 'pg']],
        argv.join(' '),
      );
      assert.equal(report.summary.filesAnalysed, 2);
    }
  });

  test('--project takes a tsconfig file or its directory, relative to the working directory', async () => {
    for (const project of ['fixtures/projects/factory-across-files', 'fixtures/projects/factory-across-files/tsconfig.json']) {
      const result = await run(['--project', project, '--format', 'json'], repoRoot);
      assert.equal(result.code, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { findings: { file: string }[] };
      assert.deepEqual([...new Set(report.findings.map((finding) => finding.file))], ['fixtures/projects/factory-across-files/src/watcher.ts']);
    }
  });

  test('files under node_modules and files the tsconfig excludes are never analysed', async () => {
    await withTempDirAsync(async (directory) => {
      const project = copyProject('factory-across-files', directory);
      mkdirSync(path.join(project, 'src/node_modules/vendored'), { recursive: true });
      cpSync(path.join(project, 'src/watcher.ts'), path.join(project, 'src/node_modules/vendored/index.ts'));
      cpSync(path.join(project, 'src/watcher.ts'), path.join(project, 'src/watcher.generated.ts'));
      writeFileSync(path.join(project, 'tsconfig.json'), '{ "extends": "../tsconfig.base.json", "include": ["src"], "exclude": ["**/*.generated.ts"] }');
      const result = await run(['--format', 'json'], project);
      const report = JSON.parse(result.stdout) as { findings: { file: string }[]; summary: { filesAnalysed: number } };
      assert.deepEqual([...new Set(report.findings.map((finding) => finding.file))], ['src/watcher.ts']);
      assert.equal(report.summary.filesAnalysed, 2);
      const byPath = await run(['--format', 'json', 'src'], project);
      const files = (JSON.parse(byPath.stdout) as { findings: { file: string }[] }).findings.map((finding) => finding.file);
      assert.deepEqual([...new Set(files)], ['src/watcher.generated.ts', 'src/watcher.ts']);
    });
  });
});

describe('connleak check: output', () => {
  test('--output writes the report atomically and nothing to stdout', async () => {
    await withTempDirAsync(async (directory) => {
      const file = path.join(directory, 'report.json');
      writeFileSync(file, 'stale');
      const result = await run(['--format', 'json', '--output', file], path.join(projectsDir, 'factory-across-files'));
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { findings: unknown[] }).findings.length, 2);
      assert.deepEqual(readdirSync(directory), ['report.json']);
    });
  });

  test('colours only when stdout is a terminal, and never with NO_COLOR', async () => {
    const cwd = path.join(projectsDir, 'factory-across-files');
    assert.doesNotMatch((await run([], cwd)).stdout, /\x1b\[/);
    assert.match((await run([], cwd, { stdoutIsTty: true })).stdout, /\x1b\[4msrc\/watcher\.ts/);
    assert.doesNotMatch((await run([], cwd, { stdoutIsTty: true, env: { NO_COLOR: '1' } })).stdout, /\x1b\[/);
  });

  test('a progress line on stderr for a terminal and more than 200 files, none otherwise', async () => {
    await withTempDirAsync(async (directory) => {
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(directory, 'node_modules'), 'dir');
      mkdirSync(path.join(directory, 'src'));
      for (let index = 1; index < 201; index++) writeFileSync(path.join(directory, 'src', `module${index}.ts`), `export const value${index} = ${index};\n`);
      writeFileSync(
        path.join(directory, 'src', 'module0.ts'),
        "import zookeeper from 'node-zookeeper-client';\nexport function leak(hosts: string[]) {\n  for (const host of hosts) zookeeper.createClient(host).connect();\n}\n",
      );
      writeFileSync(path.join(directory, 'tsconfig.json'), '{ "compilerOptions": { "strict": true, "esModuleInterop": true, "types": [] }, "include": ["src"] }');
      const terminal = await run([], directory, { stderrIsTty: true });
      assert.equal(terminal.code, 1, terminal.stderr);
      assert.match(terminal.stderr, /\rconnleak: loading 201 files…/);
      assert.match(terminal.stderr, /\rconnleak: summarising 201 files…/);
      assert.match(terminal.stderr, /\rconnleak: checking 1\/1 files that can create clients…/);
      assert.match(terminal.stderr, /\r\x1b\[K$/);
      const piped = await run([], directory, { stderrIsTty: false });
      assert.equal(piped.code, 1);
      assert.equal(piped.stderr, '');
    });
  });
});

describe('connleak check: CI gating', () => {
  test('--update-baseline records today’s findings; later runs fail only on new ones, even after lines move', async () => {
    await withTempDirAsync(async (directory) => {
      const project = copyProject('factory-across-files', directory);
      const baseline = path.join(directory, 'connleak-baseline.json');
      const update = await run(['--baseline', baseline, '--update-baseline'], project);
      assert.equal(update.code, 0, update.stderr);
      assert.match(update.stderr, /wrote 2 findings to the baseline/);
      const accepted = await run(['--baseline', baseline], project);
      assert.equal(accepted.code, 0, accepted.stdout);
      assert.match(accepted.stdout, /no connection leaks found in 2 files, 2 more matched the baseline/);

      const watcher = path.join(project, 'src/watcher.ts');
      const source = readFileSync(watcher, 'utf8');
      writeFileSync(watcher, `// moved down\n// by two lines\n${source}`);
      assert.equal((await run(['--baseline', baseline], project)).code, 0);

      writeFileSync(
        watcher,
        `${source}\nexport function watchAgain(paths: string[], connectString: string): void {\n  for (const path of paths) {\n    const zk = connectZooKeeper(connectString);\n    zk.exists(path, () => undefined);\n  }\n}\n`,
      );
      const fresh = await run(['--baseline', baseline, '--format', 'json'], project);
      assert.equal(fresh.code, 1);
      const report = JSON.parse(fresh.stdout) as { findings: { line: number; rule: string }[]; summary: { counts: { baselined: number } } };
      // The same code again, in another function: new findings, while the accepted ones stay accepted.
      assert.deepEqual(
        report.findings.map((finding) => [finding.line, finding.rule]),
        [
          [14, 'connleak/no-client-in-loop'],
          [14, 'connleak/require-client-close'],
        ],
      );
      assert.equal(report.summary.counts.baselined, 2);
    });
  });
});

describe('connleak binary (child process)', () => {
  test('dist/src/cli/main.js check prints JSON findings and exits 1', async () => {
    const result = await runNode([cliPath, 'check', '--format', 'json'], { cwd: path.join(projectsDir, 'barrel-reexport'), timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { file: string; rule: string }[] };
    assert.ok(report.findings.length > 0);
    assert.ok(report.findings.every((finding) => finding.file === 'src/report.ts'));
  });

  test('dist/src/cli/main.js check with a bad flag prints one line and exits 2', async () => {
    const result = await runNode([cliPath, 'check', '--format', 'yaml'], { cwd: repoRoot, timeoutMs: 60_000 });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'connleak: unknown format "yaml" (choose text, json, sarif, github)\n');
  });
});
