/** `connleak report TRACE.json -o report.html`: a CONNLEAK_REPORT trace as a self-contained page. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport } from '../report/html';
import { loadTrace } from '../report/load';
import { summarize } from '../report/model';
import { TraceFormatError } from '../runtime/trace';
import { writeFileAtomically } from '../util/write-atomically';
import { ExitCode, UsageError, type CliIo } from './io';

export const reportUsage = `Usage: connleak report TRACE.json [-o report.html]

Turns a trace written by CONNLEAK_REPORT=FILE into one self-contained HTML page: a timeline per
destination with its limit and warn threshold, warnings and resets marked, the creation sites,
and a one-sentence summary. The page loads nothing from the network.

Options:
  -o, --output FILE  where to write the page (default: TRACE with .html instead of .json)
  -h, --help         this text

Exit: 0, 2 (usage, or a trace that is missing, malformed or of an unsupported version).
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    // parseArgs adds a tip on `--` after an unknown option; the option is what matters.
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''), "run 'connleak report --help'");
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(reportUsage);
    return ExitCode.clean;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'report needs a trace file' : `report takes one trace file, got ${positionals.length}`, 'connleak report TRACE.json -o report.html');
  }
  const tracePath = path.resolve(io.cwd, positionals[0]!);
  const output = path.resolve(io.cwd, values.output ?? tracePath.replace(/(\.json)?$/i, '.html'));
  if (output === tracePath) throw new UsageError('the report would overwrite the trace', 'give another file with -o');
  let page: string;
  let summary: string;
  try {
    const trace = loadTrace(tracePath);
    page = renderReport(trace);
    summary = summarize(trace);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(error.message);
    throw error;
  }
  try {
    writeFileAtomically(output, page);
  } catch (error) {
    throw new UsageError(`cannot write ${path.relative(io.cwd, output) || output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // The summary quotes the trace; control characters in it must not drive the terminal.
  const printable = summary.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  io.stdout(`connleak: report written to ${path.relative(io.cwd, output) || output}\n${printable}\n`);
  return ExitCode.clean;
}
