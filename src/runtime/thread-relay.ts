import { BroadcastChannel, threadId, Worker } from 'node:worker_threads';
import type { RuntimeConfig } from './config';
import { captureStack, internSite, resolveSite, type Site } from './sites';
import { currentCarriedSite, resetCodeOf, type SocketSink } from './socket-hooks';
import { Tracer, type SocketRecord } from './tracer';

/**
 * worker_threads: the sockets of every thread count together, against one limit, in the main
 * thread's tracer. Workers run the preload too (they inherit `-r`/`--import` through execArgv and
 * NODE_OPTIONS); there it does not count, it relays each connect, move and close to the main thread
 * over a BroadcastChannel (no setup between the threads needed). Events of one synchronous burst
 * go as one message, posted from a microtask. Only the main thread warns and reports.
 */

const channelName = 'connleak.relay';

type RelayEvent =
  | { readonly kind: 'open'; readonly id: number; readonly host: string; readonly port: number; readonly site?: { id: string; stack: readonly string[]; client?: string } }
  | { readonly kind: 'move'; readonly id: number; readonly host: string; readonly port: number }
  | { readonly kind: 'close'; readonly id: number; readonly resetCode?: string }
  | { readonly kind: 'exit' };

interface RelayMessage {
  readonly threadId: number;
  readonly events: readonly RelayEvent[];
}

/** The sink a worker thread's hooks feed: relays to the main thread. */
export function workerSink(config: RuntimeConfig, onInternalError: (error: unknown) => void): SocketSink {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  // A registry of destinations only (limits, names); the counting happens in the main thread.
  const registry = new Tracer(config, { print: () => {}, emit: () => {}, sampling: false, captureAll: config.fail !== 'off' || config.reportFile !== undefined });
  let pending: RelayEvent[] = [];
  let nextId = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const message: RelayMessage = { threadId, events: pending };
    pending = [];
    try {
      channel.postMessage(message);
    } catch (error) {
      onInternalError(error);
    }
  };
  const send = (event: RelayEvent): void => {
    if (pending.length === 0) queueMicrotask(flush);
    pending.push(event);
  };
  process.on('exit', () => {
    send({ kind: 'exit' });
    flush();
  });
  return {
    connect(socket, host, port, hook) {
      const destination = registry.destination(host, port);
      let site: Site | undefined = currentCarriedSite();
      if (site === undefined && destination.wantsSite()) site = resolveSite(captureStack(hook));
      const id = ++nextId;
      send({ kind: 'open', id, host, port, ...(site ? { site: { id: site.id, stack: site.stack, ...(site.client ? { client: site.client } : {}) } } : {}) });
      return { destination, capture: undefined, site, openedAt: 0, threadId, socket, remoteId: id, counted: false, appEndedFirst: false };
    },
    // A worker's sockets always carry records (the relay needs their ids), never a bare destination.
    connected(tracked, _socket, address, port) {
      const record = tracked as SocketRecord;
      record.destination = registry.destination(address, port);
      send({ kind: 'move', id: record.remoteId!, host: address, port });
      return record;
    },
    closed(tracked, socket, error) {
      const record = tracked as SocketRecord;
      const resetCode = record.destination?.limit !== undefined ? resetCodeOf(socket, error, record.appEndedFirst) : undefined;
      send({ kind: 'close', id: record.remoteId!, ...(resetCode ? { resetCode } : {}) });
    },
  };
}

type WorkerEmit = (this: Worker, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Calls `onExit(threadId)` when any Worker of this thread ends. `worker.terminate()` stops the
 * worker's JavaScript at once, so it cannot say goodbye itself; its Worker object still emits
 * 'exit' here. One check per event on Worker objects; the threadId is read at 'online', while the
 * worker still has it.
 */
function watchWorkerExits(onExit: (thread: number) => void, onInternalError: (error: unknown) => void): void {
  const prototype = Worker.prototype as unknown as { emit: WorkerEmit };
  const emit = prototype.emit;
  const threadIds = new WeakMap<Worker, number>();
  prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]): boolean {
    try {
      if (event === 'online') threadIds.set(this, this.threadId);
      else if (event === 'exit') {
        const thread = threadIds.get(this);
        if (thread !== undefined) onExit(thread);
      }
    } catch (error) {
      onInternalError(error);
    }
    return emit.call(this, event, ...args);
  };
}

/** The main thread's end: counts the workers' sockets in its tracer. */
export function receiveFromWorkers(tracer: Tracer, onInternalError: (error: unknown) => void): void {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  const records = new Map<string, SocketRecord>();
  /** Workers gone: a message of theirs still in flight must not bring sockets back to life. */
  const ended = new Set<number>();
  const endThread = (thread: number): void => {
    ended.add(thread);
    for (const [key, record] of records) {
      if (record.threadId !== thread) continue;
      records.delete(key);
      tracer.close(record, undefined);
    }
  };
  watchWorkerExits(endThread, onInternalError);
  channel.onmessage = (event: unknown) => {
    try {
      const message = (event as { data: RelayMessage }).data;
      if (ended.has(message.threadId)) return;
      for (const relayed of message.events) apply(message.threadId, relayed);
    } catch (error) {
      onInternalError(error);
    }
  };
  function apply(thread: number, event: RelayEvent): void {
    if (event.kind === 'exit') {
      endThread(thread);
      return;
    }
    const key = `${thread}:${event.id}`;
    if (event.kind === 'open') {
      const destination = tracer.destination(event.host, event.port);
      const record: SocketRecord = {
        destination: undefined,
        capture: undefined,
        site: event.site ? internSite(event.site.id, event.site.stack, event.site.client) : undefined,
        openedAt: destination.detailed ? tracer.now() : 0,
        threadId: thread,
        socket: undefined,
        remoteId: event.id,
        counted: false,
        appEndedFirst: false,
      };
      records.set(key, record);
      tracer.open(record, destination);
      return;
    }
    const record = records.get(key);
    if (record === undefined) return;
    if (event.kind === 'move') {
      tracer.move(record, event.host, event.port);
    } else {
      records.delete(key);
      tracer.close(record, { resetCode: event.resetCode });
    }
  }
}
