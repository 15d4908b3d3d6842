import type { DestinationLimit } from './config';
import type { Site } from './sites';
import type { TraceOtherProcess } from './trace';

/** The lines the tracer prints on stderr, each prefixed `connleak:` and kept to one line. */

export interface SiteCount {
  readonly site: Site;
  readonly live: number;
}

export interface Growth {
  /** Sockets gained over `seconds`. */
  readonly gained: number;
  readonly seconds: number;
  readonly ratePerSecond?: number;
  readonly secondsToLimit?: number;
}

interface GrowthSource {
  readonly limit: DestinationLimit | undefined;
  readonly historyT: Float64Array;
  readonly historyLive: Int32Array;
  readonly historyCount: number;
}

const growthWindowMs = 10_000;
/** Below this, growth is a burst ("+7 in 2 ms"), not a rate. */
const burstSeconds = 0.05;

/**
 * Growth over the last seconds, from the destination's remembered counts of this process; the time
 * to the limit counts from `effectiveLive` (the host's count under CONNLEAK_SCOPE=host).
 */
export function growthOf(destination: GrowthSource, live: number, now: number, effectiveLive = live): Growth | undefined {
  const size = destination.historyT.length;
  if (size === 0) return undefined;
  let oldestT = Infinity;
  let oldestLive = 0;
  for (let i = 0; i < Math.min(destination.historyCount, size); i++) {
    const t = destination.historyT[i]!;
    if (now - t <= growthWindowMs && t < oldestT) {
      oldestT = t;
      oldestLive = destination.historyLive[i]!;
    }
  }
  if (oldestT === Infinity || live <= oldestLive) return undefined;
  const gained = live - oldestLive;
  const seconds = (now - oldestT) / 1000;
  if (seconds < burstSeconds) return { gained, seconds };
  const ratePerSecond = gained / seconds;
  const max = destination.limit?.max;
  return max !== undefined && effectiveLive < max ? { gained, seconds, ratePerSecond, secondsToLimit: (max - effectiveLive) / ratePerSecond } : { gained, seconds, ratePerSecond };
}

function formatSeconds(seconds: number): string {
  if (seconds < 0.1) return '<0.1 s';
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** "+4/s, limit in ~3 s", or "+7 in 2 ms" for a burst. */
export function formatGrowth(growth: Growth | undefined): string {
  if (growth === undefined) return '';
  if (growth.ratePerSecond === undefined) return `+${growth.gained} in ${Math.max(1, Math.round(growth.seconds * 1000))} ms`;
  const rate = growth.ratePerSecond >= 10 ? Math.round(growth.ratePerSecond) : Number(growth.ratePerSecond.toFixed(1));
  return growth.secondsToLimit === undefined ? `+${rate}/s` : `+${rate}/s, limit in ${growth.secondsToLimit < 0.1 ? '' : '~'}${formatSeconds(growth.secondsToLimit)}`;
}

const scopeWords: Record<string, string> = { 'per-client-ip': 'per client IP', 'per-user': 'per user', global: 'in total' };

/** "ZooKeeper maxClientCnxns, per client IP", or "configured limit" for a limit the catalog does not know. */
export function describeSetting(limit: DestinationLimit): string {
  if (!limit.setting) return 'configured limit';
  const scope = limit.scope ? `, ${scopeWords[limit.scope] ?? limit.scope}` : '';
  return `${limit.serverName ? `${limit.serverName} ` : ''}${limit.setting}${scope}`;
}

/** "opened at src/zk.js:14:22 (8), src/health.js:3:5 (2)". */
export function formatSites(sites: readonly SiteCount[]): string {
  if (sites.length === 0) return '';
  return `opened at ${sites.map(({ site, live }) => `${site.id} (${live})`).join(', ')}`;
}

function formatOthers(others: readonly TraceOtherProcess[] | undefined): string {
  if (!others || others.length === 0) return '';
  const listed = others.slice(0, 3).map((other) => `pid ${other.pid} ${other.command} (${other.live})`);
  return `; other processes: ${listed.join(', ')}${others.length > 3 ? `, +${others.length - 3} more` : ''}`;
}

export interface WarningInput {
  readonly destination: string;
  readonly level: 'threshold' | 'limit';
  readonly live: number;
  readonly limit: DestinationLimit;
  readonly warnAt: number;
  readonly growth: Growth | undefined;
  readonly sites: readonly SiteCount[];
  readonly others: readonly TraceOtherProcess[] | undefined;
  readonly scope: 'process' | 'host';
}

export function formatWarning(input: WarningInput): string {
  const { limit } = input;
  const what = `${input.live} live connections ${input.scope === 'host' ? 'from this host ' : ''}to ${input.destination}`;
  const head =
    input.level === 'limit'
      ? `limit reached: ${what} (limit ${limit.max}, ${describeSetting(limit)}): new connections will be refused`
      : `${what} (${Math.round((input.live / limit.max) * 100)}% of the limit ${limit.max}, ${describeSetting(limit)})`;
  const parts = [head, formatGrowth(input.growth), formatSites(input.sites)].filter((part) => part !== '');
  return `connleak: ${parts.join('; ')}${formatOthers(input.others)}`;
}

const codeWords: Record<string, string> = {
  ECONNRESET: 'ECONNRESET',
  EPIPE: 'EPIPE',
  EOF: 'closed by the server before any data',
};

export interface ResetInput {
  readonly destination: string;
  readonly code: string;
  readonly afterMs: number;
  readonly live: number;
  readonly limit: DestinationLimit;
  readonly sites: readonly SiteCount[];
}

export function formatReset(input: ResetInput): string {
  const { limit } = input;
  const cause = limit.setting
    ? `${limit.serverName ?? 'the server'} refuses connections over ${limit.setting} (${limit.max}${limit.scope ? `, counted ${scopeWords[limit.scope] ?? limit.scope}` : ''})`
    : `the server likely refuses connections over its limit (${limit.max})`;
  const where = input.sites.length > 0 ? `; ${formatSites(input.sites).replace(/^opened/, 'most were opened')}` : '';
  return `connleak: connection to ${input.destination} reset right after connect (${codeWords[input.code] ?? input.code}, after ${Math.round(input.afterMs)} ms) with ${input.live} live connections, limit ${limit.max}: ${cause}${where}`;
}

export interface RetryLoopInput {
  readonly destination: string;
  readonly resets: number;
  readonly seconds: number;
  readonly client: string | undefined;
  readonly live: number;
  readonly limit: DestinationLimit;
  readonly sites: readonly SiteCount[];
}

const retriesSilently: Record<string, string> = {
  'node-zookeeper-client': 'node-zookeeper-client retries a refused connection forever without reporting an error',
};

export function formatRetryLoop(input: RetryLoopInput): string {
  const who = (input.client && retriesSilently[input.client]) ?? 'a client is retrying refused connections in a loop';
  const where = input.sites.length > 0 ? ` (${formatSites(input.sites)})` : '';
  return `connleak: ${input.resets} connections to ${input.destination} reset right after connect in ${formatSeconds(input.seconds)}: ${who}; it cannot connect until some of the ${input.live} live connections${where} are closed (reported once)`;
}
