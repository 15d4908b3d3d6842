import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { builtinClients } from '../catalog';
import { limitFor, warnThreshold, type DestinationLimit, type RuntimeConfig } from './config';
import { notSampledSite, resolveSite, type Capture, type Site } from './sites';
import type { TraceOtherProcess, TraceReset, TraceSample, TraceWarning } from './trace';
import { formatReset, formatRetryLoop, formatWarning, growthOf } from './messages';

/**
 * The counting core: live sockets per destination, warnings when a limited destination nears its
 * limit, resets right after connect. Socket-agnostic: the socket hooks (this thread) and the
 * worker relay (other threads) feed it records.
 */

/** One tracked TCP client socket, from connect to close. */
export interface SocketRecord {
  destination: Destination | undefined;
  /** Unformatted stack from the connect call, resolved on demand. */
  capture: Capture | undefined;
  /** The resolved or carried creation site. */
  site: Site | undefined;
  /** Milliseconds since the tracer started; 0 when the destination keeps no times. */
  openedAt: number;
  /** 0 for this thread's sockets in the main thread, else the worker's threadId. */
  readonly threadId: number;
  readonly socket: Socket | undefined;
  /** A worker's own id for the record, to match its close message. */
  readonly remoteId?: number;
  localPort?: number;
  /** Already counted in `siteTotals`. */
  counted: boolean;
  /** The app ended its side before the peer's FIN came: a later FIN or RST is no refusal. */
  appEndedFirst: boolean;
}

/** How a socket ended, as far as the reset diagnosis cares. */
export interface CloseInfo {
  /** `ECONNRESET`, `EPIPE`, or `EOF` (the peer closed before any data arrived); undefined otherwise. */
  readonly resetCode: string | undefined;
}

/** Host-wide counts for `CONNLEAK_SCOPE=host`. */
export interface HostCounter {
  /**
   * Live connections of the whole host to the destination (this process's included): read from
   * the kernel when `mayRead` and the last read is old enough, estimated from this process's
   * changes in between.
   */
  live(destination: Destination, processLive: number, now: number, mayRead: boolean): number;
  /** Other processes holding connections to the destination (read on demand, for a warning). */
  others(destination: Destination): TraceOtherProcess[];
}

const historySize = 40;
const historySpacingMs = 250;
const resetWindowMs = 5000;
const maxListed = 1000;
const maxSamples = 4000;
/** Destinations known before the idle ones without a limit are forgotten (a crawler meets many). */
const maxDestinations = 1000;
/** Sockets ever to a limited destination that always get a site, whatever the count. */
const firstCaptured = 16;
/** Repeated resets that make a retry loop. */
const retryLoopResets = 3;

export class Destination {
  readonly limit: DestinationLimit | undefined;
  /** Live count at which the first warning fires; Infinity without a limit. */
  readonly threshold: number;
  /**
   * Whether it keeps open times, samples and sites: destinations with a limit, and every
   * destination when a report or a CI verdict wants them.
   */
  readonly detailed: boolean;
  /** Every socket gets its creation site captured (report or CI mode). */
  readonly captureAll: boolean;
  /** Live count from which every socket to a limited destination gets its site captured. */
  readonly captureFloor: number;
  /** Given as a name: counted under the address it connects to once connected. */
  readonly named: boolean;
  readonly records = new Set<SocketRecord>();
  live = 0;
  /** Live sockets of worker threads (relayed), included in `live`. */
  workerLive = 0;
  peak = 0;
  opened = 0;
  closed = 0;
  /** 0: no warning in this episode; 1: threshold warned; 2: limit warned. */
  warned = 0;
  resetsInEpisode = 0;
  firstResetAt = 0;
  diagnosed = false;
  retryLoopSaid = false;
  /** Recent (time, live) points for the growth rate; limited destinations only. */
  readonly historyT: Float64Array;
  readonly historyLive: Int32Array;
  historyCount = 0;
  samples: TraceSample[] = [];
  lastSampleT = -Infinity;

  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    config: RuntimeConfig,
    captureAll: boolean,
  ) {
    this.limit = limitFor(config.limits, host, port);
    this.threshold = this.limit ? warnThreshold(this.limit.max, config.warnAt) : Infinity;
    this.detailed = captureAll || this.limit !== undefined;
    this.captureAll = captureAll;
    this.captureFloor = Math.max(2, Math.ceil(this.threshold / 4));
    this.named = isIP(host) === 0;
    this.historyT = new Float64Array(this.limit ? historySize : 0);
    this.historyLive = new Int32Array(this.limit ? historySize : 0);
  }

  /**
   * Whether the socket about to open gets its stack captured. A capture, with the site resolved,
   * costs 10-15 µs on a connect path here (V8's stack walk has a fixed cost even for one frame),
   * a third of a whole loopback connect and close. So outside report/CI mode a limited destination
   * captures only where a warning can need the site: every socket once the live count reaches the
   * capture floor (a quarter of the warning threshold), and the first few sockets ever. A leak
   * keeps raising the count, so its sockets are captured; a healthy churn at a low count is not.
   */
  wantsSite(): boolean {
    if (this.captureAll) return true;
    if (this.limit === undefined) return false;
    const opened = this.opened + 1;
    return this.live + 1 >= this.captureFloor || opened <= Math.min(this.captureFloor, firstCaptured);
  }
}

