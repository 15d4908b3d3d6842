/**
 * The JSON trace that `CONNLEAK_REPORT=FILE` writes and `connleak report FILE` reads: schema
 * `connleak-trace`, version 1. Documented in docs/runtime.md. Additive changes (a new optional
 * field) keep the version; anything a version-1 reader would misread bumps it.
 *
 * Times: `t` is milliseconds since `process.startedAt` (the moment the tracer started), so a
 * timeline needs no clock arithmetic. Paths in `site` and `stack` are relative to `process.cwd`
 * when they are under it.
 */
import type { DestinationLimit } from './config';

export const traceSchema = 'connleak-trace';
export const traceVersion = 1;

export interface Trace {
  readonly schema: typeof traceSchema;
  readonly version: typeof traceVersion;
  readonly process: TraceProcess;
  readonly config: TraceConfig;
  readonly destinations: readonly TraceDestination[];
  readonly sites: readonly TraceSite[];
  readonly warnings: readonly TraceWarning[];
  readonly resets: readonly TraceReset[];
  /** Sockets still open when the trace was written (at most `openAtExitLimit` of them). */
  readonly openAtExit: readonly TraceOpenSocket[];
  /** How many sockets were open in all, when `openAtExit` had to be cut short. */
  readonly openAtExitTotal: number;
  /** How many warnings and resets happened in all (the lists keep the first 1000 of each). */
  readonly warningsTotal?: number;
  readonly resetsTotal?: number;
}

export interface TraceProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly cwd: string;
  /** `process.version`, such as "v20.20.2". */
  readonly node: string;
  readonly platform: string;
  /** ISO 8601 wall-clock time at which the tracer started; `t` values count from here. */
  readonly startedAt: string;
  /** ISO 8601 wall-clock time at which the trace was written. */
  readonly endedAt: string;
  readonly durationMs: number;
  /** Why the trace was written: normal exit, a terminating signal, or an uncaught exception. */
  readonly endReason: 'exit' | 'signal' | 'uncaught-exception';
  /** The process exit code known when the trace was written (null when dying by a signal). */
  readonly exitCode: number | null;
  readonly signal?: string;
  /** How many worker threads reported sockets into this trace (0 without worker_threads). */
  readonly workerThreads: number;
}

/** A limit as the trace records it: exactly the runtime configuration's (a change there is a schema change). */
export type TraceLimit = DestinationLimit;

export interface TraceConfig {
  readonly limits: readonly TraceLimit[];
  /** Share of a limit at which the first warning fires. */
  readonly warnAt: number;
  readonly fail: 'off' | 'limit' | 'leak' | 'any';
  /** `process`: this process's sockets; `host`: every process of the host (Linux /proc/net/tcp). */
  readonly scope: 'process' | 'host';
  /** Samples are at least this many milliseconds apart (it doubles when a long run is thinned). */
  readonly sampleIntervalMs: number;
}

export interface TraceSample {
  readonly t: number;
  /** Live sockets at the end of the sample's interval. */
  readonly live: number;
  /** Highest live count during the interval (>= live). */
  readonly max: number;
}

export interface TraceDestination {
  /** `host:port` (`[::1]:2181` for IPv6): the remote address once connected, the host as given before. */
  readonly destination: string;
  readonly host: string;
  readonly port: number;
  /** The configured limit, when one applies. */
  readonly limit?: number;
  readonly setting?: string;
  readonly samples: readonly TraceSample[];
  readonly peak: number;
  readonly opened: number;
  readonly closed: number;
  /** Live sockets when the trace was written. */
  readonly live: number;
}

export interface TraceSite {
  /** `file:line:column` of the first frame in user code (or of the client factory call). */
  readonly site: string;
  /** Sockets opened from this site in all. */
  readonly count: number;
  /** Sockets from this site live when the trace was written. */
  readonly live: number;
  /** The catalog id of the client whose factory call this is (`node-zookeeper-client`), if any. */
  readonly client?: string;
  /** Destinations this site connected to. */
  readonly destinations: readonly string[];
  /** A short stack of user frames (`fn (file:line:column)`), from one of its sockets. */
  readonly stack: readonly string[];
}

export interface TraceSiteCount {
  readonly site: string;
  readonly live: number;
}

export interface TraceWarning {
  readonly t: number;
  readonly destination: string;
  /** `threshold`: reached `warnAt` of the limit; `limit`: reached the limit itself. */
  readonly level: 'threshold' | 'limit';
  readonly live: number;
  readonly limit: number;
  readonly setting?: string;
  /** Top creation sites by live sockets to this destination. */
  readonly sites: readonly TraceSiteCount[];
  /** Growth over the last seconds, sockets per second (absent when not growing). */
  readonly ratePerSecond?: number;
  /** Estimated seconds until the limit at that rate (absent at the limit or when not growing). */
  readonly secondsToLimit?: number;
  /** With `scope: 'host'`: other processes holding connections to this destination. */
  readonly otherProcesses?: readonly TraceOtherProcess[];
  /** The line printed on stderr. */
  readonly message: string;
}

export interface TraceOtherProcess {
  readonly pid: number;
  readonly command: string;
  readonly live: number;
}

export interface TraceReset {
  readonly t: number;
  readonly destination: string;
  /** `ECONNRESET`, `EPIPE`, or `EOF` (closed by the peer before any data arrived). */
  readonly code: string;
  /** Live sockets to the destination at the reset (this one included). */
  readonly live: number;
  readonly limit?: number;
  readonly site?: string;
  /** Milliseconds from connect to close. */
  readonly afterMs: number;
  /** The diagnosis line, when the reset was near or at the limit (printed once per pattern). */
  readonly diagnosis?: string;
}

