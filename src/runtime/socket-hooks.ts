import net from 'node:net';
import { captureStack, resolveSite, type Site } from './sites';
import { Destination, type SocketRecord, type Tracer } from './tracer';

/**
 * The hooks on TCP client sockets, all on `net.Socket.prototype`:
 * - `connect`, which every client connect goes through (`net.connect` and `net.createConnection`
 *   call it, `tls.connect` calls it on its TLSSocket, `pg` calls it on `new net.Socket()`);
 * - `_destroy`, which every close goes through (end of stream, `destroy()`, errors);
 * - `_final`, which runs when the app ends its side (to tell the app's close from the server's).
 * The `net.client.socket` diagnostics channel is not used: it fires only for `net.connect`, before
 * the destination is known, so it would add a second path to dedupe without covering anything
 * the prototype hook misses.
 *
 * Nothing is added per read or write. Per socket: one property holding its destination (or, for
 * a destination with a limit or under a report, a record in a Set), and, only for host names, a
 * `'connect'` listener (to count the socket under the address it reached). No `'error'` listener,
 * ever: `_destroy` receives the error, so an app without its own `'error'` listener still crashes
 * exactly as it would without the tracer.
 */

/**
 * What a socket carries from connect to close: its record, or, to a destination that keeps no
 * details (the common case: no limit, no report), just the destination, so counting a socket
 * allocates nothing.
 */
export type Tracked = SocketRecord | Destination;

export interface SocketSink {
  /** A client socket started connecting; returns what to keep on it. */
  connect(socket: net.Socket, host: string, port: number, hook: Function): Tracked | undefined;
  /** The socket connected to `address` (only when its host was a name); returns what to keep now. */
  connected(tracked: Tracked, socket: net.Socket, address: string, port: number): Tracked;
  closed(tracked: Tracked, socket: net.Socket, error: Error | null | undefined): void;
}

function destinationOf(tracked: Tracked): Destination | undefined {
  return tracked instanceof Destination ? tracked : tracked.destination;
}

const kRecord = Symbol('connleak.record');

interface TrackedSocket extends net.Socket {
  [kRecord]?: Tracked | undefined;
}

let sink: SocketSink | undefined;
let onInternalError: (error: unknown) => void = () => {};
let carriedSite: Site | undefined;

const originalConnect = net.Socket.prototype.connect;
// `_destroy` is the stream implementation hook, not in @types/node's Socket.
type DestroyFn = (this: net.Socket, error: Error | null, callback: (error?: Error | null) => void) => void;
type FinalFn = (this: net.Socket, callback: (error?: Error | null) => void) => void;
const socketPrototype = net.Socket.prototype as unknown as { _destroy: DestroyFn; _final: FinalFn; connect: typeof originalConnect };
const originalDestroy = socketPrototype._destroy;
const originalFinal = socketPrototype._final;
let installed = false;

/** Runs `fn` with `site` as the creation site of every socket it connects synchronously. */
export function withCarriedSite<T>(site: Site, fn: () => T): T {
  const previous = carriedSite;
  carriedSite = site;
  try {
    return fn();
  } finally {
    carriedSite = previous;
  }
}

export function currentCarriedSite(): Site | undefined {
  return carriedSite;
}

function trackedConnect(this: TrackedSocket): net.Socket {
  // `arguments` rather than a rest parameter: V8 forwards it to apply() without building an array.
  const result = (originalConnect as (...a: unknown[]) => net.Socket).apply(this, arguments as unknown as unknown[]);
  if (sink !== undefined) {
    try {
      track(this, arguments as unknown as ArrayLike<unknown>);
    } catch (error) {
      onInternalError(error);
    }
  }
  return result;
}

interface ConnectOptions {
  host?: unknown;
  port?: unknown;
  path?: unknown;
}

function track(socket: TrackedSocket, args: ArrayLike<unknown>): void {
  // A connect that failed synchronously already went through _destroy; a live record means a
  // second connect() call on the same socket, which Node rejects or ignores.
  if (socket.destroyed || socket[kRecord] !== undefined) return;
  let first = args[0];
  // net.connect() hands connect() its already normalized [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  let host: unknown;
  let port: unknown;
  if (first !== null && typeof first === 'object') {
    const options = first as ConnectOptions;
    if (options.path !== undefined && options.path !== null) return;
    host = options.host;
    port = options.port;
  } else {
    port = first;
    host = args[1];
  }
  const tracked = sink!.connect(socket, typeof host === 'string' && host !== '' ? host : 'localhost', Number(port), trackedConnect);
  if (tracked === undefined) return;
  socket[kRecord] = tracked;
  if (destinationOf(tracked)?.named) socket.on('connect', onConnected);
}

