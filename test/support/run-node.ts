import { spawn } from 'node:child_process';
import { repoRoot } from './paths';

export interface RunNodeOptions {
  /** Added to this process's environment (a value of `undefined` removes the variable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The child is killed (SIGKILL) after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /**
   * Runs the child under this open-file limit: `bash -c 'ulimit -n N && exec node …'`, so the
   * limit applies to node itself and nothing else runs in between (EMFILE and load tests).
   */
  readonly fdLimit?: number;
}

export interface RunNodeResult {
  /** Exit code, or null when a signal ended the child. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the child was killed for running past `timeoutMs`. */
  readonly timedOut: boolean;
}

/**
 * Runs `node ...args` (this very node binary) as a child process and collects what it printed.
 * Never rejects for the child's sake: a crash, a non-zero exit or a timeout is in the result.
 */
export function runNode(args: readonly string[], options: RunNodeOptions = {}): Promise<RunNodeResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Set by `node --test` for its own children; a fixture app is not a test file.
  delete env.NODE_TEST_CONTEXT;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const [command, argv] =
      options.fdLimit === undefined ? [process.execPath, [...args]] : ['bash', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...args]];
    const child = spawn(command, argv, { cwd: options.cwd ?? repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // A child that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The JSON objects among `text`'s lines (fixture apps print one event per line). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) events.push(value as Record<string, unknown>);
    } catch {
      // Not an event line (the app or a preload printed something else that starts with a brace).
    }
  }
  return events;
}