export interface TraceOpenSocket {
  readonly destination: string;
  readonly site?: string;
  /** When it was opened (ms since `process.startedAt`). */
  readonly t: number;
  /** 0 for the main thread, else the worker's `threadId`. */
  readonly threadId: number;
  readonly localPort?: number;
}

/** A trace file that is not a connleak trace, or one of a version this build does not read. */
export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
}

type Json = Record<string, unknown>;

function fail(where: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
  throw new TraceFormatError(`not a valid connleak trace: ${where} should be ${expected}, got ${got}`);
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object', value);
  return value as Json;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(where, 'an array', value);
  return value;
}

function num(record: Json, key: string, where: string, optional = false): void {
  const value = record[key];
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where}.${key}`, 'a number', value);
}

function str(record: Json, key: string, where: string, optional = false): void {
  const value = record[key];
  if (optional && value === undefined) return;
  if (typeof value !== 'string') fail(`${where}.${key}`, 'a string', value);
}

function oneOf(record: Json, key: string, where: string, allowed: readonly string[]): void {
  const value = record[key];
  if (typeof value !== 'string' || !allowed.includes(value)) fail(`${where}.${key}`, `one of ${allowed.join(', ')}`, value);
}

function strings(value: unknown, where: string): void {
  array(value, where).forEach((item, i) => {
    if (typeof item !== 'string') fail(`${where}[${i}]`, 'a string', item);
  });
}

function each(value: unknown, where: string, check: (item: Json, at: string) => void): void {
  array(value, where).forEach((item, i) => check(object(item, `${where}[${i}]`), `${where}[${i}]`));
}

/**
 * Checks that `json` (a parsed trace file) is a version-1 connleak trace and returns it typed.
 * Throws a one-line TraceFormatError naming the first field that is wrong.
 */
export function validateTrace(json: unknown): Trace {
  const root = object(json, 'the file');
  if (root.schema !== traceSchema) fail('schema', `"${traceSchema}"`, root.schema);
  if (typeof root.version !== 'number') fail('version', 'a number', root.version);
  if (root.version !== traceVersion) {
    throw new TraceFormatError(`unsupported connleak trace version ${root.version} (this connleak reads version ${traceVersion})`);
  }
  const proc = object(root.process, 'process');
  num(proc, 'pid', 'process');
  strings(proc.argv, 'process.argv');
  for (const key of ['cwd', 'node', 'platform', 'startedAt', 'endedAt']) str(proc, key, 'process');
  num(proc, 'durationMs', 'process');
  oneOf(proc, 'endReason', 'process', ['exit', 'signal', 'uncaught-exception']);
  if (proc.exitCode !== null) num(proc, 'exitCode', 'process');
  str(proc, 'signal', 'process', true);
  num(proc, 'workerThreads', 'process');

  const config = object(root.config, 'config');
  each(config.limits, 'config.limits', (limit, at) => {
    str(limit, 'host', at);
    num(limit, 'port', at);
    num(limit, 'max', at);
    for (const key of ['setting', 'serverName', 'scope']) str(limit, key, at, true);
  });
  num(config, 'warnAt', 'config');
  oneOf(config, 'fail', 'config', ['off', 'limit', 'leak', 'any']);
  oneOf(config, 'scope', 'config', ['process', 'host']);
  num(config, 'sampleIntervalMs', 'config');

  each(root.destinations, 'destinations', (destination, at) => {
    str(destination, 'destination', at);
    str(destination, 'host', at);
    num(destination, 'port', at);
    num(destination, 'limit', at, true);
    str(destination, 'setting', at, true);
    for (const key of ['peak', 'opened', 'closed', 'live']) num(destination, key, at);
    each(destination.samples, `${at}.samples`, (sample, sampleAt) => {
      num(sample, 't', sampleAt);
      num(sample, 'live', sampleAt);
      num(sample, 'max', sampleAt);
    });
  });
  each(root.sites, 'sites', (site, at) => {
    str(site, 'site', at);
    num(site, 'count', at);
    num(site, 'live', at);
    str(site, 'client', at, true);
    strings(site.destinations, `${at}.destinations`);
    strings(site.stack, `${at}.stack`);
  });
  each(root.warnings, 'warnings', (warning, at) => {
    num(warning, 't', at);
    str(warning, 'destination', at);
    oneOf(warning, 'level', at, ['threshold', 'limit']);
    num(warning, 'live', at);
    num(warning, 'limit', at);
    str(warning, 'setting', at, true);
    each(warning.sites, `${at}.sites`, (site, siteAt) => {
      str(site, 'site', siteAt);
      num(site, 'live', siteAt);
    });
    num(warning, 'ratePerSecond', at, true);
    num(warning, 'secondsToLimit', at, true);
    if (warning.otherProcesses !== undefined) {
      each(warning.otherProcesses, `${at}.otherProcesses`, (other, otherAt) => {
        num(other, 'pid', otherAt);
        str(other, 'command', otherAt);
        num(other, 'live', otherAt);
      });
    }
    str(warning, 'message', at);
  });
  each(root.resets, 'resets', (reset, at) => {
    num(reset, 't', at);
    str(reset, 'destination', at);
    str(reset, 'code', at);
    num(reset, 'live', at);
    num(reset, 'limit', at, true);
    str(reset, 'site', at, true);
    num(reset, 'afterMs', at);
    str(reset, 'diagnosis', at, true);
  });
  each(root.openAtExit, 'openAtExit', (open, at) => {
    str(open, 'destination', at);
    str(open, 'site', at, true);
    num(open, 't', at);
    num(open, 'threadId', at);
    num(open, 'localPort', at, true);
  });
  num(root, 'openAtExitTotal', 'the file');
  num(root, 'warningsTotal', 'the file', true);
  num(root, 'resetsTotal', 'the file', true);
  return json as Trace;
}
