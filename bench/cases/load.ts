import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { median, type BenchCase, type Measurement } from '../harness';

/**
 * Per-connect cost under load: the time of one loopback connect/close while 100, 1,000 and
 * 10,000 other sockets to the same destination are held open, with and without the preload. The
 * tracer's per-connect work (a record, a Set entry, a stack capture for a limited destination)
 * must not grow with the number of live sockets, so the subject/baseline ratio at 10,000 should
 * match the one at 100.
 *
 * This file is also the child that measures: `node dist/bench/cases/load.js drive HOST PORT`.
 */

const levels = [100, 1_000, 10_000] as const;
/** Connect/close cycles timed at each level (sequential: one connect at a time). */
const cyclesPerLevel = 2_000;
const warmupCycles = 3_000;
const settleMs = 500;
/** Connects in flight at once while filling up to a level, so the accept queue never overflows. */
const fillWave = 500;

const repoRoot = path.resolve(__dirname, '../../..');
const registerPath = path.join(repoRoot, 'dist/src/runtime/register.js');
const sinkServer = path.join(repoRoot, 'test/hardening/apps/sink-server.js');

function openSocket(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

function connectAndClose(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.once('error', reject);
    socket.once('connect', () => socket.destroy());
    socket.once('close', () => resolve());
  });
}

async function timeCycles(port: number, host: string): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < cyclesPerLevel; i++) await connectAndClose(port, host);
  return Number(process.hrtime.bigint() - start) / 1e3 / cyclesPerLevel;
}

/**
 * The child: prints `{"us100":…,"us1000":…,"us10000":…}`. Loopback connects here keep getting
 * faster for the first several thousand (288 µs, then 65, 44, 29 µs per 2,000 in one measured
 * run), so after a warm-up the levels are measured going up (100, 1,000, 10,000) and again
 * going down (1,000, 100), and each level's figure is the mean of its two passes: a drift over
 * time then weighs on every level alike instead of on the first one.
 */
async function drive(host: string, port: number): Promise<void> {
  const held: net.Socket[] = [];
  const samples = new Map<number, number[]>(levels.map((level) => [level, []]));
  for (let i = 0; i < warmupCycles; i++) await connectAndClose(port, host);
  const passes = [...levels, ...levels.slice(0, -1).reverse()];
  for (const level of passes) {
    while (held.length < level) {
      const wave = Math.min(fillWave, level - held.length);
      held.push(...(await Promise.all(Array.from({ length: wave }, () => openSocket(port, host)))));
    }
    await Promise.all(held.splice(level).map((socket) => new Promise((resolve) => socket.once('close', resolve).destroy())));
    // Let the sink server and the kernel finish with the burst of opens or closes: timed
    // cycles right after closing 9,000 sockets ran 5-8 times slower, at every level.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    samples.get(level)!.push(await timeCycles(port, host));
  }
  const figures: Record<string, number> = {};
  for (const [level, values] of samples) figures[`us${level}`] = values.reduce((sum, value) => sum + value, 0) / values.length;
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  for (const socket of held) socket.destroy();
}

let sink: ChildProcess | undefined;
let sinkPort = 0;

function startSink(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'ulimit -n 20000 && exec "$0" "$@"', process.execPath, sinkServer, '127.0.0.1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    sink = child;
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sink-server exited with ${code} before it was ready`)));
    child.stdout!.setEncoding('utf8').once('data', (line: string) => {
      sinkPort = (JSON.parse(line.split('\n')[0]!) as { port: number }).port;
      resolve();
    });
  });
}

function stopSink(): Promise<void> {
  const child = sink;
  if (child === undefined || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
}

function runDriver(preload: boolean): Promise<Measurement> {
  const args = [...(preload ? ['-r', registerPath] : []), __filename, 'drive', '127.0.0.1', String(sinkPort)];
  // A limit on the destination, far above what is opened: the preload takes its limited path
  // (stack capture per connect, threshold checks) but never warns.
  const env: NodeJS.ProcessEnv = { ...process.env, CONNLEAK_LIMITS: `127.0.0.1:${sinkPort}=1000000` };
  delete env.CONNLEAK_REPORT;
  delete env.CONNLEAK_FAIL;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'ulimit -n 20000 && exec "$0" "$@"', process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`load driver exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const figures = JSON.parse(stdout.trim().split('\n')[0]!) as Record<string, number>;
      // `ms`: one timed pass at each level, together.
      const ms = levels.reduce((sum, level) => sum + (figures[`us${level}`]! * cyclesPerLevel) / 1e3, 0);
      resolve({ ms, ...figures });
    });
  });
}

const baselineRuns: Measurement[] = [];
const subjectRuns: Measurement[] = [];

function recorded(into: Measurement[], preload: boolean): () => Promise<Measurement> {
  return async () => {
    const measurement = await runDriver(preload);
    into.push(measurement);
    return measurement;
  };
}

export const cases: BenchCase[] = [
  {
    name: 'load',
    description: `per-connect time with 100 / 1,000 / 10,000 live sockets to the destination, ${cyclesPerLevel} connect/close cycles each, -r connleak/register vs plain node`,
    rounds: 7,
    warmup: 1,
    setup: startSink,
    teardown: stopSink,
    baseline: { label: 'node', run: recorded(baselineRuns, false) },
    subject: { label: 'node -r connleak/register', run: recorded(subjectRuns, true) },
    async extra() {
      // The warm-up runs are recorded too; the figures use the counted rounds only.
      const counted = (runs: Measurement[]) => runs.slice(1);
      const figures: Record<string, number | string> = {};
      for (const level of levels) {
        const key = `us${level}`;
        figures[`node µs/connect @${level}`] = Number(median(counted(baselineRuns).map((run) => run[key]!)).toFixed(1));
        figures[`preload µs/connect @${level}`] = Number(median(counted(subjectRuns).map((run) => run[key]!)).toFixed(1));
      }
      const growth = (runs: Measurement[]) => median(counted(runs).map((run) => run.us10000! / run.us100!));
      figures['node growth @10000/@100'] = Number(growth(baselineRuns).toFixed(3));
      figures['preload growth @10000/@100'] = Number(growth(subjectRuns).toFixed(3));
      return figures;
    },
  },
];

if (require.main === module && process.argv[2] === 'drive') {
  drive(process.argv[3]!, Number(process.argv[4])).catch((error: unknown) => {
    process.stderr.write(`load driver: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
