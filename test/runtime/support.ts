import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir, registerPath, repoRoot } from '../support/paths';
import { runNode, type RunNodeOptions, type RunNodeResult } from '../support/run-node';

/** Shared by the runtime tests: running fixture apps with the preload, and where their sites are. */

export const appsDir = path.join(fixturesDir, 'apps');

export function app(name: string): string {
  return path.join(appsDir, name);
}

/** `node -r connleak/register fixtures/apps/NAME` (or `--import` for an ESM app), from the repo root. */
export function runWithPreload(name: string, env: RunNodeOptions['env'], options: { flag?: '-r' | '--import'; timeoutMs?: number } = {}): Promise<RunNodeResult> {
  return runNode([options.flag ?? '-r', registerPath, app(name)], { env: { CONNLEAK_LIMITS: undefined, CONNLEAK_WARN_AT: undefined, CONNLEAK_FAIL: undefined, CONNLEAK_REPORT: undefined, CONNLEAK_SCOPE: undefined, CONNLEAK_DISABLE: undefined, ...env }, timeoutMs: options.timeoutMs ?? 20_000 });
}

/**
 * The creation site the tracer should name for the call `needle` in a fixture: `file:line:column`
 * relative to the repository root (the tests' working directory), column of the called name.
 */
export function siteOf(name: string, needle: string): string {
  const lines = readFileSync(app(name), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  if (index === -1) throw new Error(`${name} has no line with ${needle}`);
  const called = needle.includes('.') ? needle.slice(needle.lastIndexOf('.') + 1) : needle;
  return `${path.relative(repoRoot, app(name))}:${index + 1}:${lines[index]!.indexOf(called, lines[index]!.indexOf(needle)) + 1}`;
}

/** stderr lines printed by connleak. */
export function connleakLines(result: RunNodeResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('connleak:'));
}
