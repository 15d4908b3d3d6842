import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, fixturesDir } from '../support/paths';
import { runNode, type RunNodeResult } from '../support/run-node';

/**
 * Hostile inputs for `connleak check` and `connleak report`, generated into a temporary directory
 * at test time (nothing big is committed), and the CLI run on them as a real child process with a
 * time limit and a heap limit: a hang is a timeout, an out-of-memory is a crash with a signal.
 */

/** Generous for the work (the slowest case takes about 3 s here) and far below a hang. */
export const runTimeoutMs = 90_000;
/** Far above what any case needs (the 5 MB file about 600 MB), far below a runaway. */
const heapLimitMb = 1536;

export function runCli(args: readonly string[], cwd: string, heapMb = heapLimitMb): Promise<RunNodeResult> {
  return runNode([`--max-old-space-size=${heapMb}`, cliPath, ...args], { cwd, timeoutMs: runTimeoutMs, env: { CONNLEAK_DEBUG: undefined, NO_COLOR: '1' } });
}

export async function withTempDir<T>(run: (directory: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), 'connleak-hostile-'));
  try {
    return await run(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A file with a leak the checker must still find next to the hostile one: line 2 creates sockets in a loop. */
export const leakyFile = "const net = require('net');\nfor (const port of [1, 2]) net.connect(port);\n";

export function deepParentheses(levels: number): string {
  return `const net = require('net');\nmodule.exports = ${'('.repeat(levels)}net.connect(1)${')'.repeat(levels)};\n`;
}

/** `run(() => run(() => … { for (…) net.connect(port) } …))`: the client sits at the innermost level, in a loop. */
export function nestedCallbacks(levels: number): string {
  return `const net = require('net');\nfunction run(callback) { return callback(); }\n${'run(() => '.repeat(levels)}{ for (const port of [1, 2]) net.connect(port); }${')'.repeat(levels)};\n`;
}

/** `promise.then(…).then(…)…`: flat to read, but a syntax tree twice as deep as the chain is long. */
export function longCallChain(links: number): string {
  return `const net = require('net');\nconst socket = net.connect(1);\nPromise.resolve()${".then(() => socket.write('x'))".repeat(links)}.finally(() => socket.end());\n`;
}

/**
 * About `bytes` of minified-style JavaScript on one line: many small modules, each with a client
 * factory (returns its socket: no finding), closures, object literals and a loop; then one leak at
 * the very end of the line. Returns the code and the 1-based column of that leak.
 */
export function minifiedBundle(bytes: number): { code: string; leakColumn: number } {
  const parts: string[] = ['"use strict";'];
  let length = parts[0]!.length;
  for (let k = 0; length < bytes; k++) {
    const part =
      `!function(e){var t=require("net"),r="k${k}",o={a:${k},b:[${k % 7},${k % 11},${k % 13}],c:function(n){return n+r}};` +
      `function n(a){var s=t.connect(a);return s.setNoDelay(!0),s}function i(a,s){for(var c=0,u=a.length;c<u;c++)s(a[c],c);return a}` +
      `e[r]={open:n,each:i,data:o,sum:i(o.b,function(a){o.a+=a}).length+(o.a>${k}?1:0)}}(module.exports);`;
    parts.push(part);
    length += part.length;
  }
  const tail = '!function(){var t=require("net");for(var z=0;z<3;z++){t.connect(z)}}();';
  const code = parts.join('') + tail;
  return { code, leakColumn: code.lastIndexOf('t.connect(z)') + 1 };
}

/** Deterministic noise (a linear congruential generator), NUL bytes and invalid UTF-8 included. */
export function binaryJunk(bytes: number, seed = 7): Buffer {
  const junk = Buffer.alloc(bytes);
  let state = seed;
  for (let index = 0; index < bytes; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    junk[index] = (state >> 16) & 0xff;
  }
  return junk;
}

/** The one committed trace of a leaky ZooKeeper run, as the base of hostile traces. */
export function baseTrace(): Record<string, unknown> & { destinations: Record<string, unknown>[]; warnings: Record<string, unknown>[]; resets: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(path.join(fixturesDir, 'traces/leaky-zookeeper.json'), 'utf8')) as ReturnType<typeof baseTrace>;
}

/** The lines a child wrote to stderr. */
export function stderrLines(result: RunNodeResult): string[] {
  return result.stderr.split('\n').filter((line) => line.length > 0);
}
