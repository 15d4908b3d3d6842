import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { validateTrace } from '../../src/runtime/trace';
import { driverLines, driversDir, freePort, runScript, startSink } from './support';

/**
 * The tracer does not leak. A driver (test/hardening/apps/churn.js) runs under the preload with
 * --expose-gc and reports heapUsed after forced collections. The bounds were measured on this
 * machine first (docs/hardening.md) and carry a margin over what was seen:
 * - 100,000 cycles: heapUsed never rose above its value after 10,000 cycles (the drift from
 *   20,000 to 100,000 was +0.12 MiB, plain node +0.06 MiB); bound 1 MiB.
 * - 10,000 held sockets closed again: +0.58 MiB over the start (plain node +0.46 MiB, Node's own
 *   handle tables); bound 1.5 MiB.
 * The whole file takes about 15 s here, so it runs the full sizes in the default suite.
 */

const cycles = 100_000;
const warmCycles = 10_000;
const MiB = 1024 * 1024;
/** heapUsed after GC may exceed its value after the warm-up by at most this much. */
const churnBound = 1 * MiB;
/** After 10,000 held sockets are closed, heapUsed after GC returns to within this of its start. */
const heldBound = 1.5 * MiB;

/**
 * The most creation sites a trace lists; sockets from further sites are counted under one
 * "other" entry. The same bound as the tracer's other lists (warnings, resets, open sockets).
 */
const siteCap = 1000;
/** Heap the tracer may keep for 5,000 more distinct sites once its site table is full. */
const siteTableGrowthBound = 1 * MiB;

const workDir = mkdtempSync(path.join(tmpdir(), 'connleak-memory-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const churn = path.join(driversDir, 'churn.js');

describe('the tracer does not leak', () => {
  test(`${cycles.toLocaleString('en')} connect/close cycles: heap stays within 1 MiB of its value after ${warmCycles.toLocaleString('en')}`, async () => {
    const port = await freePort();
    const reportFile = path.join(workDir, 'churn.json');
    const result = await runScript(churn, ['cycles', String(cycles), String(warmCycles)], {
      preload: true,
      nodeOptions: ['--expose-gc'],
      // A limit on the destination puts every connect through the costly path (stack capture,
      // threshold checks); the report turns on the timeline and the site table.
      env: { CHURN_PORT: String(port), CONNLEAK_LIMITS: `127.0.0.1:${port}=1000`, CONNLEAK_REPORT: reportFile },
      timeoutMs: 300_000,
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

  test(`creation sites are capped at ${siteCap} plus "other": 5,000 and 10,000 distinct sites cost the same`, async () => {
    const port = await freePort();
    // Extra heap of the preload run over a plain run, each after GC, for `count` distinct sites
    // (generated scripts, each with its own file name, as eval'd or generated code has).
    const extraHeap = async (count: number): Promise<{ extra: number; sites: number; counted: number }> => {
      const heaps: number[] = [];
      let sites = 0;
      let counted = 0;
      for (const preload of [false, true]) {
        const reportFile = path.join(workDir, `sites-${count}.json`);
        const result = await runScript(churn, ['sites', String(count)], {
          preload,
          nodeOptions: ['--expose-gc'],
          env: { CHURN_PORT: String(port), CONNLEAK_LIMITS: `127.0.0.1:${port}=1000`, CONNLEAK_REPORT: reportFile },
          timeoutMs: 120_000,
        });
        assert.equal(result.code, 0, result.stderr);
        const [figures] = driverLines<{ before: number; after: number }>(result.stdout);
        assert.ok(figures, result.stdout);
        heaps.push(figures.after - figures.before);
        if (preload) {
          const trace = validateTrace(JSON.parse(readFileSync(reportFile, 'utf8')));
          sites = trace.sites.length;
          counted = trace.sites.reduce((sum, site) => sum + site.count, 0);
        }
      }
      return { extra: heaps[1]! - heaps[0]!, sites, counted };
    };
    const fewer = await extraHeap(5_000);
    const more = await extraHeap(10_000);
    assert.ok(more.sites <= siteCap + 1, `the trace lists ${more.sites} creation sites`);
    assert.equal(more.counted, 10_000, 'every socket is counted under its site or "other"');
    assert.ok(more.extra - fewer.extra <= siteTableGrowthBound, `5,000 more sites kept ${((more.extra - fewer.extra) / MiB).toFixed(2)} MiB more in the tracer`);
  });

  test('10,000 sockets held open, then closed: the heap returns to within 1.5 MiB', async () => {
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
