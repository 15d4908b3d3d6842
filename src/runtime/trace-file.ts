import { existsSync } from 'node:fs';
import { writeFileAtomically } from '../util/write-atomically';
import path from 'node:path';
import { round, type Tracer } from './tracer';
import { traceSchema, traceVersion, type Trace, type TraceDestination, type TraceOpenSocket, type TraceProcess, type TraceSite } from './trace';

/** Builds the `CONNLEAK_REPORT` trace from the tracer's state and writes it atomically. */

const maxOpenListed = 1000;

export interface TraceEnd {
  readonly reason: TraceProcess['endReason'];
  readonly exitCode: number | null;
  readonly signal?: string;
}

/** `CONNLEAK_REPORT` as a path: `%p` becomes the pid (one file per process under `connleak run`). */
export function reportPath(raw: string, cwd = process.cwd(), pid = process.pid): string {
  return path.resolve(cwd, raw.replaceAll('%p', String(pid)));
}

export function buildTrace(tracer: Tracer, end: TraceEnd): Trace {
  const now = tracer.now();
  const openRecords = [...tracer.openRecords()];
  const liveBySite = new Map<string, number>();
  for (const record of openRecords) {
    const site = tracer.resolve(record);
    liveBySite.set(site.id, (liveBySite.get(site.id) ?? 0) + 1);
  }
  const destinations: TraceDestination[] = [...tracer.destinations.values()]
    .filter((destination) => destination.opened > 0)
    .map((destination) => {
      const samples = [...destination.samples];
      if (samples.at(-1)?.t !== round(now)) samples.push({ t: round(now), live: destination.live, max: destination.live });
      return {
        destination: destination.key,
        host: destination.host,
        port: destination.port,
        ...(destination.limit ? { limit: destination.limit.max } : {}),
        ...(destination.limit?.setting ? { setting: destination.limit.setting } : {}),
        samples,
        peak: destination.peak,
        opened: destination.opened,
        closed: destination.closed,
        live: destination.live,
      };
    });
  const sites: TraceSite[] = [...tracer.siteTotals]
    .map(([site, totals]) => ({
      site: site.id,
      count: totals.count,
      live: liveBySite.get(site.id) ?? 0,
      ...(site.client ? { client: site.client } : {}),
      destinations: [...totals.destinations],
      stack: site.stack,
    }))
    .sort((a, b) => b.live - a.live || b.count - a.count);
  const openAtExit: TraceOpenSocket[] = openRecords.slice(0, maxOpenListed).map((record) => {
    const localPort = record.socket?.localPort ?? record.localPort;
    return {
      destination: record.destination?.key ?? '(unknown)',
      site: tracer.resolve(record).id,
      t: round(record.openedAt),
      threadId: record.threadId,
      ...(localPort !== undefined ? { localPort } : {}),
    };
  });
  return {
    schema: traceSchema,
    version: traceVersion,
    process: {
      pid: process.pid,
      argv: process.argv,
      cwd: process.cwd(),
      node: process.version,
      platform: process.platform,
      startedAt: new Date(tracer.startedAt).toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: round(now),
      endReason: end.reason,
      exitCode: end.exitCode,
      ...(end.signal ? { signal: end.signal } : {}),
      workerThreads: tracer.threads.size,
    },
    config: {
      limits: tracer.config.limits.map((limit) => ({ ...limit })),
      warnAt: tracer.config.warnAt,
      fail: tracer.config.fail,
      scope: tracer.config.scope,
      sampleIntervalMs: tracer.sampleIntervalMs,
    },
    destinations,
    sites,
    warnings: tracer.warnings,
    resets: tracer.resets,
    openAtExit,
    openAtExitTotal: openRecords.length,
    warningsTotal: tracer.warningsTotal,
    resetsTotal: tracer.resetsTotal,
  };
}

/**
 * Writes the trace through a temporary file and a rename, so a reader never sees half a file. A
 * process that opened no socket does not replace an existing trace: under `connleak run -- npm
 * test`, npm itself exits last and would otherwise overwrite the test process's trace.
 */
export function writeTraceFile(file: string, trace: Trace): boolean {
  if (trace.destinations.length === 0 && existsSync(file)) return false;
  writeFileAtomically(file, JSON.stringify(trace) + '\n');
  return true;
}
