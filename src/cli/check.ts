/**
 * `connleak check [paths…]`: the whole-program checker for CI. Parses flags, runs the checker,
 * writes the report (stdout or `--output`, atomically) and turns the findings into an exit code:
 * 0 clean, 1 findings (errors, or more warnings than `--max-warnings`), 2 usage or configuration
 * error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBaseline, formatReport, isFormatName, formats, readBaseline, runCheck, serialiseBaseline, type CheckProgress, type ConfigName, type FormatName } from '../check';
import { countFindings } from '../check/findings';
import { writeFileAtomically } from '../util/write-atomically';
import { ExitCode, UsageError, type CliIo } from './io';

const configNames: readonly ConfigName[] = ['recommended', 'strict'];
/** Below this many files a progress line would only flicker. */
const progressThreshold = 200;

export const checkUsage = `Usage: connleak check [options] [paths…]

Checks a whole program for connection leaks: clients created in loops or per request, and
clients never closed, followed across files through factory and wrapper functions.

Without paths, checks the files of the nearest tsconfig.json (or --project). With paths (files,
directories, globs), checks those JavaScript/TypeScript files.

Options:
  -p, --project FILE       tsconfig.json (or its directory) to load
  -f, --format NAME        ${formats.join(', ')} (default: text)
  -o, --output FILE        write the report to FILE instead of stdout
  -c, --config NAME        ${configNames.join(' or ')} (default: recommended)
      --baseline FILE      report only findings that are not in FILE
      --update-baseline    write every current finding to the --baseline FILE, exit 0
      --max-warnings N     also fail when there are more than N warnings
      --clients FILE       extra client kinds: a JSON array in the shape of ESLint's
                           settings.connleak.clients ({ module, factories?, constructors?, close })
  -h, --help               show this help

Exit codes: 0 no findings, 1 findings, 2 usage or configuration error.
`;

interface CheckFlags {
  readonly project?: string;
  readonly format: FormatName;
  readonly output?: string;
  readonly config: ConfigName;
  readonly baseline?: string;
  readonly updateBaseline: boolean;
  readonly maxWarnings?: number;
  readonly clients?: string;
  readonly paths: string[];
  readonly help: boolean;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv);
  if (flags.help) {
    io.stdout(checkUsage);
    return ExitCode.clean;
  }
  const baselineFile = flags.baseline === undefined ? undefined : path.resolve(io.cwd, flags.baseline);
  const baseline = baselineFile && !flags.updateBaseline ? readBaseline(baselineFile) : undefined;
  const clients = flags.clients === undefined ? undefined : readClients(path.resolve(io.cwd, flags.clients), flags.clients);
  const progress = progressLine(io);
  let checked;
  try {
    checked = runCheck({
      cwd: io.cwd,
      ...(flags.project !== undefined ? { project: flags.project } : {}),
      paths: flags.paths,
      config: flags.config,
      ...(baseline ? { baseline } : {}),
      ...(clients !== undefined ? { clients } : {}),
      onProgress: progress.update,
    });
  } catch (error) {
    // A file deeper than the loader's guard, reached only through an import, can still exhaust the
    // stack of TypeScript's binder: say so in one line rather than "internal error".
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new UsageError('the program is nested too deeply to check (call stack exhausted)', 'leave generated files out: exclude them in the tsconfig, or pass the files to check');
    }
    throw error;
  } finally {
    progress.clear();
  }
  const { report, allFindings } = checked;
  if (flags.updateBaseline && baselineFile) {
    writeAtomically(baselineFile, serialiseBaseline(createBaseline(allFindings)));
    io.stderr(`connleak: wrote ${allFindings.length} finding${allFindings.length === 1 ? '' : 's'} to the baseline ${flags.baseline}\n`);
    return ExitCode.clean;
  }
  const color = flags.output === undefined && io.stdoutIsTty && !io.env.NO_COLOR;
  const text = formatReport(flags.format, report, { color });
  if (flags.output !== undefined) {
    writeAtomically(path.resolve(io.cwd, flags.output), text);
  } else {
    io.stdout(text);
  }
  if (report.filesNotAnalysed.length > 0 && (flags.output !== undefined || flags.format !== 'text')) {
    io.stderr(`connleak: ${report.filesNotAnalysed.length} file${report.filesNotAnalysed.length === 1 ? '' : 's'} not analysed: ${report.filesNotAnalysed.map((skipped) => skipped.file).join(', ')}\n`);
  }
  return exitCodeFor(countFindings(report), flags.maxWarnings);
}

