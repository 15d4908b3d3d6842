import { chmodSync, statSync } from 'node:fs';

/**
 * The SARIF Multitool binary from @microsoft/sarif-multitool-linux, made executable. Its own
 * postinstall (`chmod u+x Sarif.Multitool`) does not run under npm 11, which blocks install
 * scripts by default, so a fresh `npm ci` leaves the binary without its execute bit.
 */
export function sarifMultitoolPath(): string {
  // The package's main module is just the binary's absolute path.
  const binary = require('@microsoft/sarif-multitool-linux') as string;
  const { mode } = statSync(binary);
  if ((mode & 0o100) === 0) chmodSync(binary, mode | 0o755);
  return binary;
}

/**
 * Environment for running it: a .NET program, which aborts at start when libicu is missing unless
 * told to run without globalization support (it needs none to validate SARIF).
 */
export function sarifMultitoolEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' };
}
