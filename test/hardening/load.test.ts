import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { validateTrace, type Trace, type TraceWarning } from '../../src/runtime/trace';
import { connleakLines, driverLines, driversDir, runScript, startSink } from './support';

/**
 * Load: many sockets at once, under the preload. The warnings must stay exact: the right
 * destinations, at the right counts, once each. Per-connect cost at 100 / 1,000 / 10,000 live
 * sockets is a benchmark (bench/cases/load.ts), not a test: no timed assertions here.
 *
 * The driver runs under `ulimit -n 20000` (10,000 client sockets), the sink server in a process
 * of its own, so neither side's descriptors count against the other.
 */

const workDir = mkdtempSync(path.join(tmpdir(), 'connleak-load-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const openMany = path.join(driversDir, 'open-many.js');

async function openUnderPreload(hosts: readonly string[], port: number, perHost: number, limits: string): Promise<{ trace: Trace; connleak: string[] }> {
  const reportFile = path.join(workDir, `load-${hosts.length}x${perHost}.json`);
  const result = await runScript(openMany, [hosts.join(','), String(port), String(perHost)], {
    preload: true,
    fdLimit: 20_000,
    env: { CONNLEAK_LIMITS: limits, CONNLEAK_REPORT: reportFile },
    timeoutMs: 120_000,
  });
  assert.equal(result.timedOut, false, 'the load driver timed out');
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(driverLines(result.stdout), [{ open: hosts.length * perHost }, { closed: hosts.length * perHost }]);
  return { trace: validateTrace(JSON.parse(readFileSync(reportFile, 'utf8'))), connleak: connleakLines(result.stderr) };
}

function levels(warnings: readonly TraceWarning[]): string[] {
  return warnings.map((warning) => `${warning.destination} ${warning.level} ${warning.live}/${warning.limit}`).sort();
}

/** 1,000 loopback addresses, 127.0.1.1 … 127.0.4.250 (all of 127.0.0.0/8 is loopback on Linux). */
function loopbackHosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);
}

describe('warnings stay exact under load', () => {
  test('10,000 sockets open at once to one destination: one warning at 8,000, one at 10,000', async () => {
    const sink = await startSink(['127.0.0.1']);
    try {
      const { trace, connleak } = await openUnderPreload(['127.0.0.1'], sink.port, 10_000, `127.0.0.1:${sink.port}=10000`);
      const key = `127.0.0.1:${sink.port}`;
      assert.deepEqual(levels(trace.warnings), [`${key} limit 10000/10000`, `${key} threshold 8000/10000`]);
      assert.equal(connleak.filter((line) => line.includes(key)).length, 2, connleak.join('\n'));
      const destination = trace.destinations.find((entry) => entry.destination === key);
      assert.ok(destination, `no ${key} in the trace`);
      assert.deepEqual({ opened: destination.opened, closed: destination.closed, peak: destination.peak, live: destination.live }, { opened: 10_000, closed: 10_000, peak: 10_000, live: 0 });
    } finally {
      await sink.stop();
    }
  });

  test('1,000 destinations with 10 sockets each: exactly the limited ones warn, at their counts', async () => {
    const hosts = loopbackHosts(1000);
    const sink = await startSink(hosts);
    try {
      const port = sink.port;
      // Hosts 0-99: limit 10, so a warning at 8 (0.8 of it) and one at 10. Hosts 100-199: limit
      // 12, so one warning at 10 (ceil 9.6) and none at the limit. Every other host falls under
      // the wildcard limit 20, whose threshold (16) 10 sockets never reach.
      const limits = [
        `*:${port}=20`,
        ...hosts.slice(0, 100).map((host) => `${host}:${port}=10`),
        ...hosts.slice(100, 200).map((host) => `${host}:${port}=12`),
      ].join(',');
      const { trace, connleak } = await openUnderPreload(hosts, port, 10, limits);
      const expected = [
        ...hosts.slice(0, 100).flatMap((host) => [`${host}:${port} threshold 8/10`, `${host}:${port} limit 10/10`]),
        ...hosts.slice(100, 200).map((host) => `${host}:${port} threshold 10/12`),
      ].sort();
      assert.deepEqual(levels(trace.warnings), expected);
      assert.equal(connleak.length, 300, 'one stderr line per warning, nothing else');
      assert.equal(trace.destinations.filter((entry) => entry.port === port).length, 1000);
      for (const entry of trace.destinations.filter((candidate) => candidate.port === port)) {
        assert.deepEqual({ destination: entry.destination, opened: entry.opened, peak: entry.peak, live: entry.live }, { destination: entry.destination, opened: 10, peak: 10, live: 0 });
      }
    } finally {
      await sink.stop();
    }
  });
});
