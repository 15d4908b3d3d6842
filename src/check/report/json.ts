import { countFindings, type CheckReport } from '../findings';

/**
 * `--format json`: `{ findings: [{ file, line, column, rule, message, client, … }], summary }`,
 * the shape DESIGN.md promises. `file` is relative to the working directory, `line` is 1-based at
 * the creating call.
 */
export function formatJson(report: CheckReport): string {
  const findings = report.findings.map((finding) => ({
    file: finding.file,
    line: finding.line,
    column: finding.column,
    rule: finding.rule,
    message: finding.message,
    client: finding.client,
    severity: finding.severity,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
    fingerprint: finding.fingerprint,
  }));
  const summary = {
    counts: countFindings(report),
    config: report.config,
    filesAnalysed: report.filesAnalysed,
    filesNotAnalysed: report.filesNotAnalysed,
  };
  return JSON.stringify({ findings, summary }, null, 2) + '\n';
}
