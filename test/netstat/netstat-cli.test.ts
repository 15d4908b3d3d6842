import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main';
import type { NetstatSnapshot } from '../../src/netstat/format';
import { cliPath } from '../support/paths';
import { captureIo, hasIpv6Loopback, holdConnections, ssCount, type HeldConnections } from './support';

async function netstatJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; snapshot: NetstatSnapshot }> {
  const io = captureIo(env);
  const code = await main(['netstat', '--json', ...args], io);
  assert.equal(io.err, '');
  return { code, snapshot: JSON.parse(io.out) as NetstatSnapshot };
}

describe('connleak netstat against real loopback connections', () => {
  let ipv4: HeldConnections;
  before(async () => {
    ipv4 = await holdConnections('127.0.0.1');
    await ipv4.open(7);
  });
  after(() => ipv4.close());

  test('counts the same live connections as ss, owned by this process', async () => {
    const { code, snapshot } = await netstatJson(['--port', String(ipv4.port)]);
    assert.equal(code, 0);
    assert.equal(ssCount(ipv4.port, 'established'), 7);
    assert.equal(snapshot.destinations.length, 1);
    const [destination] = snapshot.destinations;
    assert.equal(destination!.destination, `127.0.0.1:${ipv4.port}`);
    assert.equal(destination!.live, ssCount(ipv4.port, 'established'));
    assert.deepEqual(destination!.processes.map((p) => [p.pid, p.live]), [[process.pid, 7]]);
    assert.match(destination!.processes[0]!.command, /node/);
    assert.equal(destination!.unownedLive, 0);
    assert.equal(destination!.limit, undefined);
    assert.equal(destination!.status, 'ok');
    assert.match(snapshot.time, /^\d{4}-\d\d-\d\dT/);
  });

  test('names another process that holds connections to the destination', async () => {
    const script = `const net=require('net');let n=0;for(let i=0;i<3;i++)net.connect(${ipv4.port},'127.0.0.1',()=>{if(++n===3)console.log('ready')});process.stdin.on('end',()=>process.exit(0));process.stdin.resume();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`helper exited ${code}`)));
      });
      const { snapshot } = await netstatJson(['--port', String(ipv4.port)]);
      const [destination] = snapshot.destinations;
      assert.equal(destination!.live, ssCount(ipv4.port, 'established'));
      assert.equal(destination!.live, 10);
      assert.deepEqual(destination!.processes.map((p) => [p.pid, p.live]), [
        [process.pid, 7],
        [child.pid, 3],
      ]);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  test('--dest filters by host and port; a name resolves', async () => {
    const exact = await netstatJson(['--dest', `127.0.0.1:${ipv4.port}`]);
    assert.deepEqual(exact.snapshot.destinations.map((d) => [d.destination, d.live]), [[`127.0.0.1:${ipv4.port}`, 7]]);
    const named = await netstatJson(['--dest', `localhost:${ipv4.port}`]);
    assert.deepEqual(named.snapshot.destinations.map((d) => d.live), [7]);
    const otherHost = await netstatJson(['--dest', `127.0.0.2:${ipv4.port}`]);
    assert.deepEqual(otherHost.snapshot.destinations, []);
  });

  test('--fail exits 1 at the warn threshold and 0 below it; --limit overrides CONNLEAK_LIMITS', async () => {
    const port = String(ipv4.port);
    // 7 live, limit 8: the threshold is ceil(8 * 0.8) = 7.
    const near = await netstatJson(['--port', port, '--fail'], { CONNLEAK_LIMITS: `127.0.0.1:${port}=8` });
    assert.equal(near.code, 1);
    assert.equal(near.snapshot.destinations[0]!.status, 'near');
    assert.deepEqual(near.snapshot.destinations[0]!.limit, { max: 8, warnThreshold: 7, rule: `127.0.0.1:${port}=8` });
    const atLimit = await netstatJson(['--port', port, '--fail', '--limit', `*:${port}=7`], { CONNLEAK_LIMITS: `*:${port}=1000` });
    assert.equal(atLimit.code, 1);
    assert.equal(atLimit.snapshot.destinations[0]!.status, 'limit');
    assert.equal(atLimit.snapshot.destinations[0]!.share, 1);
    const below = await netstatJson(['--port', port, '--fail'], { CONNLEAK_LIMITS: `*:${port}=100`, CONNLEAK_WARN_AT: '0.5' });
    assert.equal(below.code, 0);
    assert.equal(below.snapshot.destinations[0]!.limit!.warnThreshold, 50);
    // Without --fail, being near the limit is reported but is not a failure.
    assert.equal((await netstatJson(['--port', port], { CONNLEAK_LIMITS: `*:${port}=7` })).code, 0);
  });

  test('prints a table with the destination, counts, limit and owning pid', async () => {
    const io = captureIo({ CONNLEAK_LIMITS: `*:${ipv4.port}=8` });
    assert.equal(await main(['netstat', '--port', String(ipv4.port)], io), 0);
    const lines = io.out.split('\n');
    assert.match(lines[0]!, /^connleak netstat: 7 live client connections to 1 destination/);
    assert.match(lines[2]!, /^DESTINATION +LIVE +LIMIT +% LIMIT +STATUS +OTHER STATES +PROCESSES/);
    const row = lines.find((line) => line.startsWith(`127.0.0.1:${ipv4.port} `));
    assert.ok(row, io.out);
    assert.match(row!, new RegExp(`^127\\.0\\.0\\.1:${ipv4.port} +7 +8 +88% +NEAR LIMIT +(TIME_WAIT \\d+ +)?${process.pid} node`));
    assert.match(io.out, new RegExp(`127\\.0\\.0\\.1:${ipv4.port}: 7 live of limit 8, warn threshold 7, limit rule \\*:${ipv4.port}=8`));
  });

  test('--watch redraws the table in place on a terminal until SIGINT', async () => {
    const io = captureIo({ CONNLEAK_LIMITS: `*:${ipv4.port}=7` });
    const terminal = {
      ...io,
      stdoutIsTty: true,
      stdout(text: string) {
        io.stdout(text);
        // Two frames drawn: interrupt as a person at the terminal would.
        if (io.out.split('\x1b[H\x1b[2J').length === 3) process.emit('SIGINT');
      },
    };
    assert.equal(await main(['netstat', '--watch', '0.1', '--port', String(ipv4.port), '--fail'], terminal), 1);
    const frames = io.out.split('\x1b[H\x1b[2J');
    assert.equal(frames[0], '');
    assert.equal(frames.length, 3);
    for (const frame of frames.slice(1)) assert.match(frame, new RegExp(`^connleak netstat: 7 live[^]*\\n127\\.0\\.0\\.1:${ipv4.port} +7 +7 +100% +AT LIMIT`));
    assert.equal(process.listenerCount('SIGINT'), 0);
  });

  test('--watch prints one JSON line per sample when not on a terminal and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [cliPath, 'netstat', '--watch', '0.2', '--port', String(ipv4.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CONNLEAK_LIMITS: '' },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 2) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    assert.equal(await exited, 0, err);
    const samples = out.trim().split('\n').map((line) => JSON.parse(line) as NetstatSnapshot);
    assert.ok(samples.length >= 2);
    for (const sample of samples) assert.deepEqual(sample.destinations.map((d) => d.live), [7]);
  });
});

describe('connleak netstat over IPv6 and IPv4-mapped addresses', () => {
  test('counts ::1 connections as ss does, and a v4 client of a dual-stack server under its IPv4 address', async () => {
    const dualStack = await holdConnections('::');
    try {
      await dualStack.open(2, '127.0.0.1');
      const ipv6 = await hasIpv6Loopback();
      if (ipv6) await dualStack.open(3, '::1');
      const { snapshot } = await netstatJson(['--port', String(dualStack.port)]);
      const byDestination = Object.fromEntries(snapshot.destinations.map((d) => [d.destination, d.live]));
      const expected: Record<string, number> = { [`127.0.0.1:${dualStack.port}`]: 2 };
      if (ipv6) expected[`[::1]:${dualStack.port}`] = 3;
      assert.deepEqual(byDestination, expected);
      assert.equal(ssCount(dualStack.port, 'established'), ipv6 ? 5 : 2);
      if (ipv6) {
        const only6 = await netstatJson(['--dest', `[::1]:${dualStack.port}`]);
        assert.deepEqual(only6.snapshot.destinations.map((d) => [d.destination, d.live, d.processes[0]!.pid]), [[`[::1]:${dualStack.port}`, 3, process.pid]]);
      }
    } finally {
      await dualStack.close();
    }
  });
});

describe('connleak netstat usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /^connleak: Unknown option '--bogus'/],
    [['--port', 'abc'], /^connleak: --port: "abc" is not a port between 1 and 65535\n$/],
    [['--port', '70000'], /--port: "70000"/],
    [['--dest', 'no-port'], /^connleak: --dest: "no-port" is not HOST:PORT/],
    [['--watch', '0'], /^connleak: --watch: "0" is not a number of seconds/],
    [['--limit', 'abc'], /^connleak: --limit: "abc" is not HOST:PORT=MAX/],
    [['stray'], /^connleak: Unexpected argument 'stray'/],
  ];
  for (const [args, message] of cases) {
    test(`${args.join(' ')} exits 2 with one line`, async () => {
      const io = captureIo();
      assert.equal(await main(['netstat', ...args], io), 2);
      assert.match(io.err, message);
      assert.equal(io.err.trim().split('\n').length, 1);
      assert.equal(io.out, '');
    });
  }

  test('a bad CONNLEAK_LIMITS exits 2', async () => {
    const io = captureIo({ CONNLEAK_LIMITS: '*:2181' });
    assert.equal(await main(['netstat'], io), 2);
    assert.match(io.err, /^connleak: CONNLEAK_LIMITS: "\*:2181" is not HOST:PORT=MAX/);
  });

  test('without /proc/net/tcp: one line, exit 2', async () => {
    const io = captureIo({ CONNLEAK_PROC_ROOT: '/nonexistent-proc' });
    assert.equal(await main(['netstat'], io), 2);
    assert.equal(io.err, 'connleak: /nonexistent-proc/net/tcp does not exist: connleak netstat reads the Linux kernel\'s socket tables and needs /proc\n');
  });
});