export function destinationKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface TracerOptions {
  /** Where warning and diagnosis lines go (stderr). */
  readonly print: (line: string) => void;
  /** Public events (`connleak.on('warning', …)`). */
  readonly emit: (event: 'warning' | 'reset', payload: TraceWarning | TraceReset) => void;
  /** Keep a timeline of counts (for the JSON trace). */
  readonly sampling: boolean;
  /** Capture creation sites for every destination, not only limited ones. */
  readonly captureAll: boolean;
}

export class Tracer {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  readonly destinations = new Map<string, Destination>();
  readonly warnings: TraceWarning[] = [];
  readonly resets: TraceReset[] = [];
  warningsTotal = 0;
  resetsTotal = 0;
  /** Sockets ever resolved to a site, per site (for the trace). */
  readonly siteTotals = new Map<Site, { count: number; destinations: Set<string> }>();
  readonly threads = new Set<number>();
  sampleIntervalMs = 10;
  hostCounter: HostCounter | undefined;

  constructor(
    readonly config: RuntimeConfig,
    private readonly options: TracerOptions,
  ) {}

  now(): number {
    return performance.now() - this.t0;
  }

  /** Destinations by host, then port: a connect builds no key string to find its destination. */
  private readonly byHost = new Map<string, Map<number, Destination>>();
  private pruneAt = maxDestinations;

  destination(host: string, port: number): Destination {
    let byPort = this.byHost.get(host);
    if (byPort === undefined) {
      byPort = new Map();
      this.byHost.set(host, byPort);
    }
    let destination = byPort.get(port);
    if (destination === undefined) {
      if (this.destinations.size >= this.pruneAt) this.prune();
      const key = destinationKey(host, port);
      destination = new Destination(key, host, port, this.config, this.options.captureAll);
      byPort.set(port, destination);
      this.destinations.set(key, destination);
    }
    return destination;
  }

  /** Forgets destinations without a limit and without live sockets; the rest stay. */
  private prune(): void {
    for (const [key, destination] of this.destinations) {
      if (destination.limit !== undefined || destination.live > 0) continue;
      this.destinations.delete(key);
      const byPort = this.byHost.get(destination.host);
      byPort?.delete(destination.port);
      if (byPort?.size === 0) this.byHost.delete(destination.host);
    }
    this.pruneAt = Math.max(maxDestinations, this.destinations.size * 2);
  }

  /**
   * A socket to a destination that keeps no details (no limit, no report or CI verdict): counted,
   * with no record at all; the socket carries its destination instead.
   */
  count(destination: Destination): void {
    destination.opened++;
    if (++destination.live > destination.peak) destination.peak = destination.live;
  }

  uncount(destination: Destination, closed = true): void {
    if (destination.live === 0) return;
    destination.live--;
    if (closed) destination.closed++;
    else destination.opened--;
  }

  open(record: SocketRecord, destination: Destination): void {
    record.destination = destination;
    destination.records.add(record);
    destination.opened++;
    if (record.threadId !== 0) destination.workerLive++;
    const live = ++destination.live;
    if (live > destination.peak) destination.peak = live;
    if (record.threadId !== 0) this.threads.add(record.threadId);
    if (destination.detailed) this.changed(destination, live);
  }

  close(record: SocketRecord, info: CloseInfo | undefined): void {
    const destination = record.destination;
    if (destination === undefined || !destination.records.delete(record)) return;
    const liveBefore = destination.live;
    destination.closed++;
    if (record.threadId !== 0) destination.workerLive--;
    const live = --destination.live;
    if (!destination.detailed) return;
    if (this.options.sampling) this.resolve(record);
    if (info?.resetCode !== undefined && destination.limit !== undefined) this.reset(record, destination, info.resetCode, liveBefore);
    if (this.effectiveLive(destination, live, false) < destination.threshold) {
      destination.warned = 0;
      destination.resetsInEpisode = 0;
      destination.diagnosed = false;
      destination.retryLoopSaid = false;
    }
    this.sample(destination, live);
  }

