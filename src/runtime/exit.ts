import type { RuntimeConfig } from './config';
import { buildTrace, writeTraceFile, type TraceEnd } from './trace-file';
import type { SocketRecord, Tracer } from './tracer';

/**
 * What happens when the process ends: the CI verdict (`CONNLEAK_FAIL`) and the JSON trace
 * (`CONNLEAK_REPORT`), without changing how the app itself ends.
 *
 * - Normal exit and `process.exit()`: an `'exit'` listener; it may raise the exit code from 0 to
 *   `failExitCode`, never lower or replace an app's own non-zero code.
 * - SIGINT / SIGTERM (only with a report file): a listener writes the trace, then, when the app has
 *   no listener of its own, removes itself and re-raises the signal, so the process still dies by
 *   that signal as it would without us.
 * - Uncaught exceptions: `uncaughtExceptionMonitor`, which observes without handling, so the app
 *   still crashes (an `'uncaughtException'` listener would keep it alive).
 */

/** The exit code of a run failed by `CONNLEAK_FAIL` (when the app itself exited 0). */
export const failExitCode = 3;

export interface ExitOptions {
  readonly tracer: Tracer;
  readonly config: RuntimeConfig;
  readonly reportFile: string | undefined;
  readonly print: (line: string) => void;
  readonly onInternalError: (error: unknown) => void;
  readonly isDisabled: () => boolean;
}

/** Open sockets grouped by creation site, most first: the leak report's lines. */
export function formatOpenSockets(tracer: Tracer, records: readonly SocketRecord[]): string[] {
  const groups = new Map<string, { count: number; destinations: Set<string>; stack: readonly string[] }>();
  for (const record of records) {
    const site = tracer.resolve(record);
    const group = groups.get(site.id) ?? { count: 0, destinations: new Set<string>(), stack: site.stack };
    group.count++;
    group.destinations.add(record.destination?.key ?? '(unknown)');
    groups.set(site.id, group);
  }
  const lines: string[] = [];
  for (const [site, group] of [...groups].sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`connleak:   ${group.count} to ${[...group.destinations].join(', ')} opened at ${site}`);
    for (const frame of group.stack.slice(1)) lines.push(`connleak:       at ${frame}`);
  }
  return lines;
}

/** The CI verdict at exit; returns the lines to print and whether the run fails. */
export function verdict(tracer: Tracer, config: RuntimeConfig): { failed: boolean; lines: string[] } {
  const lines: string[] = [];
  let failed = false;
  if ((config.fail === 'limit' || config.fail === 'any') && tracer.warningsTotal > 0) {
    failed = true;
    const destinations = [...new Set(tracer.warnings.map((warning) => warning.destination))];
    lines.push(`connleak: CONNLEAK_FAIL=${config.fail}: ${tracer.warningsTotal} limit warning(s) for ${destinations.join(', ')}`);
  }
  if (config.fail === 'leak' || config.fail === 'any') {
    const open = [...tracer.openRecords()];
    if (open.length > 0) {
      failed = true;
      lines.push(`connleak: CONNLEAK_FAIL=${config.fail}: ${open.length} socket(s) still open at exit, by creation site:`);
      lines.push(...formatOpenSockets(tracer, open));
    }
  }
  return { failed, lines };
}

export function installExitHandlers(options: ExitOptions): void {
  const { tracer, config, reportFile, print, onInternalError, isDisabled } = options;
  let crashing = false;

  const writeReport = (end: TraceEnd): void => {
    if (reportFile === undefined) return;
    try {
      writeTraceFile(reportFile, buildTrace(tracer, end));
    } catch (error) {
      print(`connleak: could not write the trace to ${reportFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const onExit = (code: number): void => {
    if (isDisabled()) return;
    try {
      let exitCode = code;
      if (config.fail !== 'off') {
        const { failed, lines } = verdict(tracer, config);
        for (const line of lines) print(line);
        if (failed && code === 0) {
          exitCode = failExitCode;
          process.exitCode = failExitCode;
          print(`connleak: exiting with code ${failExitCode} (CONNLEAK_FAIL=${config.fail})`);
        } else if (failed) {
          print(`connleak: keeping the app's exit code ${code}`);
        }
      }
      writeReport({ reason: crashing ? 'uncaught-exception' : 'exit', exitCode });
    } catch (error) {
      onInternalError(error);
    }
  };
  process.on('exit', onExit);
  // The verdict should come after the app's own 'exit' listeners (one may still close sockets), so
  // once the main module has run, move ours behind the ones it registered.
  setImmediate(() => {
    process.removeListener('exit', onExit);
    process.on('exit', onExit);
  }).unref();

  process.on('uncaughtExceptionMonitor', () => {
    if (isDisabled()) return;
    // With a handler of its own the app lives on; without one it crashes after this monitor.
    if (process.listenerCount('uncaughtException') === 0) crashing = true;
    writeReport({ reason: 'uncaught-exception', exitCode: 1 });
  });

  if (reportFile === undefined) return;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      if (!isDisabled()) writeReport({ reason: 'signal', exitCode: null, signal });
      if (process.listenerCount(signal) === 1) {
        // Ours was the only listener: without us the default action would have ended the process.
        process.removeListener(signal, onSignal);
        try {
          process.kill(process.pid, signal);
        } catch (error) {
          onInternalError(error);
        }
      }
    };
    process.on(signal, onSignal);
  }
}
