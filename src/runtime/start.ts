import { isMainThread } from 'node:worker_threads';
import { emitRuntimeEvent, publishSnapshot } from './api';
import { installCatalogHooks, disableCatalogHooks } from './catalog-hooks';
import type { RuntimeConfig } from './config';
import { installExitHandlers } from './exit';
import { disableSocketHooks, installSocketHooks, localSink } from './socket-hooks';
import { receiveFromWorkers, workerSink } from './thread-relay';
import { reportPath } from './trace-file';
import { Tracer } from './tracer';

/** Starts tracing this thread with a validated configuration (the preload's body). */
export function startRuntime(config: RuntimeConfig): Tracer | undefined {
  const print = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  let disabled = false;
  const onInternalError = (error: unknown): void => {
    if (disabled) return;
    disabled = true;
    disableSocketHooks();
    disableCatalogHooks();
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    print(`connleak: internal error, tracer disabled: ${message}`);
    if (process.env.CONNLEAK_DEBUG === '1' && error instanceof Error && error.stack) print(error.stack);
  };
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
