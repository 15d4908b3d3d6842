/** Output sinks for the CLI, so tests call `run()` and read what it wrote instead of scraping stdout. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout / stderr are terminals (colours, progress lines, redraws). */
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Exit codes, documented in the README. */
export const ExitCode = { clean: 0, findings: 1, usage: 2 } as const;

/** A known failure of usage or configuration: printed as one line (plus a hint), exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * Prints an error as one line on stderr and returns the exit code. Known errors (UsageError,
 * and any error whose name ends in ConfigError) print their message; anything else is an internal
 * error, also one line, also exit 2, with CONNLEAK_DEBUG=1 showing the stack.
 */
export function printError(io: CliIo, error: unknown): number {
  const known = error instanceof Error && (error instanceof UsageError || /ConfigError$/.test(error.name));
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const hint = error instanceof UsageError && error.hint ? ` (${error.hint})` : '';
  io.stderr(`connleak: ${known ? '' : 'internal error: '}${message}${hint}\n`);
  if (!known && io.env.CONNLEAK_DEBUG === '1' && error instanceof Error && error.stack) io.stderr(error.stack + '\n');
  return ExitCode.usage;
}
