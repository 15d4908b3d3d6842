/**
 * What the checker produces and the formatters read. Plain data only: a formatter never sees the
 * ts-morph Project, the ESLint Linter or a syntax tree.
 */

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Path relative to the working directory, with forward slashes. */
  readonly file: string;
  /** 1-based line of the creating call. */
  readonly line: number;
  /** 1-based column of the creating call (UTF-16 code units, as ESLint counts). */
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  /** Full ESLint rule id: `connleak/no-client-in-loop`. */
  readonly rule: string;
  readonly message: string;
  /** Catalog client id (`node-zookeeper-client`), or `unknown` when the rule did not say. */
  readonly client: string;
  readonly severity: Severity;
  /**
   * Hash of the creating code's text with whitespace normalised, plus its ordinal among equal
   * texts of the same rule in the same file: stable when lines move, so baselines and SARIF
   * `partialFingerprints` survive edits elsewhere in the file.
   */
  readonly fingerprint: string;
}

/** A file the checker was asked to check but could not (a syntax error, a rule crash). */
export interface FileNotAnalysed {
  readonly file: string;
  readonly reason: string;
}

/** What a rule is, as formatters describe it (SARIF `tool.driver.rules`, text legends). */
export interface RuleDescriptor {
  /** Full rule id: `connleak/no-client-in-loop`. */
  readonly id: string;
  readonly description: string;
  readonly helpUri?: string;
  readonly severity: Severity;
}

export type ConfigName = 'recommended' | 'strict';

/** One checker run, ready to format. */
export interface CheckReport {
  /** The findings to report (baselined ones removed). */
  readonly findings: readonly Finding[];
  /** Findings that matched the baseline and are not reported. */
  readonly baselined: number;
  readonly config: ConfigName;
  readonly rules: readonly RuleDescriptor[];
  readonly filesAnalysed: number;
  readonly filesNotAnalysed: readonly FileNotAnalysed[];
  /** Absolute working directory that `file` paths are relative to. */
  readonly cwd: string;
  readonly toolVersion: string;
}

export interface FindingCounts {
  readonly total: number;
  readonly errors: number;
  readonly warnings: number;
  readonly baselined: number;
  readonly byRule: Readonly<Record<string, number>>;
}

export function countFindings(report: Pick<CheckReport, 'findings' | 'baselined'>): FindingCounts {
  const byRule: Record<string, number> = {};
  let errors = 0;
  for (const finding of report.findings) {
    byRule[finding.rule] = (byRule[finding.rule] ?? 0) + 1;
    if (finding.severity === 'error') errors++;
  }
  return { total: report.findings.length, errors, warnings: report.findings.length - errors, baselined: report.baselined, byRule };
}

/** Orders findings by file, then position, then rule: every formatter prints them this way. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}
