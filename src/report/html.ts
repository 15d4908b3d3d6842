import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Trace, TraceReset } from '../runtime/trace';
import { buildModel, seconds, type DestinationPanel, type SiteRow } from './model';
import { pageScript } from './page-script';

/**
 * Renders the self-contained report page: static parts (summary, tables) as escaped HTML, the
 * charts drawn in the browser by uPlot (inlined) from a JSON data block. Every string from the
 * trace is untrusted (host names, stack frames and argv come from the traced program): text goes
 * through `escapeHtml`, the data block is JSON with `<` escaped, and a Content-Security-Policy
 * lets only this page's own two scripts run and forbids every network fetch.
 */

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (character) => htmlEscapes[character]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<` escaped so no `</script>` or `<!--`
 * can end or bend the block; U+2028/2029 escaped for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function uplotAsset(file: string): string {
  return readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const pageStyle = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232a; margin: 0; background: #f6f7f9; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; color: #4a5561; font-weight: 600; }
h2 { font-size: 17px; margin: 32px 0 10px; }
h3 { font-size: 15px; margin: 0 0 2px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.summary { font-size: 19px; font-weight: 600; margin: 6px 0 10px; padding: 14px 16px; border-left: 5px solid #c62828; background: #fff; border-radius: 4px; }
.summary.ok { border-left-color: #2e7d32; }
.meta { color: #5b6773; font-size: 13px; margin: 0; }
.meta code, td code, .stats code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
.panel { background: #fff; border: 1px solid #e0e4e8; border-radius: 6px; padding: 14px 16px 8px; margin-bottom: 14px; }
.stats { color: #5b6773; font-size: 13px; margin: 0 0 8px; }
.badge { display: inline-block; font: 600 11px/1 system-ui, sans-serif; padding: 3px 6px; border-radius: 3px; margin-left: 8px; vertical-align: 2px; }
.badge.limit { background: #fde0e0; color: #a31515; }
.badge.near { background: #fff0d6; color: #8a4d00; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #e0e4e8; font-size: 13.5px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #edf0f2; vertical-align: top; overflow-wrap: break-word; }
th { white-space: nowrap; }
/* Long hostile strings wrap anywhere, but a column never shrinks below a normal address. */
td code { display: inline-block; min-width: 15ch; overflow-wrap: anywhere; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #1f6fb4; }
pre { margin: 6px 0 0; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
.note { color: #5b6773; font-size: 13px; }
.chart { min-height: 300px; }
`;

const maxEventRows = 100;
const maxSiteRows = 200;

