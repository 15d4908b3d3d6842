#!/usr/bin/env node
/**
 * The `connleak` command: dispatches to one module per sub-command. Each sub-command module
 * exports `run(argv, io)` and returns its exit code; this file owns process.exitCode.
 */
import type { CliIo } from './io';
import { UsageError, defaultIo, printError } from './io';

type SubCommand = (argv: string[], io: CliIo) => Promise<number>;

// Loaded lazily so that `connleak netstat` does not pay for TypeScript and ESLint.
const subCommands: Record<string, { summary: string; load: () => SubCommand }> = {
  check: { summary: 'check a project for connection leaks (whole program)', load: () => require('./check').run as SubCommand },
  run: { summary: 'run a command with the connleak preload in every Node process', load: () => require('./run').run as SubCommand },
  netstat: { summary: 'host-wide live TCP connections per destination, with limits', load: () => require('./netstat').run as SubCommand },
  report: { summary: 'turn a CONNLEAK_REPORT trace into an HTML page', load: () => require('./report').run as SubCommand },
};

export function usage(): string {
  const lines = Object.entries(subCommands).map(([name, { summary }]) => `  ${name.padEnd(9)}${summary}`);
  return ['Usage: connleak <command> [options]', '', 'Commands:', ...lines, '', "Run 'connleak <command> --help' for a command's options."].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${(require('../../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  const command = subCommands[name];
  if (!command) {
    return printError(io, new UsageError(`unknown command "${name}"`, "run 'connleak --help' for the list"));
  }
  try {
    return await command.load()(rest, io);
  } catch (error) {
    return printError(io, error);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = printError(defaultIo(), error);
    },
  );
}
