/**
 * The script the report page runs: draws one uPlot chart per destination from the JSON data block.
 * Plain ES5-level browser JavaScript in a string, because the compiled project has no DOM types.
 * It reads the data with JSON.parse and hands uPlot numbers only; uPlot writes labels with
 * textContent. No text from the trace reaches innerHTML.
 */
export const pageScript = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('connleak-data').textContent);
  var colors = { live: '#1f6fb4', max: 'rgba(31,111,180,0.35)', limit: '#c62828', threshold: '#ef8c00', warning: '#ef8c00', reset: '#6a1b9a' };
  function constant(x, value) { return x.map(function () { return value; }); }
  function points(color, shape) {
    return { show: true, size: shape === 'reset' ? 7 : 11, stroke: color, fill: shape === 'reset' ? color : '#fff', width: 2 };
  }
  data.charts.forEach(function (chart) {
    var target = document.getElementById(chart.id);
    if (!target) return;
    var stepped = uPlot.paths.stepped({ align: 1 });
    var series = [
      { label: 'seconds' },
      { label: 'live', stroke: colors.live, width: 2, fill: 'rgba(31,111,180,0.10)', spanGaps: true, paths: stepped },
      { label: 'peak in interval', stroke: colors.max, width: 1, dash: [2, 3], spanGaps: true, paths: stepped, points: { show: false } },
    ];
    var values = [chart.x, chart.live, chart.max];
    if (chart.limit !== undefined) {
      series.push({ label: 'limit', stroke: colors.limit, width: 2, points: { show: false } });
      values.push(constant(chart.x, chart.limit));
      series.push({ label: 'warn threshold', stroke: colors.threshold, width: 1.5, dash: [8, 5], points: { show: false } });
      values.push(constant(chart.x, chart.threshold));
    }
    series.push({ label: 'warning', stroke: colors.warning, paths: function () { return null; }, points: points(colors.warning, 'warning') });
    values.push(chart.warnings);
    series.push({ label: 'reset', stroke: colors.reset, paths: function () { return null; }, points: points(colors.reset, 'reset') });
    values.push(chart.resets);
    var width = Math.max(320, Math.min(target.clientWidth || 900, 1100));
    new uPlot({
      width: width,
      height: 260,
      scales: { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(max, chart.limit || 0) * 1.1 + 1]; } } },
      axes: [{ label: 'seconds since start' }, { label: 'connections' }],
      legend: { live: true },
      series: series,
    }, values, target);
  });
  document.documentElement.setAttribute('data-charts-drawn', String(data.charts.length));
})();`;
