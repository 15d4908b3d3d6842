import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/paths';

/**
 * test/scale/reviewed-findings.json: every finding of the scale runs, examined by hand. A
 * `true-leak` is a client that code really leaves open (on some path, or on a throw under
 * `strict`); a `false-positive` is a wrong judgement of the analysis, written up in
 * docs/scale.md ("False positives for the analysis") and kept here until src/analysis is fixed,
 * when the entry goes stale and the test says to remove it.
 */

export type Verdict = 'true-leak' | 'false-positive';

export interface ReviewedFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly verdict: Verdict;
  readonly reason: string;
}

export interface ReviewedCheckFinding extends ReviewedFinding {
  /** The project name of test/scale/projects.ts. */
  readonly project: string;
}

export interface ReviewedList {
  /** Findings of the ESLint run over the corpus; `file` is the corpus name (`fastify/test/close.test.js`). */
  readonly lint: readonly ReviewedFinding[];
  /** Files of the corpus the parser rejects, with why (not crashes, but listed so a new one is seen). */
  readonly unparsable: readonly { readonly file: string; readonly reason: string }[];
  /** Findings of `connleak check` over the real projects; `file` is relative to the project. */
  readonly check: readonly ReviewedCheckFinding[];
}

export const reviewedListPath = path.join(repoRoot, 'test/scale/reviewed-findings.json');

export function readReviewedList(): ReviewedList {
  return JSON.parse(readFileSync(reviewedListPath, 'utf8')) as ReviewedList;
}

/** The problems with the entries themselves: a verdict that is not one of the two, a reason too short to mean anything. */
export function malformedEntries(entries: readonly ReviewedFinding[]): string[] {
  return entries
    .filter((entry) => (entry.verdict !== 'true-leak' && entry.verdict !== 'false-positive') || typeof entry.reason !== 'string' || entry.reason.length < 30)
    .map((entry) => `${entry.file}:${entry.line}:${entry.column} ${entry.rule}`);
}
