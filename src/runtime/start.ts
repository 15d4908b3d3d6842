import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { emitRuntimeEvent, publishSnapshot } from './api';
import { installCatalogHooks, disableCatalogHooks } from './catalog-hooks';
import type { RuntimeConfig } from './config';
import { installExitHandlers } from './exit';
import { createHostCounter } from './host-scope';
import { disableSocketHooks, installSocketHooks, localSink } from './socket-hooks';
import { receiveFromWorkers, workerSink } from './thread-relay';
import { reportPath } from './trace-file';
import { Tracer } from './tracer';

/**
 * What every hook calls when the tracer itself fails: disable all hooks (they become
 * pass-throughs) and say so in one line, once. The app runs on untraced.
 */
export function internalErrorHandler(print: (line: string) => void, onDisable: () => void = () => {}): (error: unknown) => void {
  let disabled = false;
  return (error) => {
    if (disabled) return;
    disabled = true;
    disableSocketHooks();
    disableCatalogHooks();
    onDisable();
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    print(`connleak: internal error, tracer disabled: ${message}`);
    if (process.env.CONNLEAK_DEBUG === '1' && error instanceof Error && error.stack) print(error.stack);
  };
}

/** Starts tracing this thread with a validated configuration (the preload's body). */
export function startRuntime(config: RuntimeConfig): Tracer | undefined {
  const print = (line: string): void => {
    try {
      // Straight to fd 2: a closed or full stderr pipe must not become an 'error' event on
      // process.stderr that crashes an app which never writes to stderr itself.
      writeSync(2, `${line}\n`);
    } catch {
      // Nowhere to say it.
    }
  };
  let disabled = false;
  const onInternalError = internalErrorHandler(print, () => {
    disabled = true;
  });
  try {
    if (!isMainThread) {
      installSocketHooks(workerSink(config, onInternalError), onInternalError);
      installCatalogHooks(onInternalError);
      return undefined;
    }
    const reportFile = config.reportFile === undefined ? undefined : reportPath(config.reportFile);
    const tracer = new Tracer(config, {
      print,
      emit: (event, payload) => emitRuntimeEvent(event, payload, print),
      sampling: reportFile !== undefined,
      captureAll: reportFile !== undefined || config.fail !== 'off',
    });
    if (config.scope === 'host') tracer.hostCounter = createHostCounter(print);
    installSocketHooks(localSink(tracer), onInternalError);
    installCatalogHooks(onInternalError);
    receiveFromWorkers(tracer, onInternalError);
    installExitHandlers({ tracer, config, reportFile, print, onInternalError, isDisabled: () => disabled });
    publishSnapshot(() =>
      [...tracer.destinations.values()].filter((destination) => destination.opened > 0).map((destination) => ({
        destination: destination.key,
        live: destination.live,
        peak: destination.peak,
        opened: destination.opened,
        closed: destination.closed,
        ...(destination.limit ? { limit: destination.limit.max } : {}),
      })),
    );
    return tracer;
  } catch (error) {
    onInternalError(error);
    return undefined;
  }
}
