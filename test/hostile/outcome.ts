import assert from 'node:assert/strict';
import type { RunNodeResult } from '../support/run-node';
import { stderrLines } from './inputs';

/**
 * What every hostile run must show: it ended by itself (no time-out, no signal: an out-of-memory
 * aborts with SIGABRT), with one of the documented exit codes, and printed no stack trace, no V8
 * fatal error and no "internal error".
 */
export function assertNoCrash(result: RunNodeResult): void {
  assert.equal(result.timedOut, false, 'the run ended within its time limit');
  assert.equal(result.signal, null, `ended by a signal: ${result.stderr.slice(0, 2000)}`);
  assert.ok(result.code === 0 || result.code === 1 || result.code === 2, `exit ${result.code}`);
  const output = result.stdout + result.stderr;
  assert.doesNotMatch(output, /^\s+at .+[:(]/m, 'no stack trace');
  assert.doesNotMatch(output, /FATAL ERROR|heap out of memory|Maximum call stack/i, 'no fatal error');
  assert.doesNotMatch(result.stderr, /internal error/, 'no internal error');
}

/** A refused input: exit 2, nothing on stdout, one line on stderr saying what is wrong. */
export function assertOneLineError(result: RunNodeResult, pattern: RegExp): void {
  assertNoCrash(result);
  assert.equal(result.code, 2, `exit 2, got ${result.code}: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = stderrLines(result);
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr.slice(0, 2000)}`);
  assert.match(lines[0]!, /^connleak: /);
  assert.match(lines[0]!, pattern);
}
