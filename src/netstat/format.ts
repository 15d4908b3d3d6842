import type { DestinationSummary, ProcessShare } from './destinations';

/** What one look at the host found: the JSON `connleak netstat --json` prints (one line per sample). */
export interface NetstatSnapshot {
  /** ISO 8601 time of the sample. */
  readonly time: string;
  /** `CONNLEAK_WARN_AT`: the share of a limit from which a destination counts as near it. */
  readonly warnAt: number;
  readonly destinations: readonly DestinationSummary[];
}

const statusMarks: Record<DestinationSummary['status'], string> = { ok: '', near: 'NEAR LIMIT', limit: 'AT LIMIT' };

function processLabel(share: ProcessShare): string {
  const count = share.other > 0 ? `${share.live}+${share.other}` : `${share.live}`;
  return `${share.pid} ${share.command} (${count})`;
}

/** `per-client-ip` -> `per client IP`. */
function scopeWords(scope: string): string {
  return scope === 'global' ? 'in total' : scope.replace(/-/g, ' ').replace(/\bip\b/, 'IP');
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

const topProcesses = 3;
const maxRows = 40;

function onlyTimeWait(summary: DestinationSummary): boolean {
  return summary.live === 0 && summary.status === 'ok' && Object.keys(summary.states).every((state) => state === 'TIME_WAIT');
}
const processesWidth = 72;

function processesCell(summary: DestinationSummary): string {
  const labels = summary.processes.slice(0, topProcesses).map(processLabel);
  const more = summary.processes.length - topProcesses;
  if (more > 0) labels.push(`+${more} more`);
  if (summary.unownedLive > 0) labels.push(`${summary.unownedLive} unreadable`);
  return truncate(labels.join(', '), processesWidth);
}

function otherStatesCell(summary: DestinationSummary): string {
  return Object.entries(summary.states)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
}

function limitCell(summary: DestinationSummary): string {
  if (!summary.limit) return '-';
  return summary.limit.setting ? `${summary.limit.max} ${summary.limit.setting}` : `${summary.limit.max}`;
}

/**
 * The table a person reads at a glance: one row per destination, the ones nearest their limit
 * first. Processes are `pid command (live)`, or `(live+other)` when some of its connections to
 * the destination are in other states.
 */
export function formatTable(snapshot: NetstatSnapshot, options: { filtered: boolean }): string {
  const live = snapshot.destinations.reduce((sum, summary) => sum + summary.live, 0);
  const withLive = snapshot.destinations.filter((summary) => summary.live > 0).length;
  const header = `connleak netstat: ${live} live client connection${live === 1 ? '' : 's'} to ${withLive} destination${withLive === 1 ? '' : 's'}, host-wide, at ${snapshot.time}`;
  // A host that churns connections holds thousands of TIME_WAIT sockets, one destination each
  // on loopback; they hold no process's descriptor and no server's slot, so they are folded.
  const quiet = options.filtered ? [] : snapshot.destinations.filter(onlyTimeWait);
  const shown = options.filtered ? snapshot.destinations : snapshot.destinations.filter((summary) => !onlyTimeWait(summary));
  const destinations = shown.slice(0, maxRows);
  const footer: string[] = [];
  if (shown.length > maxRows) footer.push(`… and ${shown.length - maxRows} more destinations (--port, --dest or --json for all)`);
  if (quiet.length > 0) {
    const sockets = quiet.reduce((sum, summary) => sum + (summary.states.TIME_WAIT ?? 0), 0);
    footer.push(`${quiet.length} more destination${quiet.length === 1 ? '' : 's'} with only TIME_WAIT sockets (${sockets}), not shown`);
  }
  if (destinations.length === 0) return [header, ...footer].join('\n') + '\n';
  const rows = [
    ['DESTINATION', 'LIVE', 'LIMIT', '% LIMIT', 'STATUS', 'OTHER STATES', 'PROCESSES (pid command live)'],
    ...destinations.map((summary) => [
      summary.destination,
      String(summary.live),
      limitCell(summary),
      summary.share === undefined ? '-' : `${Math.round(summary.share * 100)}%`,
      statusMarks[summary.status],
      otherStatesCell(summary),
      processesCell(summary),
    ]),
  ];
  const rightAligned = new Set([1, 3]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
  const warned = destinations.filter((summary) => summary.status !== 'ok');
  const notes = warned.map((summary) => {
    const limit = summary.limit!;
    const server = limit.setting ? ` (${limit.serverName ? `${limit.serverName} ` : ''}${limit.setting}${limit.scope ? `, counted ${scopeWords(limit.scope)}` : ''})` : '';
    return `${summary.destination}: ${summary.live} live of limit ${limit.max}${server}, warn threshold ${limit.warnThreshold}, limit rule ${limit.rule}`;
  });
  return [header, '', ...lines, ...footer, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n') + '\n';
}
