import type { CheckReport } from '../findings';

/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding
 * (`::error file=…,line=…,col=…,title=…::message`), shown on the pull request's diff.
 *
 * Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`, CR and
 * LF are percent-encoded; in property values also `:` and `,`, which delimit properties.
 */
export function formatGithub(report: CheckReport): string {
  const lines = report.findings.map((finding) => {
    const properties = {
      file: finding.file,
      line: finding.line,
      endLine: finding.endLine,
      col: finding.column,
      endColumn: finding.endColumn,
      title: finding.rule,
    };
    return command(finding.severity === 'error' ? 'error' : 'warning', properties, finding.message);
  });
  for (const skipped of report.filesNotAnalysed) {
    lines.push(command('warning', { file: skipped.file, title: 'connleak: file not analysed' }, skipped.reason));
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

function command(name: string, properties: Readonly<Record<string, string | number>>, message: string): string {
  const list = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${name} ${list}::${escapeData(message)}`;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
