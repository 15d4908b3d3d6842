/**
 * `connleak check` as a function: load (ts-morph) -> summarise (cross-file, to a fixpoint) ->
 * analyse (the ESLint rules, fed the Program and the summaries) -> a report the formatters render.
 */
import path from 'node:path';
import { analyse, type ConnleakPlugin } from './analyse';
import { applyBaseline, type Baseline } from './baseline';
import { compareFindings, type CheckReport, type ConfigName, type FileNotAnalysed, type Finding } from './findings';
import { mergeClients } from '../catalog';
import { loadProgram, relative } from './load';
import { filesThatMayCreateClients } from './relevance';
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
  /**
   * Extra client kinds, in the shape of ESLint's `settings.connleak.clients` (read from
   * `--clients FILE`): merged with the catalog for the summaries and handed to the rules as that
   * setting, so the checker and the editor know the same clients.
   */
  readonly clients?: unknown;
  /** Reports each phase, and files as they are checked; `projectFiles` is the number of files to check. */
  readonly onProgress?: (progress: CheckProgress) => void;
}

export interface CheckProgress {
  readonly phase: 'loading' | 'summarising' | 'checking';
  readonly done: number;
  readonly total: number;
  readonly projectFiles: number;
}

export interface CheckRun {
  readonly report: CheckReport;
  /** Every finding, before the baseline removed any (what `--update-baseline` writes). */
  readonly allFindings: readonly Finding[];
}

export function runCheck(options: CheckOptions): CheckRun {
  const cwd = path.resolve(options.cwd);
  const config = options.config ?? 'recommended';
  const catalog = mergeClients(options.clients, '--clients');
  const loaded = loadProgram({
    cwd,
    ...(options.project !== undefined ? { project: options.project } : {}),
    paths: options.paths ?? [],
    onFiles: (count) => options.onProgress?.({ phase: 'loading', done: 0, total: count, projectFiles: count }),
  });
  const projectFiles = loaded.files.length;
  options.onProgress?.({ phase: 'summarising', done: 0, total: projectFiles, projectFiles });
  const summarised = summarise(loaded.program, summarisedFiles(loaded.program, loaded.skipped.map((skipped) => skipped.fileName)), catalog);
  const relevant = filesThatMayCreateClients(loaded.program, loaded.files, summarised, catalog);
  const onProgress = options.onProgress;
  const analysed = analyse({
    program: loaded.program,
    files: relevant,
    summaries: summarised.summaries,
    config,
    cwd,
    ...(options.plugin ? { plugin: options.plugin } : {}),
    ...(options.clients !== undefined ? { clients: options.clients } : {}),
    ...(onProgress ? { onProgress: (done: number, total: number) => onProgress({ phase: 'checking', done, total, projectFiles }) } : {}),
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
    // Files without any way to create a client were analysed too: by the relevance test.
    filesAnalysed: projectFiles - analysed.notAnalysed.length,
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
