import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckReport, Finding } from '../../src/check/findings';
import type { CliIo } from '../../src/cli/io';
import { fixturesDir } from '../support/paths';

export const projectsDir = path.join(fixturesDir, 'projects');

export interface CapturingIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
  stdoutText(): string;
  stderrText(): string;
}

/** A CliIo that records what `run()` prints, with a chosen working directory and terminal flags. */
export function captureIo(cwd: string, options: { stdoutIsTty?: boolean; stderrIsTty?: boolean; env?: NodeJS.ProcessEnv } = {}): CapturingIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    stdoutIsTty: options.stdoutIsTty ?? false,
    stderrIsTty: options.stderrIsTty ?? false,
    cwd,
    env: options.env ?? {},
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}

/** The `connleak check` CLI module, loaded the way `main.ts` loads it. */
export function checkCommand(): { run(argv: string[], io: CliIo): Promise<number> } {
  return require('../../src/cli/check') as { run(argv: string[], io: CliIo): Promise<number> };
}

export interface ExpectedProject {
  readonly findings: readonly Pick<Finding, 'file' | 'line' | 'column' | 'rule' | 'client'>[];
  readonly filesNotAnalysed?: readonly string[];
}

export function readExpected(project: string): ExpectedProject {
  return JSON.parse(readFileSync(path.join(projectsDir, project, 'expected.json'), 'utf8')) as ExpectedProject;
}

/** The comparable part of a finding: where, which rule, which client. */
export function essentials(finding: Pick<Finding, 'file' | 'line' | 'column' | 'rule' | 'client'>): Pick<Finding, 'file' | 'line' | 'column' | 'rule' | 'client'> {
  return { file: finding.file, line: finding.line, column: finding.column, rule: finding.rule, client: finding.client };
}

export function withTempDir<T>(run: (directory: string) => T): T {
  const directory = mkdtempSync(path.join(tmpdir(), 'connleak-check-'));
  try {
    return run(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function withTempDirAsync<T>(run: (directory: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), 'connleak-check-'));
  try {
    return await run(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A small report for formatter tests: two files, both severities, a file not analysed. */
export function sampleReport(overrides: Partial<CheckReport> = {}): CheckReport {
  const findings: Finding[] = [
    {
      file: 'src/config watcher.ts',
      line: 7,
      column: 16,
      endLine: 7,
      endColumn: 47,
      rule: 'connleak/no-client-in-loop',
      message: 'A ZooKeeper client is created in a loop: 100% of iterations open a connection, and ZooKeeper accepts 60 per client IP (maxClientCnxns).',
      client: 'node-zookeeper-client',
      severity: 'error',
      fingerprint: 'a1b2c3d4e5f60718293a4b5c6d7e8f90:0',
    },
    {
      file: 'src/health.ts',
      line: 12,
      column: 5,
      endLine: 13,
      endColumn: 9,
      rule: 'connleak/require-client-close',
      message: 'A Redis client is never closed,\nnot on every path.',
      client: 'ioredis',
      severity: 'warning',
      fingerprint: '0f1e2d3c4b5a69788796a5b4c3d2e1f0:1',
    },
  ];
  return {
    findings,
    baselined: 0,
    config: 'recommended',
    rules: [
      { id: 'connleak/no-client-in-loop', description: 'Disallow creating connection clients where code runs many times', helpUri: 'https://example.org/docs/rules/no-client-in-loop.md', severity: 'error' },
      { id: 'connleak/require-client-close', description: 'Require connection clients to be closed', helpUri: 'https://example.org/docs/rules/require-client-close.md', severity: 'warning' },
    ],
    filesAnalysed: 3,
    filesNotAnalysed: [{ file: 'src/broken.ts', reason: "syntax error: ',' expected. (line 2, column 46)" }],
    cwd: '/work/project with space',
    toolVersion: '0.1.0',
    ...overrides,
  };
}
