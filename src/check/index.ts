/**
 * `connleak check` as a function: load (ts-morph) -> summarise (cross-file, to a fixpoint) ->
 * analyse (the ESLint rules, fed the Program and the summaries) -> a report the formatters render.
 */
import path from 'node:path';
import { analyse, type ConnleakPlugin } from './analyse';
import { applyBaseline, type Baseline } from './baseline';
import { compareFindings, type CheckReport, type ConfigName, type FileNotAnalysed, type Finding } from './findings';
import { loadProgram, relative } from './load';
import { summarise } from './summarise';

export { CheckConfigError } from './load';
export { BaselineConfigError, createBaseline, readBaseline, serialiseBaseline } from './baseline';
export { formatReport, formats, isFormatName, type FormatName } from './report';
export type { CheckReport, ConfigName, FileNotAnalysed, Finding, RuleDescriptor, Severity } from './findings';

export interface CheckOptions {
  /** Directory that relative paths, `--project` and reported file names are relative to. */
  readonly cwd: string;
  readonly project?: string;
  readonly paths?: readonly string[];
  readonly config?: ConfigName;
  readonly baseline?: Baseline;
  readonly plugin?: ConnleakPlugin;
  /** Called after loading with the number of files, then as files are analysed. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CheckRun {
  readonly report: CheckReport;
  /** Every finding, before the baseline removed any (what `--update-baseline` writes). */
  readonly allFindings: readonly Finding[];
}

export function runCheck(options: CheckOptions): CheckRun {
  const cwd = path.resolve(options.cwd);
  const config = options.config ?? 'recommended';
  const loaded = loadProgram({ cwd, ...(options.project !== undefined ? { project: options.project } : {}), paths: options.paths ?? [] });
  const summaries = summarise(loaded.program, summarisedFiles(loaded.program, loaded.skipped.map((skipped) => skipped.fileName)));
  const analysed = analyse({
    program: loaded.program,
    files: loaded.files,
    summaries,
    config,
    cwd,
    ...(options.plugin ? { plugin: options.plugin } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const allFindings = analysed.findings.sort(compareFindings);
  const { fresh, baselined } = applyBaseline(allFindings, options.baseline);
  const notAnalysed: FileNotAnalysed[] = [...loaded.skipped.map((skipped) => ({ file: relative(cwd, skipped.fileName), reason: skipped.reason })), ...analysed.notAnalysed];
  notAnalysed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const report: CheckReport = {
    findings: fresh,
    baselined,
    config,
    rules: analysed.rules,
    filesAnalysed: analysed.filesAnalysed,
    filesNotAnalysed: notAnalysed,
    cwd,
    toolVersion: toolVersion(),
  };
  return { report, allFindings };
}

/** Every source file of the program outside node_modules: factories may live in files not checked themselves. */
function summarisedFiles(program: import('ts-morph').ts.Program, skipped: readonly string[]) {
  const excluded = new Set(skipped);
  return program.getSourceFiles().filter((file) => !file.isDeclarationFile && !excluded.has(file.fileName) && !file.fileName.includes('/node_modules/'));
}

function toolVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}
