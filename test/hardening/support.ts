import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fixturesDir, registerPath, repoRoot } from '../support/paths';
import assert from 'node:assert/strict';
import { runNode, type RunNodeResult } from '../support/run-node';

/** A loopback port that was free a moment ago: a refused port, or one for an app to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunAppOptions {
  /** Load the preload with `-r connleak/register` (the compiled dist/src/runtime/register.js). */
  readonly preload?: boolean;
  /** Another preload in its place (the deliberately bad ones of sensitivity.test.ts). */
  readonly preloadPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Run under `ulimit -n LIMIT` (a bash wrapper; Node has no API to lower its own limit). */
  readonly fdLimit?: number;
  readonly nodeOptions?: readonly string[];
  readonly timeoutMs?: number;
}

/** The connleak variables of the test runner's own environment must not leak into the apps. */
const clearedConnleakEnv: Record<string, undefined> = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('CONNLEAK_'))
    .map((name) => [name, undefined]),
);

/** The drivers of the memory and load tests: plain JavaScript, run from the source tree. */
export const driversDir = path.join(repoRoot, 'test', 'hardening', 'apps');

/** Runs `node [-r register] fixtures/apps/APP` and collects what it printed, how it ended. */
export function runApp(app: string, options: RunAppOptions = {}): Promise<RunNodeResult> {
  return runScript(path.join(fixturesDir, 'apps', app), [], options);
}

/** Runs `node [node options] [-r register] SCRIPT ARGS…`. */
export function runScript(script: string, scriptArgs: readonly string[], options: RunAppOptions = {}): Promise<RunNodeResult> {
  const preload = options.preloadPath ?? (options.preload ? registerPath : undefined);
  const args = [...(options.nodeOptions ?? []), ...(preload === undefined ? [] : ['-r', preload]), script, ...scriptArgs];
  const env = { ...clearedConnleakEnv, ...options.env };
  const timeoutMs = options.timeoutMs ?? 15_000;
  return runNode(args, { env, timeoutMs, ...(options.fdLimit === undefined ? {} : { fdLimit: options.fdLimit }) });
}

/** connleak's own stderr lines: every line it prints starts with this. */
export const connleakPrefix = 'connleak:';

export function connleakLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(connleakPrefix));
}

/**
 * The application's part of stderr: connleak's own lines removed, and the pid Node puts in its
 * process warnings (`(node:1234) Warning: …`) masked, since it differs between any two runs.
 * Nothing else is normalised: stack traces must match frame for frame, so a tracer that wraps
 * `emit` or `connect` and shows up in the app's stacks is caught.
 */
export function appStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith(connleakPrefix))
    .map((line) => line.replace(/\(node:\d+\)/g, '(node:PID)'))
    .join('\n');
}

/** A sink-server.js child: holds every connection it accepts, in a process of its own. */
export interface Sink {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts test/hardening/apps/sink-server.js listening on `hosts` (one port for all), under
 * `ulimit -n fdLimit` so it can hold as many connections as the test opens.
 */
export function startSink(hosts: readonly string[], fdLimit = 20_000): Promise<Sink> {
  const child: ChildProcess = spawn('bash', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, path.join(driversDir, 'sink-server.js'), hosts.join(',')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    // Closing its stdin ends it; the kill is for a sink that stopped reading.
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0]!;
      if (stdout.includes('\n')) resolve({ port: (JSON.parse(line) as { port: number }).port, stop });
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`sink-server exited before it was ready: ${stderr.trim()}`)));
  });
}

/** The JSON lines a driver printed on stdout. */
export function driverLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

/**
 * The differential verdict: the run under a preload shows the app exactly as the plain run does
 * (stdout, exit code and signal, stderr beyond connleak's own lines). Throws an AssertionError
 * naming the first difference.
 */
export function assertSameBehaviour(app: string, plain: RunNodeResult, traced: RunNodeResult): void {
  assert.equal(traced.timedOut, false, `${app} timed out under the preload`);
  assert.equal(traced.stdout, plain.stdout, `${app}: stdout differs under the preload`);
  assert.deepEqual({ code: traced.code, signal: traced.signal }, { code: plain.code, signal: plain.signal }, `${app}: exit differs under the preload\n${traced.stderr}`);
  assert.equal(appStderr(traced.stderr), appStderr(plain.stderr), `${app}: stderr differs beyond connleak: lines`);
}
