import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/**
 * A real Apache ZooKeeper for tests: Debian's `zookeeper` package (3.8), started standalone on a
 * free loopback port with its own zoo.cfg and a throwaway data dir, and always stopped again.
 */

export const zooKeeperJar = '/usr/share/java/zookeeper.jar';
/**
 * The explicit logging binding: a `/usr/share/java/*` classpath also pulls in slf4j-nop, and then
 * the server logs nothing at all (measured here; see DESIGN.md).
 */
export const slf4jSimpleJar = '/usr/share/java/slf4j-simple.jar';
export const installCommand = 'apt-get update && apt-get install -y zookeeper';

const host = '127.0.0.1';
const defaultStartTimeoutMs = 30_000;
const stopGraceMs = 5_000;

/** A known harness failure (java missing, port taken, start timeout); the message says what to do. */
export class ZooKeeperHarnessError extends Error {
  override readonly name = 'ZooKeeperHarnessError';
}

export interface ZooKeeperServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, what node-zookeeper-client's createClient takes. */
  readonly connectString: string;
  readonly maxClientCnxns: number;
  /** The JVM's process id (also its process group: stop() signals the group). */
  readonly pid: number;
  /** The temporary directory holding zoo.cfg and the data dir; removed by stop(). */
  readonly dir: string;
  /** The server's stdout and stderr so far, in arrival order. */
  log(): string;
  /** Resolves with the first log line matching `pattern` (already logged or still to come). */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Kills the JVM (SIGTERM, then SIGKILL) and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Connections one client IP may hold (ZooKeeper's own default is 60). */
  readonly maxClientCnxns: number;
  /** A fixed port; by default a free one is picked. */
  readonly port?: number;
  readonly tickTime?: number;
  readonly startTimeoutMs?: number;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why ZooKeeper cannot run here, or undefined when it can. */
export function zooKeeperMissing(): string | undefined {
  if (!onPath('java')) return 'java is not on PATH';
  if (!readable(zooKeeperJar)) return `${zooKeeperJar} is missing`;
  if (!readable(slf4jSimpleJar)) return `${slf4jSimpleJar} is missing`;
  return undefined;
}

export function zooKeeperAvailable(): boolean {
  return zooKeeperMissing() === undefined;
}

/** True when running under CI (`CI=true`, as GitHub Actions and .ci/run set it). */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

/**
 * Call first in a test that needs ZooKeeper: `if (!requireZooKeeper(t)) return;`. Under CI a
 * missing ZooKeeper fails the test with the install command; locally the test is skipped, loudly.
 */
export function requireZooKeeper(t: TestContext): boolean {
  const missing = zooKeeperMissing();
  if (missing === undefined) return true;
  const message = `ZooKeeper is needed but ${missing}; install it with: ${installCommand}`;
  if (underCi()) assert.fail(`${message} (CI=true: not skipping)`);
  console.error(`\n*** SKIPPED: ${t.name}: ${message} ***\n`);
  t.skip(message);
  return false;
}

/** A port nobody listens on right now, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Sends a four-letter word (`ruok`, `cons`, `stat`) and returns the whole answer. */
export function fourLetterWord(port: number, word: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word}: no answer within ${timeoutMs} ms`)));
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * `ruok` answers `imok` as soon as the port is bound, a few ms before the server takes requests
 * (`stat` still says "not currently serving requests" then): wait for both.
 */
async function isServing(port: number): Promise<boolean> {
  const ruok = await fourLetterWord(port, 'ruok', 500).catch(() => '');
  if (ruok !== 'imok') return false;
  const stat = await fourLetterWord(port, 'stat', 500).catch(() => '');
  return stat.startsWith('Zookeeper version') && !stat.includes('not currently serving');
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the JVM through a small shell watchdog: the shell keeps the read end of a pipe whose write
 * end only this process holds, execs java, and a background loop waits for end-of-file on that
 * pipe. EOF means the test process is gone — however it went, including signals and SIGKILL that
 * skip 'exit' handlers — and the loop then kills the JVM and removes the data dir.
 */
const watchdog = [
  'dir=$1; shift',
  'exec 3<&0',
  '{ while read -r _; do :; done; kill -KILL $$ 2>/dev/null; sleep 0.2; rm -rf -- "$dir"; } <&3 >/dev/null 2>&1 &',
  'exec "$@" </dev/null 3<&-',
].join('\n');

interface Running {
  readonly child: ChildProcess;
  readonly dir: string;
}

const running = new Set<Running>();
let exitHookInstalled = false;

/** Last resort when a test forgot stop() or failed before it: synchronous, as 'exit' requires. */
function killAllSync(): void {
  for (const server of running) {
    try {
      if (server.child.pid !== undefined) process.kill(-server.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(server.dir, { recursive: true, force: true, maxRetries: 3 });
  }
  running.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllSync);
}

function zooCfg(dataDir: string, port: number, options: StartOptions): string {
  return [
    `tickTime=${options.tickTime ?? 2000}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    `clientPortAddress=${host}`,
    `maxClientCnxns=${options.maxClientCnxns}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,cons,stat',
    // Throwaway data: no fsync per transaction, no 64 MB preallocated transaction log.
    'forceSync=no',
    'preAllocSize=1024',
    '',
  ].join('\n');
}

/** Starts one ZooKeeper server; resolves once `ruok` answers `imok` and it serves requests. */
export async function startZooKeeper(options: StartOptions): Promise<ZooKeeperServer> {
  const missing = zooKeeperMissing();
  if (missing !== undefined) {
    throw new ZooKeeperHarnessError(`cannot start ZooKeeper: ${missing}; install it with: ${installCommand}`);
  }
  if (!Number.isInteger(options.maxClientCnxns) || options.maxClientCnxns < 0) {
    throw new ZooKeeperHarnessError(`maxClientCnxns must be a whole number >= 0, got ${options.maxClientCnxns}`);
  }
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && !(await portIsFree(port))) {
    throw new ZooKeeperHarnessError(`cannot start ZooKeeper: port ${host}:${port} is already taken`);
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'connleak-zk-'));
  const dataDir = path.join(dir, 'data');
  const cfgFile = path.join(dir, 'zoo.cfg');
  writeFileSync(cfgFile, zooCfg(dataDir, port, options));

  const javaArgs = [
    // Start fast: C1 only and one GC thread; a test server never runs long enough to need C2.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xmx256m',
    '-cp',
    `${slf4jSimpleJar}:${zooKeeperJar}`,
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    cfgFile,
  ];
  const child = spawn('bash', ['-c', watchdog, 'zookeeper-watchdog', dir, 'java', ...javaArgs], {
    cwd: dir,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const entry: Running = { child, dir };
  running.add(entry);
  installExitHook();
  // Never keep the test process alive for the server's sake: the 'exit' hook stops it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as net.Socket | null)?.unref();

  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: string) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      output += `spawn failed: ${error.message}\n`;
      exited = true;
      resolve();
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const group = child.pid;
      if (!exited && group !== undefined) {
        try {
          process.kill(-group, 'SIGTERM');
        } catch {
          // Exited meanwhile.
        }
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), stopGraceMs)));
        const outcome = await Promise.race([exitedPromise.then(() => 'exited' as const), graceOver]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          try {
            process.kill(-group, 'SIGKILL');
          } catch {
            // Exited meanwhile.
          }
          await exitedPromise;
        }
      }
      child.stdin?.destroy();
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      running.delete(entry);
    })();
    return stopped;
  };

  const waitForLog = (pattern: RegExp, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const line = output.split('\n').find((candidate) => pattern.test(candidate));
        if (line === undefined) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new ZooKeeperHarnessError(`ZooKeeper log has no line matching ${pattern} after ${timeoutMs} ms; last lines:\n${tail(output)}`));
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });

  const deadline = Date.now() + (options.startTimeoutMs ?? defaultStartTimeoutMs);
  for (;;) {
    if (exited) {
      await stop();
      if (/Address already in use|BindException/.test(output)) {
        throw new ZooKeeperHarnessError(`cannot start ZooKeeper: port ${host}:${port} is already taken`);
      }
      throw new ZooKeeperHarnessError(`ZooKeeper exited during startup (exit code ${child.exitCode}); last log lines:\n${tail(output)}`);
    }
    // Our own server's start line too: a port raced away to another ZooKeeper would answer ruok.
    if (/PrepRequestProcessor \(sid:\d+\) started/.test(output) && (await isServing(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new ZooKeeperHarnessError(
        `ZooKeeper on ${host}:${port} did not answer ruok within ${options.startTimeoutMs ?? defaultStartTimeoutMs} ms; last log lines:\n${tail(output)}`,
      );
    }
    await delay(100);
  }

  return {
    host,
    port,
    connectString: `${host}:${port}`,
    maxClientCnxns: options.maxClientCnxns,
    pid: child.pid ?? -1,
    dir,
    log: () => output,
    waitForLog,
    stop,
  };
}

const shared = new Map<number, Promise<ZooKeeperServer>>();

/**
 * One server per `maxClientCnxns` per process (node --test runs each file in its own process), so
 * the suites of a file pay the JVM start once. It is stopped when the process exits; do not stop
 * it from a test.
 */
export function sharedZooKeeper(maxClientCnxns: number): Promise<ZooKeeperServer> {
  let server = shared.get(maxClientCnxns);
  if (server === undefined) {
    server = startZooKeeper({ maxClientCnxns });
    shared.set(maxClientCnxns, server);
    server.catch(() => shared.delete(maxClientCnxns));
  }
  return server;
}
