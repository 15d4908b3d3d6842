import { countFindings, type CheckReport, type Finding } from '../findings';

/**
 * ESLint's "stylish" layout: findings grouped under their file, one aligned line each, then a
 * total. Colours only when the caller says the output is a terminal.
 */

const ansi = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', underline: '\x1b[4m', red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m' };

export function formatText(report: CheckReport, options: { color: boolean }): string {
  const paint = (codes: string, text: string): string => (options.color ? `${codes}${text}${ansi.reset}` : text);
  const lines: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byFile.get(finding.file);
    if (list) list.push(finding);
    else byFile.set(finding.file, [finding]);
  }
  for (const [file, findings] of byFile) {
    lines.push(paint(ansi.underline, file));
    const positions = findings.map((finding) => `${finding.line}:${finding.column}`);
    const positionWidth = Math.max(...positions.map((position) => position.length));
    const severityWidth = Math.max(...findings.map((finding) => finding.severity.length));
    const messageWidth = Math.max(...findings.map((finding) => finding.message.length));
    findings.forEach((finding, index) => {
      const severity = paint(finding.severity === 'error' ? ansi.red : ansi.yellow, finding.severity.padEnd(severityWidth));
      lines.push(`  ${paint(ansi.dim, positions[index]!.padStart(positionWidth))}  ${severity}  ${finding.message.padEnd(messageWidth)}  ${paint(ansi.dim, finding.rule)}`);
    });
    lines.push('');
  }
  if (report.filesNotAnalysed.length > 0) {
    lines.push(paint(ansi.yellow, `${plural(report.filesNotAnalysed.length, 'file')} not analysed:`));
    for (const skipped of report.filesNotAnalysed) lines.push(`  ${skipped.file}: ${skipped.reason}`);
    lines.push('');
  }
  const counts = countFindings(report);
  const baselined = counts.baselined > 0 ? `, ${counts.baselined} more matched the baseline` : '';
  if (counts.total === 0) {
    lines.push(paint(ansi.green, `✔ no connection leaks found in ${plural(report.filesAnalysed, 'file')}${baselined}`));
  } else {
    const summary = `✖ ${plural(counts.total, 'problem')} (${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}) in ${plural(report.filesAnalysed, 'file')} checked${baselined}`;
    lines.push(paint(ansi.bold + (counts.errors > 0 ? ansi.red : ansi.yellow), summary));
  }
  return lines.join('\n') + '\n';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
