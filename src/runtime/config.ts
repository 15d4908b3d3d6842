import { builtinClients, clientsForPort, type ClientKind } from '../catalog';

/**
 * The runtime configuration, read once from `CONNLEAK_*` variables. Shared by the tracer
 * (`connleak/register`), `connleak run` and `connleak netstat`, so a limit means the same
 * everywhere.
 */

/** A bad `CONNLEAK_*` value or flag. One line; the caller exits 2 before the app starts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A limit on live connections to a destination. `host` is `'*'` for any host. */
export interface DestinationLimit {
  readonly host: string;
  readonly port: number;
  readonly max: number;
  /** The server setting that enforces it, from the catalog entry whose default port this is. */
  readonly setting?: string;
  readonly serverName?: string;
  readonly scope?: string;
}

export type FailMode = 'off' | 'limit' | 'leak' | 'any';
export type CountScope = 'process' | 'host';

export interface RuntimeConfig {
  readonly limits: readonly DestinationLimit[];
  /** Share of a limit at which the first warning fires (0 < warnAt <= 1). */
  readonly warnAt: number;
  readonly fail: FailMode;
  readonly scope: CountScope;
  /** Where to write the JSON trace at exit, if anywhere. */
  readonly reportFile?: string;
  /** `CONNLEAK_DISABLE=1` turns the preload into a no-op (an escape hatch for production). */
  readonly disabled: boolean;
}

export const defaultLimitsSpec = '*:2181=60';
export const defaultWarnAt = 0.8;

/** Attaches the catalog's server setting to a limit by its port (2181: ZooKeeper maxClientCnxns). */
function describeByPort(port: number, catalog: readonly ClientKind[]): Pick<DestinationLimit, 'setting' | 'serverName' | 'scope'> {
  const kind = clientsForPort(port, catalog).find((candidate) => candidate.limit);
  if (!kind?.limit) return {};
  return { setting: kind.limit.setting, serverName: kind.serverName, scope: kind.limit.scope };
}

const limitItem = /^(\*|\[[0-9A-Fa-f:.]+\]|[^\s:=,]+):(\d{1,5})=(\d+)$/;

/**
 * Parses `CONNLEAK_LIMITS`: comma-separated `HOST:PORT=MAX`, `HOST` being `*`, a name, an IPv4
 * address or a bracketed IPv6 address (`[::1]:2181=60`).
 */
export function parseLimits(spec: string, catalog: readonly ClientKind[] = builtinClients, variable = 'CONNLEAK_LIMITS'): DestinationLimit[] {
  const trimmed = spec.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((rawItem) => {
    const item = rawItem.trim();
    const match = limitItem.exec(item);
    if (!match) {
      throw new ConfigError(`${variable}: "${item}" is not HOST:PORT=MAX (for example *:2181=60,10.0.0.5:6379=100)`);
    }
    const [, rawHost, rawPort, rawMax] = match as unknown as [string, string, string, string];
    const port = Number(rawPort);
    const max = Number(rawMax);
    if (port < 1 || port > 65535) throw new ConfigError(`${variable}: port ${rawPort} in "${item}" is not between 1 and 65535`);
    if (max < 1) throw new ConfigError(`${variable}: limit ${rawMax} in "${item}" must be at least 1`);
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
    return { host, port, max, ...describeByPort(port, catalog) };
  });
}

export function parseWarnAt(raw: string, variable = 'CONNLEAK_WARN_AT'): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ConfigError(`${variable}: "${raw}" is not a share of the limit between 0 and 1 (for example 0.8)`);
  }
  return value;
}

const failModes: readonly FailMode[] = ['off', 'limit', 'leak', 'any'];

export function parseFailMode(raw: string, variable = 'CONNLEAK_FAIL'): FailMode {
  const mode = raw.trim() === '' ? 'off' : raw.trim();
  if (!(failModes as readonly string[]).includes(mode)) {
    throw new ConfigError(`${variable}: "${raw}" is not one of ${failModes.join(', ')}`);
  }
  return mode as FailMode;
}

export function parseScope(raw: string, variable = 'CONNLEAK_SCOPE'): CountScope {
  const scope = raw.trim() === '' ? 'process' : raw.trim();
  if (scope !== 'process' && scope !== 'host') {
    throw new ConfigError(`${variable}: "${raw}" is not "process" or "host"`);
  }
  return scope;
}

/** Reads the whole configuration from an environment. Throws ConfigError on the first bad value. */
export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const disabled = env.CONNLEAK_DISABLE === '1' || env.CONNLEAK_DISABLE === 'true';
  const reportFile = env.CONNLEAK_REPORT?.trim();
  return {
    limits: parseLimits(env.CONNLEAK_LIMITS ?? defaultLimitsSpec),
    warnAt: env.CONNLEAK_WARN_AT === undefined ? defaultWarnAt : parseWarnAt(env.CONNLEAK_WARN_AT),
    fail: parseFailMode(env.CONNLEAK_FAIL ?? ''),
    scope: parseScope(env.CONNLEAK_SCOPE ?? ''),
    ...(reportFile ? { reportFile } : {}),
    disabled,
  };
}

/** The limit that applies to a destination: an exact host match wins over `*`. */
export function limitFor(limits: readonly DestinationLimit[], host: string, port: number): DestinationLimit | undefined {
  let wildcard: DestinationLimit | undefined;
  for (const limit of limits) {
    if (limit.port !== port) continue;
    if (limit.host === host) return limit;
    if (limit.host === '*') wildcard = limit;
  }
  return wildcard;
}

/**
 * The live count at which a destination is "near" its limit: `warnAt` of the limit, rounded up
 * (60 × 0.8 = 48). The epsilon keeps float products such as 0.7 × 10 from rounding up to 8.
 */
export function warnThreshold(max: number, warnAt: number): number {
  return Math.max(1, Math.ceil(max * warnAt - 1e-9));
}
