import type { CheckReport } from '../findings';
import { formatGithub } from './github';
import { formatJson } from './json';
import { formatSarif } from './sarif';
import { formatText } from './text';

export const formats = ['text', 'json', 'sarif', 'github'] as const;
export type FormatName = (typeof formats)[number];

export function isFormatName(name: string): name is FormatName {
  return (formats as readonly string[]).includes(name);
}

/** Renders a report. Formatters read findings and counts only, never the program. */
export function formatReport(format: FormatName, report: CheckReport, options: { color: boolean }): string {
  switch (format) {
    case 'text':
      return formatText(report, options);
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report);
    case 'github':
      return formatGithub(report);
  }
}
