import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { validateTrace } from '../../src/runtime/trace';
import { driverLines, driversDir, freePort, runScript, startSink } from './support';

/**
 * The tracer does not leak. A driver (test/hardening/apps/churn.js) runs under the preload with
 * --expose-gc and reports heapUsed after forced collections; the bounds below were measured on
 * this machine (docs/hardening.md) and carry a margin of several times the observed drift.
 *
 * `npm run test:stress` (HARDENING_SCALE=stress) runs the full 100,000 cycles; the
 * default suite runs 20,000, which already spans two 10,000-cycle windows past the warm-up.
 */

const stress = process.env.HARDENING_SCALE === 'stress';
const cycles = stress ? 100_000 : 20_000;
const warmCycles = 10_000;
const MiB = 1024 * 1024;
/** heapUsed after GC may exceed its value after the warm-up by at most this much. */
const churnBound = 2 * MiB;
/** After 10,000 held sockets are closed, heapUsed after GC returns to within this of its start. */
const heldBound = 2 * MiB;

const workDir = mkdtempSync(path.join(tmpdir(), 'connleak-memory-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const churn = path.join(driversDir, 'churn.js');

describe('the tracer does not leak', () => {
  test(`${cycles.toLocaleString('en')} connect/close cycles: heap stays within 2 MiB of its value after ${warmCycles.toLocaleString('en')}`, async () => {
    const port = await freePort();
    const reportFile = path.join(workDir, 'churn.json');
    const result = await runScript(churn, ['cycles', String(cycles), String(warmCycles)], {
      preload: true,
      nodeOptions: ['--expose-gc'],
      // A limit on the destination puts every connect through the costly path (stack capture,
      // threshold checks); the report turns on the timeline and the site table.
      env: { CHURN_PORT: String(port), CONNLEAK_LIMITS: `127.0.0.1:${port}=1000`, CONNLEAK_REPORT: reportFile },
      timeoutMs: stress ? 300_000 : 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    const points = driverLines<{ cycles: number; heapUsed: number }>(result.stdout);
    const warm = points.find((point) => point.cycles === warmCycles);
    assert.ok(warm, result.stdout);
    assert.equal(points.at(-1)?.cycles, cycles);
    for (const point of points.filter((candidate) => candidate.cycles > warmCycles)) {
      assert.ok(point.heapUsed - warm.heapUsed <= churnBound, `after ${point.cycles} cycles heapUsed grew by ${((point.heapUsed - warm.heapUsed) / MiB).toFixed(2)} MiB since cycle ${warmCycles}`);
    }
    const trace = validateTrace(JSON.parse(readFileSync(reportFile, 'utf8')));
    const destination = trace.destinations.find((entry) => entry.destination === `127.0.0.1:${port}`);
    assert.deepEqual({ opened: destination?.opened, closed: destination?.closed, live: destination?.live }, { opened: cycles, closed: cycles, live: 0 });
    assert.equal(trace.sites.length, 1, 'one creation site, however many sockets it opened');
  });

  test('10,000 sockets held open, then closed: the heap returns to within 2 MiB', async () => {
    const sink = await startSink(['127.0.0.1']);
    try {
      const result = await runScript(churn, ['held', '10000', '127.0.0.1', String(sink.port)], {
        preload: true,
        nodeOptions: ['--expose-gc'],
        fdLimit: 20_000,
        env: { CONNLEAK_LIMITS: `127.0.0.1:${sink.port}=100000`, CONNLEAK_REPORT: path.join(workDir, 'held.json') },
        timeoutMs: 120_000,
      });
      assert.equal(result.code, 0, result.stderr);
      const [figures] = driverLines<{ before: number; open: number; after: number }>(result.stdout);
      assert.ok(figures, result.stdout);
      assert.ok(figures.open - figures.before > 1 * MiB, 'holding 10,000 sockets costs memory: the measurement sees it');
      assert.ok(figures.after - figures.before <= heldBound, `heapUsed is ${((figures.after - figures.before) / MiB).toFixed(2)} MiB above its start after closing`);
    } finally {
      await sink.stop();
    }
  });
});
