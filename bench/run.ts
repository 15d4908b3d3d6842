/**
 * `npm run bench [-- NAME…] [--json FILE]`: runs the benchmark cases in bench/cases/ (all, or the
 * named ones), prints each case's ratio against its baseline and whether it is within the issue's
 * budget, and optionally writes every figure as JSON.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCase, type BenchCase, type CaseResult } from './harness';

function loadCases(): BenchCase[] {
  const directory = path.join(__dirname, 'cases');
  return readdirSync(directory)
    .filter((file) => file.endsWith('.js'))
    .sort()
    .flatMap((file) => {
      const loaded = require(path.join(directory, file)) as { cases?: BenchCase[] };
      return loaded.cases ?? [];
    });
}

function format(result: CaseResult): string {
  const ratios = Object.entries(result.ratios)
    .map(([metric, ratio]) => `${metric} ${ratio.toFixed(3)}${metric === 'ms' && result.budget ? ` (budget ${result.budget})` : result.metricBudgets?.[metric] ? ` (budget ${result.metricBudgets[metric]})` : ''}`)
    .join(', ');
  const extra = result.extra ? `\n    ${Object.entries(result.extra).map(([key, value]) => `${key}: ${value}`).join(', ')}` : '';
  return `${result.withinBudget ? 'ok  ' : 'OVER'} ${result.name}: ${result.subject.label} ${result.subject.medianMs.toFixed(1)} ms vs ${result.baseline.label} ${result.baseline.medianMs.toFixed(1)} ms; ratio ${ratios}${extra}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'string' }, list: { type: 'boolean' } } });
  const all = loadCases();
  if (values.list) {
    for (const benchCase of all) console.log(`${benchCase.name}: ${benchCase.description}`);
    return 0;
  }
  const unknown = positionals.filter((name) => !all.some((benchCase) => benchCase.name === name));
  if (unknown.length > 0) {
    console.error(`bench: unknown case ${unknown.join(', ')} (npm run bench -- --list)`);
    return 2;
  }
  const selected = positionals.length === 0 ? all : all.filter((benchCase) => positionals.includes(benchCase.name));
  const results: CaseResult[] = [];
  for (const benchCase of selected) {
    console.log(`${benchCase.name}: ${benchCase.description}`);
    const result = await runCase(benchCase, (line) => console.log(line));
    results.push(result);
    console.log(format(result));
  }
  console.log('\nSummary (median of per-round ratios, subject / baseline, measured side by side):');
  for (const result of results) console.log(format(result));
  if (values.json) writeFileSync(values.json, JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2) + '\n');
  return results.every((result) => result.withinBudget) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
