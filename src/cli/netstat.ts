/**
 * `connleak netstat`: host-wide live TCP connections per destination, with each destination's
 * limit from `CONNLEAK_LIMITS` (or `--limit`) and the processes that hold them.
 */
import { parseArgs } from 'node:util';
import { parseLimits, readRuntimeConfig, type DestinationLimit } from '../runtime/config';
import { canonicalAddress, resolveHost } from '../netstat/addresses';
import { clientConnections, summarizeDestinations, type DestinationFilter } from '../netstat/destinations';
import { formatTable, type NetstatSnapshot } from '../netstat/format';
import { ProcNetUnavailableError, readEphemeralPortRange, readTcpConnections, socketOwners, type SocketOwner } from '../netstat/proc-net';
import { ExitCode, UsageError, type CliIo } from './io';

export const netstatUsage = `Usage: connleak netstat [options]

Host-wide live TCP client connections per destination (from /proc/net/tcp and tcp6), with
limits from CONNLEAK_LIMITS and the processes that hold the connections.

Options:
  --port PORT        only destinations on this port (for example 2181)
  --dest HOST:PORT   only this destination ([::1]:2181 for IPv6; a name is resolved)
  --limit SPEC       limits instead of CONNLEAK_LIMITS, same syntax: *:2181=60,10.0.0.5:6379=100
  --json             print JSON instead of the table
  --watch SECONDS    sample again every SECONDS until interrupted (Ctrl-C); redraws the table on
                     a terminal, prints one JSON line per sample otherwise
  --fail             exit 1 when a destination is at or over its warn threshold
                     (CONNLEAK_WARN_AT of its limit, default 0.8)
  -h, --help         this text

Environment: CONNLEAK_LIMITS, CONNLEAK_WARN_AT (as for the tracer); CONNLEAK_PROC_ROOT, where
procfs is mounted (default /proc; for example the host's /proc mounted into a container).

Exit: 0, 1 (--fail and a destination near its limit), 2 (usage, configuration, no /proc/net/tcp).
`;

interface NetstatOptions {
  readonly filter: DestinationFilter;
  readonly limits: readonly DestinationLimit[];
  readonly warnAt: number;
  readonly json: boolean;
  readonly watchSeconds?: number;
  readonly fail: boolean;
  /** `CONNLEAK_PROC_ROOT`: procfs elsewhere, such as the host's /proc mounted into a container. */
  readonly procRoot?: string;
}

function parsePort(raw: string, flag: string): number {
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65535) throw new UsageError(`${flag}: "${raw}" is not a port between 1 and 65535`);
  return port;
}

async function parseDest(raw: string): Promise<{ port: number; hosts: Set<string> }> {
  const match = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(raw);
  if (!match) throw new UsageError(`--dest: "${raw}" is not HOST:PORT`, 'for example 10.0.0.7:2181 or [::1]:2181');
  const port = parsePort(match[2]!, '--dest');
  try {
    return { port, hosts: new Set(await resolveHost(match[1]!)) };
  } catch {
    throw new UsageError(`--dest: host "${match[1]}" does not resolve`);
  }
}

/**
 * Limits name hosts as written; the kernel shows addresses. A named host's limit is copied to each
 * of its addresses; a name that does not resolve keeps its limit, which then matches nothing.
 */
async function limitsByAddress(limits: readonly DestinationLimit[], io: CliIo): Promise<DestinationLimit[]> {
  const expanded: DestinationLimit[] = [];
  for (const limit of limits) {
    if (limit.host === '*') {
      expanded.push(limit);
      continue;
    }
    const literal = canonicalAddress(limit.host);
    if (literal !== undefined) {
      expanded.push({ ...limit, host: literal });
      continue;
    }
    try {
      for (const address of await resolveHost(limit.host)) expanded.push({ ...limit, host: address });
    } catch {
      io.stderr(`connleak: limit host "${limit.host}" does not resolve; its limit is not applied\n`);
    }
  }
  return expanded;
}

