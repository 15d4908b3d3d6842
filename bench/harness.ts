import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The benchmark harness. Every case compares a subject with its baseline side by side in one
 * run: the two variants alternate round by round (so a noisy neighbour hits both alike), and the
 * reported ratio is the median of the per-round ratios.
 */

/** What one run of a variant measured. `ms` is wall time; other numbers are extra metrics. */
export interface Measurement {
  readonly ms: number;
  readonly [metric: string]: number;
}

export interface Variant {
  readonly label: string;
  run(): Promise<Measurement>;
}

export interface BenchCase {
  /** Short id, used to select cases: `npm run bench -- runtime-churn`. */
  readonly name: string;
  /** One line: what is measured, against what. */
  readonly description: string;
  /** The ceiling for subject/baseline wall time (for example 1.05). */
  readonly budget?: number;
  /** Ceilings for other metrics' ratios, by metric name (for example `{ rssKb: 1.5 }`). */
  readonly metricBudgets?: Readonly<Record<string, number>>;
  readonly rounds?: number;
  /** Runs not counted, to warm caches and JIT. */
  readonly warmup?: number;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  readonly baseline: Variant;
  readonly subject: Variant;
  /** Extra absolute figures a case wants in the report (for example bytes per live socket). */
  extra?(): Promise<Record<string, number | string>>;
}

export interface CaseResult {
  readonly name: string;
  readonly description: string;
  readonly rounds: number;
  readonly baseline: { readonly label: string; readonly medianMs: number; readonly runs: readonly Measurement[] };
  readonly subject: { readonly label: string; readonly medianMs: number; readonly runs: readonly Measurement[] };
  /** Median of per-round subject/baseline ratios, per metric (`ms` always). */
  readonly ratios: Readonly<Record<string, number>>;
  readonly budget?: number;
  readonly metricBudgets?: Readonly<Record<string, number>>;
  readonly withinBudget: boolean;
  readonly extra?: Record<string, number | string>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function runCase(benchCase: BenchCase, log: (line: string) => void): Promise<CaseResult> {
  const rounds = benchCase.rounds ?? 7;
  await benchCase.setup?.();
  try {
    for (let i = 0; i < (benchCase.warmup ?? 1); i++) {
      await benchCase.baseline.run();
      await benchCase.subject.run();
    }
    const baselineRuns: Measurement[] = [];
    const subjectRuns: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which variant goes first, so neither always runs on a warmer machine.
      const order = round % 2 === 0 ? [benchCase.baseline, benchCase.subject] : [benchCase.subject, benchCase.baseline];
      for (const variant of order) {
        const measurement = await variant.run();
        (variant === benchCase.baseline ? baselineRuns : subjectRuns).push(measurement);
      }
      log(`  round ${round + 1}/${rounds}: ${benchCase.baseline.label} ${baselineRuns.at(-1)!.ms.toFixed(1)} ms, ${benchCase.subject.label} ${subjectRuns.at(-1)!.ms.toFixed(1)} ms`);
    }
    const metrics = Object.keys(baselineRuns[0]!).filter((key) => typeof subjectRuns[0]![key] === 'number');
    const ratios: Record<string, number> = {};
    for (const metric of metrics) {
      ratios[metric] = median(baselineRuns.map((base, i) => subjectRuns[i]![metric]! / base[metric]!));
    }
    const withinBudget =
      (benchCase.budget === undefined || ratios.ms! <= benchCase.budget) &&
      Object.entries(benchCase.metricBudgets ?? {}).every(([metric, ceiling]) => (ratios[metric] ?? Infinity) <= ceiling);
    const extra = await benchCase.extra?.();
    return {
      name: benchCase.name,
      description: benchCase.description,
      rounds,
      baseline: { label: benchCase.baseline.label, medianMs: median(baselineRuns.map((m) => m.ms)), runs: baselineRuns },
      subject: { label: benchCase.subject.label, medianMs: median(subjectRuns.map((m) => m.ms)), runs: subjectRuns },
      ratios,
      ...(benchCase.budget === undefined ? {} : { budget: benchCase.budget }),
      ...(benchCase.metricBudgets ? { metricBudgets: benchCase.metricBudgets } : {}),
      withinBudget,
      ...(extra ? { extra } : {}),
    };
  } finally {
    await benchCase.teardown?.();
  }
}

/**
 * Runs a command to completion and measures its wall time and, through GNU time's `%M`
 * (/usr/bin/time, Debian package `time`) when it is installed, its peak resident set in KiB
 * (`rssKb`). Rejects when the command fails.
 */
export function timeCommand(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measurement> {
  const gnuTime = existsSync('/usr/bin/time');
  const rssFile = path.join(tmpdir(), `connleak-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [file, argv] = gnuTime ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 65536) stderr = stderr.slice(-32768);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      let rssKb: number | undefined;
      if (gnuTime) {
        rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
        rmSync(rssFile, { force: true });
      }
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(rssKb === undefined || Number.isNaN(rssKb) ? { ms } : { ms, rssKb });
    });
  });
}
