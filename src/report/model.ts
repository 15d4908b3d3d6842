import { limitFor, warnThreshold } from '../runtime/config';
import type { Trace, TraceDestination, TraceReset, TraceSample, TraceSite, TraceWarning } from '../runtime/trace';

/**
 * What the report page shows, computed from a trace: chart series per destination, the sites
 * table and the one-sentence summary. Plain data; `html.ts` turns it into the page.
 */

/** One destination's timeline, as uPlot's aligned arrays (x in seconds since the tracer started). */
export interface ChartData {
  readonly id: string;
  readonly x: number[];
  readonly live: (number | null)[];
  /** Highest count within each sample interval (spikes between samples). */
  readonly max: (number | null)[];
  /** The live count at each warning's time, null elsewhere. */
  readonly warnings: (number | null)[];
  readonly resets: (number | null)[];
  readonly limit?: number;
  readonly threshold?: number;
}

export interface SiteRow {
  readonly site: string;
  readonly client?: string;
  readonly count: number;
  /** Share of all sockets opened in the run. */
  readonly share: number;
  readonly live: number;
  readonly destinations: readonly string[];
  readonly stack: readonly string[];
}

export interface DestinationPanel {
  readonly destination: TraceDestination;
  readonly chart: ChartData;
  /** "ZooKeeper maxClientCnxns", when the limit's setting is known. */
  readonly setting?: string;
  readonly warningCount: number;
  readonly resetCount: number;
}

export interface ReportModel {
  readonly summary: string;
  readonly panels: readonly DestinationPanel[];
  readonly sites: readonly SiteRow[];
}

export function seconds(t: number): string {
  return `${(t / 1000).toFixed(t < 100000 ? 1 : 0)} s`;
}

function settingOf(trace: Trace, destination: string): string | undefined {
  return settingOfEntry(trace, trace.destinations.find((candidate) => candidate.destination === destination));
}

function settingOfEntry(trace: Trace, entry: TraceDestination | undefined): string | undefined {
  const limit = entry && limitFor(trace.config.limits, entry.host, entry.port);
  const setting = entry?.setting ?? limit?.setting;
  if (!setting) return undefined;
  return limit?.serverName ? `${limit.serverName} ${setting}` : setting;
}

/**
 * Most points one chart gets. The runtime keeps at most 4,000 samples per destination; a longer
 * trace (hand-made, or from another tool) is thinned to this many, each keeping its bucket's peak,
 * so the page and the memory to build it stay bounded whatever the trace holds.
 */
const maxChartPoints = 4000;

function thinned(samples: readonly TraceSample[]): readonly TraceSample[] {
  if (samples.length <= maxChartPoints) return samples;
  const bucketSize = Math.ceil(samples.length / maxChartPoints);
  const points: TraceSample[] = [];
  for (let start = 0; start < samples.length; start += bucketSize) {
    const end = Math.min(start + bucketSize, samples.length);
    let max = samples[start]!.max;
    for (let index = start + 1; index < end; index++) max = Math.max(max, samples[index]!.max);
    const last = samples[end - 1]!;
    points.push({ t: last.t, live: last.live, max });
  }
  return points;
}

/** Items per destination, built once: a lookup per destination would be quadratic in a large trace. */
function byDestination<T extends { readonly destination: string }>(items: readonly T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const item of items) {
    const list = grouped.get(item.destination);
    if (list) list.push(item);
    else grouped.set(item.destination, [item]);
  }
  return grouped;
}

function chartFor(trace: Trace, destination: TraceDestination, id: string, warningsHere: readonly TraceWarning[], resetsHere: readonly TraceReset[]): ChartData {
  const warnings = new Map<number, number>();
  for (const warning of warningsHere) warnings.set(warning.t, warning.live);
  const resets = new Map<number, number>();
  for (const reset of resetsHere) resets.set(reset.t, reset.live);
  const samples = new Map(thinned(destination.samples).map((sample) => [sample.t, sample]));
  // uPlot wants one shared, sorted x array: sample times and event times merged.
  const times = [...new Set([...samples.keys(), ...warnings.keys(), ...resets.keys()])].sort((a, b) => a - b);
  const limit = destination.limit ?? limitFor(trace.config.limits, destination.host, destination.port)?.max;
  return {
    id,
    x: times.map((t) => t / 1000),
    live: times.map((t) => samples.get(t)?.live ?? null),
    max: times.map((t) => samples.get(t)?.max ?? null),
    warnings: times.map((t) => warnings.get(t) ?? null),
    resets: times.map((t) => resets.get(t) ?? null),
    ...(limit === undefined ? {} : { limit, threshold: warnThreshold(limit, trace.config.warnAt) }),
  };
}