function panelHtml(panel: DestinationPanel): string {
  const { destination, chart } = panel;
  const limitText = chart.limit === undefined ? 'no limit configured' : `limit ${chart.limit}${panel.setting ? ` (${panel.setting})` : ''}, warns at ${chart.threshold}`;
  const ratio = chart.limit === undefined ? 0 : destination.peak / chart.limit;
  const badge = ratio >= 1 ? '<span class="badge limit">reached limit</span>' : chart.threshold !== undefined && destination.peak >= chart.threshold ? '<span class="badge near">near limit</span>' : '';
  const events = [panel.warningCount > 0 ? `${panel.warningCount} warning${panel.warningCount === 1 ? '' : 's'}` : '', panel.resetCount > 0 ? `${panel.resetCount} reset${panel.resetCount === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return `<div class="panel">
<h3>${escapeHtml(destination.destination)}${badge}</h3>
<p class="stats">${escapeHtml(limitText)} · peak ${escapeHtml(destination.peak)} · opened ${escapeHtml(destination.opened)} · closed ${escapeHtml(destination.closed)} · live at the end ${escapeHtml(destination.live)}${events ? ` · ${escapeHtml(events)}` : ''}</p>
<div class="chart" id="${escapeHtml(chart.id)}"></div>
</div>`;
}

function siteRowHtml(row: SiteRow): string {
  const stack = row.stack.length === 0 ? '' : `<details><summary>${escapeHtml(row.stack[0]!)}</summary><pre>${escapeHtml(row.stack.join('\n'))}</pre></details>`;
  return `<tr><td><code>${escapeHtml(row.site)}</code></td><td>${escapeHtml(row.client ?? '')}</td><td class="num">${escapeHtml(row.count)}</td><td class="num">${escapeHtml((row.share * 100).toFixed(1))}%</td><td class="num">${escapeHtml(row.live)}</td><td>${row.destinations.map((d) => `<code>${escapeHtml(d)}</code>`).join('<br>')}</td><td>${stack}</td></tr>`;
}

function moreRows(total: number, shown: number, what: string): string {
  return total > shown ? `<p class="note">… and ${total - shown} more ${what} (all of them are in the trace file).</p>` : '';
}

function warningsHtml(trace: Trace): string {
  if (trace.warnings.length === 0) return '<p class="note">No limit warnings.</p>';
  const rows = trace.warnings.slice(0, maxEventRows).map((warning) => {
    const sites = warning.sites.map((site) => `${site.live} at ${site.site}`).join(', ');
    const others = warning.otherProcesses?.map((other) => `${other.live} in pid ${other.pid} ${other.command}`).join(', ');
    return `<tr><td class="time">${escapeHtml(seconds(warning.t))}</td><td><code>${escapeHtml(warning.destination)}</code></td><td>${escapeHtml(warning.level === 'limit' ? 'at limit' : 'near limit')}</td><td class="num">${escapeHtml(`${warning.live} / ${warning.limit}`)}</td><td>${escapeHtml(sites)}${others ? `<br>other processes: ${escapeHtml(others)}` : ''}</td><td>${escapeHtml(warning.message)}</td></tr>`;
  });
  return `<table id="warnings"><thead><tr><th>Time</th><th>Destination</th><th>Level</th><th class="num">Live / limit</th><th>Top sites</th><th>Message</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>${moreRows(trace.warnings.length, rows.length, 'warnings')}`;
}

/** Resets grouped by destination, code and site: a retrying client produces hundreds of alike rows. */
function resetsHtml(trace: Trace): string {
  if (trace.resets.length === 0) return '<p class="note">No connection was reset shortly after connecting.</p>';
  const groups = new Map<string, { first: TraceReset; last: TraceReset; count: number; diagnosis?: string }>();
  for (const reset of trace.resets) {
    const key = JSON.stringify([reset.destination, reset.code, reset.site ?? '']);
    const group = groups.get(key);
    if (!group) groups.set(key, { first: reset, last: reset, count: 1, ...(reset.diagnosis ? { diagnosis: reset.diagnosis } : {}) });
    else {
      group.count++;
      group.last = reset;
      group.diagnosis ??= reset.diagnosis;
    }
  }
  const rows = [...groups.values()].slice(0, maxEventRows).map(({ first, last, count, diagnosis }) => {
    const when = count === 1 ? seconds(first.t) : `${seconds(first.t)} – ${seconds(last.t)}`;
    const live = `${first.live}${first.limit === undefined ? '' : ` / ${first.limit}`}`;
    return `<tr><td class="num">${escapeHtml(count)}</td><td class="time">${escapeHtml(when)}</td><td><code>${escapeHtml(first.destination)}</code></td><td>${escapeHtml(first.code)}</td><td class="num">${escapeHtml(live)}</td><td class="num">${escapeHtml(first.afterMs)} ms</td><td><code>${escapeHtml(first.site ?? '')}</code></td><td>${escapeHtml(diagnosis ?? '')}</td></tr>`;
  });
  return `<table id="resets"><thead><tr><th class="num">Resets</th><th>Time</th><th>Destination</th><th>Code</th><th class="num">Live / limit at first</th><th class="num">After connect</th><th>Site</th><th>Diagnosis</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>${moreRows(groups.size, rows.length, 'kinds of reset')}`;
}

function openAtExitHtml(trace: Trace): string {
  if (trace.openAtExitTotal === 0) return '<p class="note">Every connection was closed.</p>';
  const bySite = new Map<string, number>();
  for (const open of trace.openAtExit) bySite.set(open.site ?? '(unknown site)', (bySite.get(open.site ?? '(unknown site)') ?? 0) + 1);
  const rows = [...bySite].sort((a, b) => b[1] - a[1]).map(([site, count]) => `<tr><td><code>${escapeHtml(site)}</code></td><td class="num">${escapeHtml(count)}</td></tr>`);
  const listed = trace.openAtExit.length < trace.openAtExitTotal ? ` (${trace.openAtExit.length} of them listed in the trace)` : '';
  return `<p class="note">${escapeHtml(trace.openAtExitTotal)} connections were still open when the trace was written${escapeHtml(listed)}.</p><table><thead><tr><th>Site</th><th class="num">Open</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function processLine(trace: Trace): string {
  const { process: proc } = trace;
  const ended = proc.endReason === 'signal' ? `ended by ${proc.signal ?? 'a signal'}` : proc.endReason === 'uncaught-exception' ? 'ended by an uncaught exception' : `exited with code ${proc.exitCode ?? '?'}`;
  return `<code>${escapeHtml(proc.argv.join(' '))}</code> · pid ${escapeHtml(proc.pid)} · Node ${escapeHtml(proc.node)} · ${escapeHtml(proc.startedAt)} · ran ${escapeHtml(seconds(proc.durationMs))}, ${escapeHtml(ended)} · counted per ${escapeHtml(trace.config.scope)}`;
}

/** The whole page, one string, no external references. */
export function renderReport(trace: Trace): string {
  const model = buildModel(trace);
  const uplotScript = uplotAsset('uPlot.iife.min.js');
  const data = jsonForScript({ charts: model.panels.map((panel) => panel.chart) });
  const troubled = trace.warnings.length > 0 || trace.resets.length > 0 || trace.openAtExitTotal > 0;
  // Only the two inline scripts below may run (by hash); nothing may be fetched from anywhere.
  const policy = `default-src 'none'; script-src ${sha256(uplotScript)} ${sha256(pageScript)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const sites = model.sites.slice(0, maxSiteRows);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>connleak report</title>
<style>${uplotAsset('uPlot.min.css')}</style>
<style>${pageStyle}</style>
</head>
<body>
<main>
<h1>connleak report</h1>
<p class="summary${troubled ? '' : ' ok'}" id="summary">${escapeHtml(model.summary)}</p>
<p class="meta">${processLine(trace)}</p>

<h2>Live connections per destination</h2>
${model.panels.length === 0 ? '<p class="note">No TCP connections were traced.</p>' : model.panels.map(panelHtml).join('\n')}

<h2>Where connections were created</h2>
${
  sites.length === 0
    ? '<p class="note">No creation sites were recorded.</p>'
    : `<table id="sites"><thead><tr><th>Creation site</th><th>Client</th><th class="num">Opened</th><th class="num">Share</th><th class="num">Live at end</th><th>Destinations</th><th>Sample stack</th></tr></thead><tbody>
${sites.map(siteRowHtml).join('\n')}
</tbody></table>${moreRows(model.sites.length, sites.length, 'sites')}`
}

<h2>Limit warnings</h2>
${warningsHtml(trace)}

<h2>Resets after connect</h2>
${resetsHtml(trace)}

<h2>Open when the process ended</h2>
${openAtExitHtml(trace)}
</main>
<script type="application/json" id="connleak-data">${data}</script>
<script>${uplotScript}</script>
<script>${pageScript}</script>
</body>
</html>
`;
}
