import { EventEmitter } from 'node:events';
import type { TraceReset, TraceWarning } from './trace';

/**
 * The tracer's public face in the programmatic API: `connleak.on('warning', fn)`.
 *
 * The state lives on a global symbol, so the app's `require('connleak')` and the preload agree even
 * when they are two copies of the package (`connleak run` preloads its own copy by path).
 */

export interface DestinationSnapshot {
  readonly destination: string;
  readonly live: number;
  readonly peak: number;
  readonly opened: number;
  readonly closed: number;
  readonly limit?: number;
}

interface Shared {
  readonly events: EventEmitter;
  snapshot?: () => DestinationSnapshot[];
}

const sharedKey = Symbol.for('connleak.runtime');

function shared(): Shared {
  const holder = globalThis as { [sharedKey]?: Shared };
  return (holder[sharedKey] ??= { events: new EventEmitter() });
}

export interface ConnleakRuntime {
  /** A destination reached its warning threshold or its limit (the same warning as on stderr). */
  on(event: 'warning', listener: (warning: TraceWarning) => void): ConnleakRuntime;
  /** A socket to a limited destination was reset or closed by the peer right after connect. */
  on(event: 'reset', listener: (reset: TraceReset) => void): ConnleakRuntime;
  off(event: 'warning' | 'reset', listener: (payload: never) => void): ConnleakRuntime;
  /** True when the preload (`connleak/register`) is tracing this thread's process. */
  readonly active: boolean;
  /** Live counts per destination right now; empty when the preload is not active. */
  snapshot(): DestinationSnapshot[];
}

export const connleak: ConnleakRuntime = {
  on(event: 'warning' | 'reset', listener: (payload: never) => void) {
    shared().events.on(event, listener as (...args: unknown[]) => void);
    return connleak;
  },
  off(event, listener) {
    shared().events.off(event, listener as (...args: unknown[]) => void);
    return connleak;
  },
  get active() {
    return shared().snapshot !== undefined;
  },
  snapshot() {
    return shared().snapshot?.() ?? [];
  },
};

/** Called by the runtime: delivers an event to the app's listeners, which must not break tracing. */
export function emitRuntimeEvent(event: 'warning' | 'reset', payload: TraceWarning | TraceReset, print: (line: string) => void): void {
  const { events } = shared();
  for (const listener of events.listeners(event)) {
    try {
      (listener as (value: unknown) => void)(payload);
    } catch (error) {
      print(`connleak: a '${event}' listener threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

export function publishSnapshot(snapshot: () => DestinationSnapshot[]): void {
  shared().snapshot = snapshot;
}