function onConnected(this: TrackedSocket): void {
  try {
    this.removeListener('connect', onConnected);
    const tracked = this[kRecord];
    const address = this.remoteAddress;
    const port = this.remotePort;
    if (tracked !== undefined && sink !== undefined && address !== undefined && port !== undefined) this[kRecord] = sink.connected(tracked, this, address, port);
  } catch (error) {
    onInternalError(error);
  }
}

function trackedDestroy(this: TrackedSocket, error: Error | null, callback: (error?: Error | null) => void): void {
  const tracked = this[kRecord];
  if (tracked !== undefined) {
    this[kRecord] = undefined;
    if (sink !== undefined) {
      try {
        sink.closed(tracked, this, error);
      } catch (internal) {
        onInternalError(internal);
      }
    }
  }
  return originalDestroy.call(this, error, callback);
}

function readableEnded(socket: net.Socket): boolean {
  // `_readableState.ended` is set when the peer's FIN arrived, whether or not the app read 'end'.
  return (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * How a socket ended, for the reset diagnosis: a refusal looks like a reset (`ECONNRESET`, `EPIPE`)
 * or the server's FIN (`EOF`) before any data arrived and before the app ended its own side.
 * Anything else (data came first, the app was closing anyway) is no refusal: undefined.
 */
export function resetCodeOf(socket: net.Socket, error: Error | null | undefined, appEndedFirst: boolean): string | undefined {
  if (socket.bytesRead !== 0 || appEndedFirst) return undefined;
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'EPIPE') return code;
  if (error) return undefined;
  return readableEnded(socket) ? 'EOF' : undefined;
}

/** `_final` runs once the app has ended its writable side (and everything it wrote is flushed). */
function trackedFinal(this: TrackedSocket, callback: (error?: Error | null) => void): void {
  const tracked = this[kRecord];
  // Only records keep it: a destination without a limit has no reset diagnosis to protect.
  if (tracked !== undefined && !(tracked instanceof Destination) && !readableEnded(this)) tracked.appEndedFirst = true;
  return originalFinal.call(this, callback);
}

export function installSocketHooks(target: SocketSink, onError: (error: unknown) => void): void {
  sink = target;
  onInternalError = onError;
  if (installed) return;
  installed = true;
  socketPrototype.connect = trackedConnect as typeof originalConnect;
  socketPrototype._destroy = trackedDestroy;
  socketPrototype._final = trackedFinal;
}

/**
 * Stops tracking. The prototype hooks stay in place as pass-throughs: restoring the originals
 * would also undo any hook another tool installed on top of ours.
 */
export function disableSocketHooks(): void {
  sink = undefined;
}

function newRecord(socket: net.Socket, site: Site | undefined, threadId: number): SocketRecord {
  return { destination: undefined, capture: undefined, site, openedAt: 0, threadId, socket, counted: false, appEndedFirst: false };
}

/** The sink for this thread's sockets counted in this thread's tracer. */
export function localSink(tracer: Tracer, threadId = 0): SocketSink {
  return {
    connect(socket, host, port, hook) {
      const destination = tracer.destination(host, port);
      if (!destination.detailed) {
        tracer.count(destination);
        return destination;
      }
      const record = newRecord(socket, carriedSite, threadId);
      if (record.site === undefined && destination.wantsSite()) {
        // Outside report/CI mode captures are rare (see wantsSite) and resolved at once, so a
        // live socket holds a shared Site, not V8's frames; in report/CI mode every socket is
        // captured and resolution waits until a report needs it.
        const capture = captureStack(hook);
        if (destination.captureAll) record.capture = capture;
        else record.site = resolveSite(capture);
      }
      record.openedAt = tracer.now();
      tracer.open(record, destination);
      return record;
    },
    connected(tracked, socket, address, port) {
      if (!(tracked instanceof Destination)) {
        tracer.move(tracked, address, port);
        return tracked;
      }
      const to = tracer.destination(address, port);
      if (to === tracked) return tracked;
      tracer.uncount(tracked, false);
      if (!to.detailed) {
        tracer.count(to);
        return to;
      }
      // Its address has a limit its name had not: from now on it needs a record (no site: its
      // stack is gone).
      const record = newRecord(socket, undefined, threadId);
      record.openedAt = tracer.now();
      tracer.open(record, to);
      return record;
    },
    closed(tracked, socket, error) {
      if (tracked instanceof Destination) {
        tracer.uncount(tracked);
        return;
      }
      const destination = tracked.destination;
      // A reset matters only near a limit: skip reading the socket's state everywhere else.
      const nearLimit = destination?.limit !== undefined && (destination.live >= destination.threshold || tracer.hostCounter !== undefined);
      tracer.close(tracked, nearLimit ? { resetCode: resetCodeOf(socket, error, tracked.appEndedFirst) } : undefined);
    },
  };
}
