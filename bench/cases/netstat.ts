import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { median, timeCommand, type BenchCase, type Measurement } from '../harness';

/**
 * `connleak netstat --port P` on a host holding 10,000 live loopback sockets (5,000 connections,
 * both ends in one helper process), against iproute2's `ss` giving the same answer:
 * - `netstat`: the count per destination, against `ss -Htn dport = :P` (netlink, filtered in
 *   the kernel: the cheapest way Linux offers);
 * - `netstat-owners`: with the owning processes, against `ss -Htnp dport = :P`, which is the
 *   whole of what `connleak netstat` prints (count, states and pid/command per connection).
 */

const connections = 5000;
const cliPath = path.resolve(__dirname, '../../src/cli/main.js');

// The helper opens its connections in batches (a burst of 5,000 connects would overflow the
// listen backlog and stall on SYN retries), waits until the server accepted them all, prints the
// port and holds everything until its stdin closes.
const holderScript = `
const net = require('net');
const total = Number(process.argv[1]);
let accepted = 0;
const server = net.createServer((socket) => { accepted++; socket.on('error', () => {}); });
server.listen(0, '127.0.0.1', 4096, async () => {
  const port = server.address().port;
  const held = [];
  for (let opened = 0; opened < total; ) {
    const batch = Math.min(200, total - opened);
    await Promise.all(Array.from({ length: batch }, () => new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', resolve);
      socket.once('error', reject);
      held.push(socket);
    })));
    opened += batch;
  }
  while (accepted < total) await new Promise((resolve) => setTimeout(resolve, 10));
  process.stdout.write(port + '\\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

interface Holder {
  child: ChildProcess;
  port: number;
}

async function startHolder(): Promise<Holder> {
  // Raise the soft descriptor limit to the hard one: 10,000 sockets need more than the common 1,024.
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" -e "$1" "$2"', process.execPath, holderScript, String(connections)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`socket holder exited ${code} (is the descriptor limit, ulimit -Hn, at least ${2 * connections + 100}?)`)));
  });
  return { child, port };
}

async function stopHolder(holder: Holder | undefined): Promise<void> {
  if (!holder || holder.child.exitCode !== null) return;
  const exited = new Promise((resolve) => holder.child.once('exit', resolve));
  holder.child.stdin!.end();
  const timer = setTimeout(() => holder.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function ssLines(args: string[]): number {
  return execFileSync('ss', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter((line) => line.trim() !== '').length;
}

/**
 * Checks that both tools see the same connections before timing them. Neither reads the kernel's
 * tables atomically, so on a host churning sockets one look may miss or repeat one: three tries.
 */
function assertSameAnswer(port: number, ssArgs: string[]): void {
  for (let attempt = 1; ; attempt++) {
    try {
      compareAnswers(port, ssArgs);
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

function compareAnswers(port: number, ssArgs: string[]): void {
  const snapshot = JSON.parse(execFileSync(process.execPath, [cliPath, 'netstat', '--json', '--port', String(port)], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    destinations: Array<{ live: number; processes: Array<{ live: number }> }>;
  };
  const live = snapshot.destinations.reduce((sum, destination) => sum + destination.live, 0);
  const owned = snapshot.destinations.reduce((sum, destination) => sum + destination.processes.reduce((s, p) => s + p.live, 0), 0);
  const ss = ssLines(ssArgs);
  if (live !== connections || ss !== connections || owned !== connections) {
    throw new Error(`netstat saw ${live} live (${owned} with an owner), ss ${ss}; expected ${connections}`);
  }
}

async function nodeStartupMs(): Promise<number> {
  const runs: Measurement[] = [];
  for (let i = 0; i < 5; i++) runs.push(await timeCommand(process.execPath, ['-e', '0']));
  return median(runs.map((run) => run.ms));
}

function netstatCase(name: string, withOwners: boolean): BenchCase {
  let holder: Holder | undefined;
  const ssArgs = (): string[] => [withOwners ? '-Htnp' : '-Htn', 'dport', '=', `:${holder!.port}`];
  return {
    name,
    description: `connleak netstat --port P with ${2 * connections} live loopback sockets vs ss ${withOwners ? '-Htnp' : '-Htn'} dport = :P`,
    budget: 2.0,
    rounds: 9,
    warmup: 1,
    async setup() {
      holder = await startHolder();
      assertSameAnswer(holder.port, ssArgs());
    },
    async teardown() {
      await stopHolder(holder);
    },
    baseline: { label: `ss ${withOwners ? '-Htnp' : '-Htn'}`, run: () => timeCommand('ss', ssArgs()) },
    subject: { label: 'connleak netstat', run: () => timeCommand(process.execPath, [cliPath, 'netstat', '--port', String(holder!.port)]) },
    async extra() {
      return { liveSockets: 2 * connections, nodeStartupMs: Number((await nodeStartupMs()).toFixed(1)) };
    },
  };
}

export const cases: BenchCase[] = [netstatCase('netstat', false), netstatCase('netstat-owners', true)];