  /** A socket given a host name is counted under the address it connected to. */
  move(record: SocketRecord, host: string, port: number): void {
    const from = record.destination;
    if (from === undefined || !from.records.has(record)) return;
    const to = this.destination(host, port);
    if (to === from) return;
    from.records.delete(record);
    from.opened--;
    from.live--;
    if (record.threadId !== 0) from.workerLive--;
    if (from.detailed) this.sample(from, from.live);
    if (to.detailed && record.openedAt === 0) record.openedAt = this.now();
    this.open(record, to);
  }

  /** The creation site of a record, resolving its capture on first need. */
  resolve(record: SocketRecord): Site {
    let site = record.site;
    if (site === undefined) {
      site = record.capture ? resolveSite(record.capture) : notSampledSite;
      record.site = site;
      record.capture = undefined;
    }
    let totals = this.siteTotals.get(site);
    if (totals === undefined) {
      totals = { count: 0, destinations: new Set() };
      this.siteTotals.set(site, totals);
    }
    if (!record.counted) {
      record.counted = true;
      totals.count++;
      if (record.destination) totals.destinations.add(record.destination.key);
    }
    return site;
  }

  /** Live sockets to a destination per creation site, most first. */
  sitesOf(destination: Destination): Array<{ site: Site; live: number }> {
    const counts = new Map<Site, number>();
    for (const record of destination.records) {
      const site = this.resolve(record);
      counts.set(site, (counts.get(site) ?? 0) + 1);
    }
    return [...counts].map(([site, live]) => ({ site, live })).sort((a, b) => b.live - a.live);
  }

  /** Every socket still open, all destinations. */
  *openRecords(): Iterable<SocketRecord> {
    for (const destination of this.destinations.values()) yield* destination.records;
  }

  /** Forgets a worker's sockets when the worker is gone (its sockets closed with it). */
  dropThread(threadId: number): void {
    for (const record of [...this.openRecords()]) if (record.threadId === threadId) this.close(record, undefined);
  }

  private changed(destination: Destination, live: number): void {
    this.sample(destination, live);
    if (destination.limit === undefined) return;
    const now = this.now();
    this.remember(destination, now, live);
    this.checkRise(destination, live, now);
  }

  /** A limited destination's live count grew: warn at the threshold and at the limit. */
  checkRise(destination: Destination, processLive: number, now = this.now()): void {
    const limit = destination.limit;
    if (limit === undefined || destination.warned === 2) return;
    const live = this.effectiveLive(destination, processLive, true, now);
    const level = live >= limit.max ? 'limit' : live >= destination.threshold && destination.warned === 0 ? 'threshold' : undefined;
    if (level === undefined) return;
    let others: TraceOtherProcess[] | undefined;
    try {
      others = this.hostCounter?.others(destination);
    } catch {
      // A process that exited mid-scan, or /proc denied: the warning goes out without the list.
    }
    this.warn(destination, level, live, processLive, now, others);
  }

  /** The count a limit is checked against: this process's, or the host's with CONNLEAK_SCOPE=host. */
  private effectiveLive(destination: Destination, processLive: number, mayRead: boolean, now = this.now()): number {
    return this.hostCounter === undefined ? processLive : Math.max(processLive, this.hostCounter.live(destination, processLive, now, mayRead));
  }

  private remember(destination: Destination, now: number, live: number): void {
    const count = destination.historyCount;
    const last = count === 0 ? -Infinity : destination.historyT[(count - 1) % historySize]!;
    if (now - last < historySpacingMs) return;
    destination.historyT[count % historySize] = now;
    destination.historyLive[count % historySize] = live;
    destination.historyCount = count + 1;
  }

  /**
   * The limit with the server setting that enforces it: from the configuration (by port, 2181:
   * maxClientCnxns), else from the catalog client whose factory opened the sockets (a ZooKeeper
   * on another port is still ZooKeeper).
   */
  describedLimit(destination: Destination, sites: ReadonlyArray<{ site: Site }>): DestinationLimit {
    const limit = destination.limit!;
    if (limit.setting) return limit;
    for (const { site } of sites) {
      const kind = site.client === undefined ? undefined : builtinClients.find((candidate) => candidate.id === site.client);
      if (kind?.limit) return { ...limit, setting: kind.limit.setting, serverName: kind.serverName, scope: kind.limit.scope };
    }
    return limit;
  }

