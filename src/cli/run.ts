import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { builtinClients } from '../catalog';
import { parseFailMode, parseLimits, parseScope, parseWarnAt, readRuntimeConfig } from '../runtime/config';
import type { CliIo } from './io';
import { UsageError } from './io';

/**
 * `connleak run [--limit SPEC] [--warn-at N] [--fail MODE] [--report FILE] [--scope S] -- CMD ARGS…`
 *
 * Runs any command with the preload in every Node process it starts: the preload goes into
 * NODE_OPTIONS (`--require "<this package>/dist/src/runtime/register.js"`), which every Node child
 * inherits (npm, test runners, workers), and the flags become CONNLEAK_* variables. Signals sent to
 * connleak go to the command; connleak exits with the command's exit code (128 + the signal number
 * when a signal ended it).
 */

export const registerFile = path.resolve(__dirname, '../runtime/register.js');

const usageText = `Usage: connleak run [options] -- COMMAND [ARGS…]

Runs COMMAND with the connleak preload in every Node process it starts.

Options:
  --limit SPEC     live-connection limits, HOST:PORT=MAX,… (CONNLEAK_LIMITS; default *:2181=60)
  --warn-at N      warn at this share of a limit, 0 < N <= 1 (CONNLEAK_WARN_AT; default 0.8)
  --fail MODE      off|limit|leak|any: exit 3 on a limit warning / sockets open at exit (CONNLEAK_FAIL)
  --report FILE    write the JSON trace here at exit; %p becomes the pid (CONNLEAK_REPORT)
  --scope S        process|host: count this process's sockets or the whole host's (CONNLEAK_SCOPE)
  -h, --help       show this help
`;

/** NODE_OPTIONS takes double-quoted values with backslash escapes. */
function quoteForNodeOptions(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

export function preloadNodeOptions(existing: string | undefined, file = registerFile): string {
  const preload = `--require ${quoteForNodeOptions(file)}`;
  return existing && existing.trim() !== '' ? `${existing.trim()} ${preload}` : preload;
}

function splitCommand(argv: readonly string[]): { own: string[]; command: string[] } {
  const separator = argv.indexOf('--');
  if (separator !== -1) return { own: argv.slice(0, separator), command: argv.slice(separator + 1) };
  // Without `--`, the command is the first argument that is not one of our options.
  const own: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) return { own, command: argv.slice(i) };
    own.push(arg);
    if (!arg.includes('=') && ['--limit', '--warn-at', '--fail', '--report', '--scope'].includes(arg) && i + 1 < argv.length) own.push(argv[++i]!);
  }
  return { own, command: [] };
}

/** The child's environment: the caller's, the preload, and the flags as CONNLEAK_* variables. */
export function childEnvironment(argv: readonly string[], io: Pick<CliIo, 'env' | 'cwd'>): { command: string[]; env: NodeJS.ProcessEnv } | 'help' {
  const { own, command } = splitCommand(argv);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: own,
      strict: true,
      allowPositionals: false,
      options: {
        limit: { type: 'string' },
        'warn-at': { type: 'string' },
        fail: { type: 'string' },
        report: { type: 'string' },
        scope: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, "run 'connleak run --help'");
  }
  if (values.help) return 'help';
  if (command.length === 0) throw new UsageError('no command to run', 'usage: connleak run [options] -- COMMAND [ARGS…]');
  const env: NodeJS.ProcessEnv = { ...io.env };
  if (typeof values.limit === 'string') {
    parseLimits(values.limit, builtinClients, '--limit');
    env.CONNLEAK_LIMITS = values.limit;
  }
  if (typeof values['warn-at'] === 'string') env.CONNLEAK_WARN_AT = String(parseWarnAt(values['warn-at'], '--warn-at'));
  if (typeof values.fail === 'string') env.CONNLEAK_FAIL = parseFailMode(values.fail, '--fail');
  if (typeof values.scope === 'string') env.CONNLEAK_SCOPE = parseScope(values.scope, '--scope');
  // Absolute, so that a command changing directory still writes where the user asked.
  if (typeof values.report === 'string') env.CONNLEAK_REPORT = path.resolve(io.cwd, values.report);
  // The inherited CONNLEAK_* variables too: a bad one fails here, once, not in every child.
  readRuntimeConfig(env);
  env.NODE_OPTIONS = preloadNodeOptions(io.env.NODE_OPTIONS);
  return { command, env };
}

const forwardedSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const prepared = childEnvironment(argv, io);
  if (prepared === 'help') {
    io.stdout(usageText);
    return 0;
  }
  const [file, ...args] = prepared.command;
  return new Promise<number>((resolve) => {
    const child = spawn(file!, args, { cwd: io.cwd, env: prepared.env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of forwardedSignals) process.on(signal, forward);
    const done = (code: number): void => {
      for (const signal of forwardedSignals) process.removeListener(signal, forward);
      resolve(code);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      io.stderr(`connleak: cannot run "${file}": ${error.code === 'ENOENT' ? 'command not found' : error.message}\n`);
      done(127);
    });
    child.once('exit', (code, signal) => {
      done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
