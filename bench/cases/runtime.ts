import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchCase, Measurement, Variant } from '../harness';

/**
 * The runtime preload's cost, each case side by side with and without it, as child processes
 * (the way users run it). `ms` is the time the app measured for its own work (the churn, the
 * requests), so Node's start-up does not dilute the ratio; `wallMs` is the whole process,
 * start-up and the preload's loading included.
 *
 *   npm run build && node dist/bench/run.js runtime-churn runtime-churn-limited runtime-http \
 *     runtime-memory runtime-memory-limited runtime-memory-report runtime-churn-why \
 *     runtime-connect-at-100 runtime-connect-at-1000 runtime-connect-at-10000
 */

const repoRoot = path.resolve(__dirname, '../../..');
const appsDir = path.join(repoRoot, 'fixtures/apps');
const registerPath = path.join(repoRoot, 'dist/src/runtime/register.js');

/** Runs `node ...args`, returns the JSON object the app printed last, plus wall time. */
function runApp(args: readonly string[], env: Record<string, string>): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const figures = JSON.parse(line) as Record<string, number>;
      const [first] = Object.values(figures);
      resolve({ ...figures, ms: first!, wallMs });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function variant(label: string, preload: readonly string[], app: string, env: () => Record<string, string>): Variant {
  return { label, run: () => runApp([...preload, path.join(appsDir, app)], env()) };
}

const withPreload = ['-r', registerPath];

/** (a) churn: 20,000 loopback connections opened and closed, one at a time. */
function churnCase(name: string, description: string, limited: boolean): BenchCase {
  let port = 0;
  const env = (): Record<string, string> => ({
    CHURN_COUNT: '20000',
    CHURN_PORT: String(port),
    // The default limit (*:2181=60) does not apply to the churn's port; the limited case puts
    // ZooKeeper's default limit on it, so every socket is a limited destination's socket.
    CONNLEAK_LIMITS: limited ? `*:${port}=60` : '*:2181=60',
  });
  return {
    name,
    description,
    budget: 1.05,
    rounds: 9,
    async setup() {
      port = await freePort();
    },
    baseline: variant('without preload', [], 'runtime-churn.js', env),
    subject: variant('with preload', withPreload, 'runtime-churn.js', env),
  };
}

/** A held-connections server in its own process (the measured app needs its file descriptors). */
function startHoldServer(): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(appsDir, 'runtime-hold-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.stdout!.setEncoding('utf8').once('data', (chunk: string) => resolve({ port: (JSON.parse(chunk) as { port: number }).port, child }));
  });
}

/**
 * Holds `holdCount` sockets open, measures the JS heap they take and the connect+close time at
 * that live count. `limited` puts ZooKeeper's default limit (60) on the destination, so the count
 * is far over it and every socket gets its site captured; `report` adds CONNLEAK_REPORT, where
 * every socket keeps V8's unformatted frames until the report is written.
 */
function holdCase(name: string, description: string, holdCount: number, mode: 'plain' | 'limited' | 'report' = 'plain'): BenchCase {
  let server: { port: number; child: ChildProcess } | undefined;
  const runs: { baseline: Measurement[]; subject: Measurement[] } = { baseline: [], subject: [] };
  const env = (): Record<string, string> => ({
    HOLD_PORT: String(server!.port),
    HOLD_COUNT: String(holdCount),
    CHURN_COUNT: '2000',
    ...(mode !== 'plain' ? { CONNLEAK_LIMITS: `*:${server!.port}=60` } : {}),
    ...(mode === 'report' ? { CONNLEAK_REPORT: path.join(tmpdir(), `connleak-bench-trace-${process.pid}.json`) } : {}),
  });
  const seen = { baseline: 0, subject: 0 };
  const record = (which: 'baseline' | 'subject', inner: Variant): Variant => ({
    label: inner.label,
    run: async () => {
      const measurement = await inner.run();
      // The harness's warm-up run (one per variant) does not count.
      if (seen[which]++ > 0) runs[which].push(measurement);
      return measurement;
    },
  });
  const perConnect = (list: Measurement[]): number => {
    const sorted = list.map((m) => m.perConnectUs!).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return {
    name,
    description,
    rounds: 5,
    warmup: 1,
    async setup() {
      server = await startHoldServer();
    },
    async teardown() {
      server?.child.kill('SIGTERM');
    },
    baseline: record('baseline', variant('without preload', ['--expose-gc'], 'runtime-hold.js', env)),
    subject: record('subject', variant('with preload', ['--expose-gc', ...withPreload], 'runtime-hold.js', env)),
    async extra() {
      const heap = (list: Measurement[]): number => {
        const sorted = list.map((m) => m.heapBytes!).sort((a, b) => a - b);
        return sorted[Math.floor(sorted.length / 2)]!;
      };
      const figures: Record<string, number | string> = {
        liveSockets: holdCount,
        perConnectUsWithout: Number(perConnect(runs.baseline).toFixed(1)),
        perConnectUsWith: Number(perConnect(runs.subject).toFixed(1)),
      };
      if (holdCount >= 10_000) figures.trackerBytesPerSocket = Math.round((heap(runs.subject) - heap(runs.baseline)) / holdCount);
      return figures;
    },
  };
}

export const cases: BenchCase[] = [
  churnCase('runtime-churn', '(a) open+close 20,000 loopback connections to a destination without a limit, with vs without the preload', false),
  churnCase('runtime-churn-limited', '(a) open+close 20,000 loopback connections to a destination with a limit (60), with vs without the preload', true),
  {
    name: 'runtime-http',
    description: '(b) 100,000 HTTP requests over 8 keep-alive sockets, with vs without the preload',
    budget: 1.02,
    rounds: 7,
    baseline: variant('without preload', [], 'runtime-http.js', () => ({ HTTP_COUNT: '100000' })),
    subject: variant('with preload', withPreload, 'runtime-http.js', () => ({ HTTP_COUNT: '100000' })),
  },
  holdCase('runtime-memory', '(c) JS heap per live tracked socket, 10,000 open sockets (target <= 1 KiB)', 10_000),
  holdCase('runtime-memory-limited', '(c) the same, the destination limited to 60 (every socket over it, each with its site)', 10_000, 'limited'),
  holdCase('runtime-memory-report', '(c) the same with CONNLEAK_REPORT (every socket keeps its unformatted stack)', 10_000, 'report'),
  (() => {
    const base = churnCase('runtime-churn-why', '(d) the churn of (a) under why-is-node-running (async_hooks) vs without, for comparison', false);
    return {
      ...base,
      budget: undefined,
      rounds: 5,
      subject: variant('why-is-node-running', ['--import', 'why-is-node-running/include'], 'runtime-churn.js', () => ({ CHURN_COUNT: '20000' })),
    } as BenchCase;
  })(),
  holdCase('runtime-connect-at-100', 'connect+close time with 100 live sockets held, with vs without the preload', 100),
  holdCase('runtime-connect-at-1000', 'connect+close time with 1,000 live sockets held, with vs without the preload', 1_000),
  holdCase('runtime-connect-at-10000', 'connect+close time with 10,000 live sockets held, with vs without the preload', 10_000),
];