function siteRows(sites: readonly TraceSite[]): SiteRow[] {
  const total = sites.reduce((sum, site) => sum + site.count, 0);
  return [...sites]
    .sort((a, b) => b.count - a.count || b.live - a.live || a.site.localeCompare(b.site))
    .map((site) => ({
      site: site.site,
      ...(site.client === undefined ? {} : { client: site.client }),
      count: site.count,
      share: total === 0 ? 0 : site.count / total,
      live: site.live,
      destinations: site.destinations,
      stack: site.stack,
    }));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The top creation site of a destination's live connections, from a warning or from the sites. */
function topSite(trace: Trace, destination: string): { site: string; live: number } | undefined {
  const warned = [...trace.warnings].reverse().find((warning) => warning.destination === destination && warning.sites.length > 0);
  if (warned) return warned.sites[0];
  const site = [...trace.sites].filter((candidate) => candidate.destinations.includes(destination)).sort((a, b) => b.live - a.live)[0];
  return site && site.live > 0 ? { site: site.site, live: site.live } : undefined;
}

/** One sentence: what went wrong in this run, worst destination first. */
export function summarize(trace: Trace): string {
  const worst = trace.warnings.find((warning) => warning.level === 'limit') ?? trace.warnings[0];
  const others = new Set(trace.warnings.map((warning) => warning.destination));
  const more = others.size > 1 ? ` (${plural(others.size - 1, 'other destination')} also warned)` : '';
  if (worst) {
    const setting = settingOf(trace, worst.destination) ?? worst.setting;
    const resets = trace.resets.filter((reset) => reset.destination === worst.destination && reset.t >= worst.t).length;
    const site = topSite(trace, worst.destination);
    const where = site ? `; ${site.live} of the ${worst.live} were opened at ${site.site}` : '';
    const reached =
      worst.level === 'limit'
        ? `${worst.destination} reached its limit of ${worst.limit} live connections${setting ? ` (${setting})` : ''} after ${seconds(worst.t)}`
        : `${worst.destination} climbed to ${worst.live} of its limit of ${worst.limit} live connections${setting ? ` (${setting})` : ''} after ${seconds(worst.t)}`;
    const refused = resets > 0 ? `, and the server then closed ${plural(resets, 'new connection')} at once` : '';
    return `${reached}${refused}${where}${more}.`;
  }
  if (trace.resets.length > 0) {
    const first = trace.resets[0]!;
    return `The server closed ${plural(trace.resets.length, 'connection')} shortly after connect (first to ${first.destination} after ${seconds(first.t)}, ${first.code}), though no destination reached a configured limit.`;
  }
  if (trace.openAtExitTotal > 0) {
    const bySite = new Map<string, number>();
    for (const open of trace.openAtExit) if (open.site) bySite.set(open.site, (bySite.get(open.site) ?? 0) + 1);
    const [site, count] = [...bySite].sort((a, b) => b[1] - a[1])[0] ?? [];
    return `No destination neared a limit, but ${plural(trace.openAtExitTotal, 'connection')} ${trace.openAtExitTotal === 1 ? 'was' : 'were'} still open when the process ended${site ? `, ${count} of those listed opened at ${site}` : ''}.`;
  }
  return 'No destination neared its limit and every connection was closed by the end of the run.';
}

export function buildModel(trace: Trace): ReportModel {
  const warningsByDestination = byDestination(trace.warnings);
  const resetsByDestination = byDestination(trace.resets);
  const panels = trace.destinations
    .map((destination, index) => {
      const warningsHere = warningsByDestination.get(destination.destination) ?? [];
      const resetsHere = resetsByDestination.get(destination.destination) ?? [];
      const setting = settingOfEntry(trace, destination);
      return {
        destination,
        chart: chartFor(trace, destination, `chart-${index}`, warningsHere, resetsHere),
        ...(setting ? { setting } : {}),
        warningCount: warningsHere.length,
        resetCount: resetsHere.length,
      };
    })
    // Destinations in trouble first, then by peak.
    .sort((a, b) => b.warningCount + b.resetCount - (a.warningCount + a.resetCount) || (b.destination.limit ? b.destination.peak / b.destination.limit : 0) - (a.destination.limit ? a.destination.peak / a.destination.limit : 0) || b.destination.peak - a.destination.peak);
  return { summary: summarize(trace), panels, sites: siteRows(trace.sites) };
}