  private warn(destination: Destination, level: 'threshold' | 'limit', live: number, processLive: number, now: number, others: TraceOtherProcess[] | undefined): void {
    destination.warned = level === 'limit' ? 2 : 1;
    const allSites = this.sitesOf(destination);
    const limit = this.describedLimit(destination, allSites);
    const sites = allSites.slice(0, 3);
    const growth = growthOf(destination, processLive, now, live);
    const message = formatWarning({ destination: destination.key, level, live, limit, warnAt: this.config.warnAt, growth, sites, others, scope: this.config.scope });
    const warning: TraceWarning = {
      t: round(now),
      destination: destination.key,
      level,
      live,
      limit: limit.max,
      ...(limit.setting ? { setting: limit.setting } : {}),
      sites: sites.map(({ site, live: count }) => ({ site: site.id, live: count })),
      ...(growth?.ratePerSecond !== undefined ? { ratePerSecond: round(growth.ratePerSecond) } : {}),
      ...(growth?.secondsToLimit !== undefined ? { secondsToLimit: round(growth.secondsToLimit) } : {}),
      ...(others && others.length > 0 ? { otherProcesses: others } : {}),
      message,
    };
    this.warningsTotal++;
    if (this.warnings.length < maxListed) this.warnings.push(warning);
    this.options.print(message);
    this.options.emit('warning', warning);
  }

  private reset(record: SocketRecord, destination: Destination, code: string, liveBefore: number): void {
    // Most early closes are far from any limit (a server that answers and hangs up): bail out cheaply.
    if (this.hostCounter === undefined && liveBefore < destination.threshold) return;
    const now = this.now();
    const afterMs = now - record.openedAt;
    if (afterMs > resetWindowMs || this.effectiveLive(destination, liveBefore, false, now) < destination.threshold) return;
    const site = this.resolve(record);
    destination.resetsInEpisode++;
    if (destination.resetsInEpisode === 1) destination.firstResetAt = now;
    let diagnosis: string | undefined;
    const allSites = this.sitesOf(destination);
    const limit = this.describedLimit(destination, [{ site }, ...allSites]);
    const top = allSites.slice(0, 1);
    if (!destination.diagnosed) {
      destination.diagnosed = true;
      diagnosis = formatReset({ destination: destination.key, code, afterMs, live: liveBefore, limit, sites: top });
    } else if (destination.resetsInEpisode >= retryLoopResets && !destination.retryLoopSaid) {
      destination.retryLoopSaid = true;
      diagnosis = formatRetryLoop({
        destination: destination.key,
        resets: destination.resetsInEpisode,
        seconds: (now - destination.firstResetAt) / 1000,
        client: site.client,
        live: destination.live,
        limit,
        sites: top,
      });
    }
    const reset: TraceReset = {
      t: round(now),
      destination: destination.key,
      code,
      live: liveBefore,
      limit: limit.max,
      site: site.id,
      afterMs: round(afterMs),
      ...(diagnosis ? { diagnosis } : {}),
    };
    this.resetsTotal++;
    if (this.resets.length < maxListed) this.resets.push(reset);
    if (diagnosis) this.options.print(diagnosis);
    this.options.emit('reset', reset);
  }

  /** Timeline for the trace: at most one sample per interval, keeping the interval's highest count. */
  private sample(destination: Destination, live: number): void {
    if (!this.options.sampling) return;
    const now = this.now();
    const samples = destination.samples;
    if (now - destination.lastSampleT < this.sampleIntervalMs && samples.length > 0) {
      const last = samples[samples.length - 1]!;
      samples[samples.length - 1] = { t: last.t, live, max: Math.max(last.max, live) };
      return;
    }
    destination.lastSampleT = now;
    samples.push({ t: round(now), live, max: live });
    if (samples.length > maxSamples) {
      // Thin a long run: merge neighbours and sample half as often from now on.
      this.sampleIntervalMs *= 2;
      const thinned: TraceSample[] = [];
      for (let i = 0; i < samples.length; i += 2) {
        const first = samples[i]!;
        const second = samples[i + 1];
        thinned.push(second ? { t: first.t, live: second.live, max: Math.max(first.max, second.max) } : first);
      }
      destination.samples = thinned;
    }
  }
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