async function parseOptions(argv: string[], io: CliIo): Promise<NetstatOptions | 'help'> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        dest: { type: 'string' },
        limit: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        watch: { type: 'string' },
        fail: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs adds a tip on `--` after an unknown option; the option is what matters.
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''), "run 'connleak netstat --help'");
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const config = readRuntimeConfig(io.env);
  const limits = values.limit ? parseLimits(values.limit.join(','), undefined, '--limit') : config.limits;
  let port = values.port === undefined ? undefined : parsePort(values.port, '--port');
  let hosts: Set<string> | undefined;
  if (values.dest !== undefined) {
    const dest = await parseDest(values.dest);
    if (port !== undefined && port !== dest.port) throw new UsageError(`--port ${port} and --dest ${values.dest} name different ports`);
    port = dest.port;
    hosts = dest.hosts;
  }
  let watchSeconds: number | undefined;
  if (values.watch !== undefined) {
    watchSeconds = Number(values.watch);
    if (values.watch.trim() === '' || !Number.isFinite(watchSeconds) || watchSeconds < 0.1) {
      throw new UsageError(`--watch: "${values.watch}" is not a number of seconds (0.1 or more)`);
    }
  }
  return {
    filter: { ...(port === undefined ? {} : { port }), ...(hosts ? { hosts } : {}) },
    limits: await limitsByAddress(limits, io),
    warnAt: config.warnAt,
    json: values.json === true,
    ...(watchSeconds === undefined ? {} : { watchSeconds }),
    fail: values.fail === true,
    ...(io.env.CONNLEAK_PROC_ROOT ? { procRoot: io.env.CONNLEAK_PROC_ROOT } : {}),
  };
}

/** One look at the host's socket tables. */
export function takeSnapshot(options: Pick<NetstatOptions, 'filter' | 'limits' | 'warnAt' | 'procRoot'>): NetstatSnapshot {
  const proc = options.procRoot === undefined ? {} : { procRoot: options.procRoot };
  const tables = readTcpConnections({ ...proc, ...(options.filter.port === undefined ? {} : { remotePort: options.filter.port }) });
  const clients = clientConnections(tables, options.filter, { ephemeralPorts: readEphemeralPortRange(proc) });
  const owners = clients.length === 0 ? new Map<number, SocketOwner>() : socketOwners(clients.map((connection) => connection.inode), proc);
  return {
    time: new Date().toISOString(),
    warnAt: options.warnAt,
    destinations: summarizeDestinations(clients, { limits: options.limits, warnAt: options.warnAt, owners }),
  };
}

function isFiltered(options: NetstatOptions): boolean {
  return options.filter.port !== undefined || options.filter.hosts !== undefined;
}

function nearLimit(snapshot: NetstatSnapshot): boolean {
  return snapshot.destinations.some((summary) => summary.status !== 'ok');
}

// Home the cursor and clear the screen, so a watched table redraws in place.
const redraw = '\x1b[H\x1b[2J';

async function watch(options: NetstatOptions, io: CliIo): Promise<boolean> {
  const asTable = io.stdoutIsTty && !options.json;
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let anyNear = false;
  try {
    while (!stopped) {
      const snapshot = takeSnapshot(options);
      anyNear ||= nearLimit(snapshot);
      io.stdout(asTable ? redraw + formatTable(snapshot, { filtered: isFiltered(options) }) : JSON.stringify(snapshot) + '\n');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.watchSeconds! * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return anyNear;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const options = await parseOptions(argv, io);
  if (options === 'help') {
    io.stdout(netstatUsage);
    return ExitCode.clean;
  }
  try {
    let near: boolean;
    if (options.watchSeconds !== undefined) {
      near = await watch(options, io);
    } else {
      const snapshot = takeSnapshot(options);
      near = nearLimit(snapshot);
      io.stdout(options.json ? JSON.stringify(snapshot, null, 2) + '\n' : formatTable(snapshot, { filtered: isFiltered(options) }));
    }
    return options.fail && near ? ExitCode.findings : ExitCode.clean;
  } catch (error) {
    // Not a usage mistake, but the same one-line, exit-2 treatment.
    if (error instanceof ProcNetUnavailableError) throw new UsageError(error.message);
    throw error;
  }
}
