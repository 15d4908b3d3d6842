import { readFileSync } from 'node:fs';
import type { Finding } from './findings';

/**
 * A baseline: the findings a team has accepted for now, so CI fails only on new ones. Findings
 * are matched by rule, file and fingerprint (the creating code's normalised text and enclosing
 * function, not its line), each baseline entry absorbing at most one finding.
 */

export interface BaselineEntry {
  readonly rule: string;
  readonly file: string;
  readonly fingerprint: string;
  /** For people reading the file; not used for matching. */
  readonly message?: string;
}

export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineEntry[];
}

/** The baseline file is missing, unreadable or not a connleak baseline: one line, exit 2. */
export class BaselineConfigError extends Error {
  override readonly name = 'BaselineConfigError';
}

export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BaselineConfigError(`cannot read baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BaselineConfigError(`baseline ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const findings = (parsed as { findings?: unknown } | null)?.findings;
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1 || !Array.isArray(findings)) {
    throw new BaselineConfigError(`baseline ${file} is not a connleak baseline (expected { "version": 1, "findings": [...] }; write one with --update-baseline)`);
  }
  findings.forEach((entry: unknown, index) => {
    const { rule, file: entryFile, fingerprint } = (entry ?? {}) as Record<string, unknown>;
    if (typeof rule !== 'string' || typeof entryFile !== 'string' || typeof fingerprint !== 'string') {
      throw new BaselineConfigError(`baseline ${file}: findings[${index}] needs string "rule", "file" and "fingerprint"`);
    }
  });
  return { version: 1, findings: findings as BaselineEntry[] };
}

export function createBaseline(findings: readonly Finding[]): Baseline {
  const entries = findings.map(({ rule, file, fingerprint, message }) => ({ rule, file, fingerprint, message }));
  entries.sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.rule, b.rule) || compareStrings(a.fingerprint, b.fingerprint));
  return { version: 1, findings: entries };
}

export function serialiseBaseline(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2) + '\n';
}

/** Splits findings into new ones and those the baseline accepts. */
export function applyBaseline(findings: readonly Finding[], baseline: Baseline | undefined): { fresh: Finding[]; baselined: number } {
  if (!baseline) return { fresh: [...findings], baselined: 0 };
  const remaining = new Map<string, number>();
  for (const entry of baseline.findings) {
    const key = matchKey(entry);
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  const fresh: Finding[] = [];
  let baselined = 0;
  for (const finding of findings) {
    const key = matchKey(finding);
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      remaining.set(key, left - 1);
      baselined++;
    } else {
      fresh.push(finding);
    }
  }
  return { fresh, baselined };
}

function matchKey(entry: Pick<BaselineEntry, 'rule' | 'file' | 'fingerprint'>): string {
  return `${entry.rule}\0${entry.file}\0${entry.fingerprint}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
