import { pathToFileURL } from 'node:url';
import { repositoryUrl } from '../../analysis/create-rule';
import type { CheckReport, Finding, RuleDescriptor, Severity } from '../findings';

/**
 * `--format sarif`: SARIF 2.1.0 for code scanning (GitHub `upload-sarif`, Azure DevOps, IDE
 * viewers). Locations are relative to the working directory through the `%SRCROOT%` base, so the
 * file means the same on another checkout; `partialFingerprints` come from the creating code, not
 * its line, so an alert survives unrelated edits.
 */

const sarifSchema = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const sourceRoot = '%SRCROOT%';
export const fingerprintName = 'connleakFingerprint/v1';

export function formatSarif(report: CheckReport): string {
  const rules = [...report.rules];
  // A finding of a rule the report does not describe (it cannot happen, but SARIF needs an index).
  for (const finding of report.findings) {
    if (!rules.some((rule) => rule.id === finding.rule)) rules.push({ id: finding.rule, description: finding.rule, severity: finding.severity });
  }
  const log = {
    $schema: sarifSchema,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'connleak',
            version: report.toolVersion,
            semanticVersion: report.toolVersion,
            informationUri: repositoryUrl,
            rules: rules.map(ruleMetadata),
          },
        },
        originalUriBaseIds: {
          [sourceRoot]: { uri: pathToFileURL(report.cwd.endsWith('/') ? report.cwd : `${report.cwd}/`).href },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(report.filesNotAnalysed.length > 0
              ? {
                  toolExecutionNotifications: report.filesNotAnalysed.map((skipped) => ({
                    level: 'warning',
                    message: { text: sentence(`File not analysed: ${skipped.reason}`) },
                    locations: [{ physicalLocation: { artifactLocation: artifactLocation(skipped.file) } }],
                  })),
                }
              : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: report.findings.map((finding) => result(finding, rules)),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function ruleMetadata(rule: RuleDescriptor): object {
  const shortName = rule.id.replace(/^.*\//, '');
  return {
    id: rule.id,
    name: shortName.replace(/(^|-)([a-z])/g, (_, __: string, letter: string) => letter.toUpperCase()),
    shortDescription: { text: sentence(rule.description) },
    fullDescription: { text: sentence(rule.description) },
    ...(rule.helpUri ? { helpUri: rule.helpUri, help: { text: `${sentence(rule.description)} See ${rule.helpUri}` } } : {}),
    defaultConfiguration: { level: level(rule.severity) },
    properties: { tags: ['reliability', 'connection-leak'], precision: 'high', 'problem.severity': rule.severity === 'error' ? 'error' : 'warning' },
  };
}

function result(finding: Finding, rules: readonly RuleDescriptor[]): object {
  return {
    ruleId: finding.rule,
    ruleIndex: rules.findIndex((rule) => rule.id === finding.rule),
    level: level(finding.severity),
    message: { text: sentence(finding.message) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(finding.file),
          region: { startLine: finding.line, startColumn: finding.column, endLine: finding.endLine, endColumn: finding.endColumn },
        },
      },
    ],
    partialFingerprints: { [fingerprintName]: finding.fingerprint },
    properties: { client: finding.client },
  };
}

function artifactLocation(file: string): { uri: string; uriBaseId: string } {
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: sourceRoot };
}

function level(severity: Severity): 'error' | 'warning' {
  return severity === 'error' ? 'error' : 'warning';
}

/** SARIF viewers show messages as sentences; the SARIF validator asks for the final period. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
