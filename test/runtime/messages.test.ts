import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLimits } from '../../src/runtime/config';
import { formatGrowth, formatReset, formatWarning, growthOf } from '../../src/runtime/messages';
import { internSite } from '../../src/runtime/sites';

/** The lines users read: exact text for the cases that matter. */

const [zooKeeperLimit] = parseLimits('*:2181=60');
const site = internSite('src/zk.js:14:22', ['makeClient (src/zk.js:14:22)']);

function history(points: Array<[number, number]>) {
  const historyT = new Float64Array(40);
  const historyLive = new Int32Array(40);
  points.forEach(([t, live], i) => {
    historyT[i] = t;
    historyLive[i] = live;
  });
  return { limit: zooKeeperLimit, historyT, historyLive, historyCount: points.length };
}

describe('growth', () => {
  test('a steady leak: rate and time to the limit', () => {
    const growth = growthOf(history([[0, 36], [1000, 40], [2000, 44]]), 48, 3000);
    assert.equal(formatGrowth(growth), '+4/s, limit in ~3 s');
  });

  test('a burst inside one tick is a count, not a rate', () => {
    assert.equal(formatGrowth(growthOf(history([[10, 1]]), 48, 12)), '+47 in 2 ms');
  });

  test('no growth, or counts older than the window: nothing to say', () => {
    assert.equal(formatGrowth(growthOf(history([[0, 50]]), 48, 1000)), '');
    assert.equal(formatGrowth(growthOf(history([[0, 1]]), 48, 60_000)), '');
  });
});

describe('lines', () => {
  test('the threshold warning names count, limit, setting, growth and sites', () => {
    const line = formatWarning({
      destination: '10.0.0.7:2181',
      level: 'threshold',
      live: 48,
      limit: zooKeeperLimit!,
      warnAt: 0.8,
      growth: { gained: 12, seconds: 3, ratePerSecond: 4, secondsToLimit: 3 },
      sites: [{ site, live: 45 }, { site: internSite('src/health.js:3:5', []), live: 3 }],
      others: undefined,
      scope: 'process',
    });
    assert.equal(line, 'connleak: 48 live connections to 10.0.0.7:2181 (80% of the limit 60, ZooKeeper maxClientCnxns, per client IP); +4/s, limit in ~3 s; opened at src/zk.js:14:22 (45), src/health.js:3:5 (3)');
  });

  test('the reset diagnosis names the setting and the top site', () => {
    const line = formatReset({ destination: '10.0.0.7:2181', code: 'ECONNRESET', afterMs: 3.2, live: 61, limit: zooKeeperLimit!, sites: [{ site, live: 60 }] });
    assert.equal(
      line,
      'connleak: connection to 10.0.0.7:2181 reset right after connect (ECONNRESET, after 3 ms) with 61 live connections, limit 60: ZooKeeper refuses connections over maxClientCnxns (60, counted per client IP); most were opened at src/zk.js:14:22 (60)',
    );
  });
});