/** The `--clients` file: JSON, validated later by the catalog (one line naming the bad field). */
function readClients(file: string, shown: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the --clients file ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`the --clients file ${shown} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** ESLint's rule: errors fail; warnings fail only beyond `--max-warnings`. */
export function exitCodeFor(counts: { readonly errors: number; readonly warnings: number }, maxWarnings: number | undefined): number {
  const tooManyWarnings = maxWarnings !== undefined && counts.warnings > maxWarnings;
  return counts.errors > 0 || tooManyWarnings ? ExitCode.findings : ExitCode.clean;
}

function parseFlags(argv: string[]): CheckFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        project: { type: 'string', short: 'p' },
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        config: { type: 'string', short: 'c' },
        baseline: { type: 'string' },
        'update-baseline': { type: 'boolean' },
        'max-warnings': { type: 'string' },
        clients: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // util.parseArgs explains unknown flags and missing values in one sentence.
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]!.replace(/\.$/, '') : String(error), "run 'connleak check --help'");
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'text';
  if (!isFormatName(format)) throw new UsageError(`unknown format "${format}"`, `choose ${formats.join(', ')}`);
  const config = values.config ?? 'recommended';
  if (!(configNames as readonly string[]).includes(config)) throw new UsageError(`unknown config "${config}"`, `choose ${configNames.join(' or ')}`);
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    maxWarnings = Number(values['max-warnings']);
    if (!/^\d+$/.test(values['max-warnings'])) throw new UsageError(`--max-warnings needs a whole number of warnings, got "${values['max-warnings']}"`);
  }
  if (values['update-baseline'] && values.baseline === undefined) throw new UsageError('--update-baseline needs --baseline FILE to write');
  for (const [flag, value] of [['--project', values.project], ['--output', values.output], ['--baseline', values.baseline], ['--clients', values.clients]] as const) {
    if (value === '') throw new UsageError(`${flag} needs a file name`);
  }
  return {
    ...(values.project !== undefined ? { project: values.project } : {}),
    format,
    ...(values.output !== undefined ? { output: values.output } : {}),
    config: config as ConfigName,
    ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    updateBaseline: values['update-baseline'] === true,
    ...(maxWarnings !== undefined ? { maxWarnings } : {}),
    ...(values.clients !== undefined ? { clients: values.clients } : {}),
    paths: positionals,
    help: values.help === true,
  };
}

/** "loading 1000 files", "summarising…", then "checking 12/20 files…", on one redrawn stderr line, only for a terminal and a large project. */
function progressLine(io: CliIo): { update: (progress: CheckProgress) => void; clear: () => void } {
  let shown = false;
  let lastDrawn = 0;
  return {
    update({ phase, done, total, projectFiles }) {
      if (!io.stderrIsTty || projectFiles <= progressThreshold) return;
      const now = Date.now();
      if (phase === 'checking' && done !== 0 && done !== total && now - lastDrawn < 100) return;
      lastDrawn = now;
      shown = true;
      const line = phase === 'checking' ? `checking ${done}/${total} files that can create clients…` : `${phase} ${projectFiles} files…`;
      io.stderr(`\rconnleak: ${line}\x1b[K`);
    },
    clear() {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}

/** The report, written atomically; a failure is one line, exit 2. */
export function writeAtomically(file: string, text: string): void {
  try {
    writeFileAtomically(file, text);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
