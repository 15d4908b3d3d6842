import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TraceFormatError, validateTrace, type Trace } from '../../src/runtime/trace';

/** The trace schema is a contract with `connleak report`: what passes, and the one-line errors. */

function minimalTrace(): Trace {
  return {
    schema: 'connleak-trace',
    version: 1,
    process: {
      pid: 42,
      argv: ['/usr/bin/node', 'app.js'],
      cwd: '/srv/app',
      node: 'v20.20.2',
      platform: 'linux',
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:00:01.000Z',
      durationMs: 1000,
      endReason: 'exit',
      exitCode: 0,
      workerThreads: 0,
    },
    config: { limits: [{ host: '*', port: 2181, max: 60, setting: 'maxClientCnxns', serverName: 'ZooKeeper', scope: 'per-client-ip' }], warnAt: 0.8, fail: 'off', scope: 'process', sampleIntervalMs: 10 },
    destinations: [
      { destination: '10.0.0.7:2181', host: '10.0.0.7', port: 2181, limit: 60, setting: 'maxClientCnxns', samples: [{ t: 1.5, live: 1, max: 1 }], peak: 1, opened: 1, closed: 0, live: 1 },
    ],
    sites: [{ site: 'src/zk.js:14:22', count: 1, live: 1, client: 'node-zookeeper-client', destinations: ['10.0.0.7:2181'], stack: ['makeClient (src/zk.js:14:22)'] }],
    warnings: [
      {
        t: 900,
        destination: '10.0.0.7:2181',
        level: 'threshold',
        live: 48,
        limit: 60,
        setting: 'maxClientCnxns',
        sites: [{ site: 'src/zk.js:14:22', live: 48 }],
        ratePerSecond: 4,
        secondsToLimit: 3,
        message: 'connleak: 48 live connections to 10.0.0.7:2181 (80% of the limit 60, ZooKeeper maxClientCnxns, per client IP); +4/s, limit in ~3 s; opened at src/zk.js:14:22 (48)',
      },
    ],
    resets: [{ t: 950, destination: '10.0.0.7:2181', code: 'ECONNRESET', live: 61, limit: 60, site: 'src/zk.js:14:22', afterMs: 2, diagnosis: 'connleak: …' }],
    openAtExit: [{ destination: '10.0.0.7:2181', site: 'src/zk.js:14:22', t: 1.5, threadId: 0, localPort: 50000 }],
    openAtExitTotal: 1,
    warningsTotal: 1,
    resetsTotal: 1,
  };
}

function withChange(change: (trace: Record<string, unknown>) => void): unknown {
  const trace = JSON.parse(JSON.stringify(minimalTrace())) as Record<string, unknown>;
  change(trace);
  return trace;
}

describe('validateTrace', () => {
  test('accepts a complete version-1 trace and returns it unchanged', () => {
    const trace = minimalTrace();
    assert.equal(validateTrace(trace), trace);
  });

  test('accepts a trace without the optional fields', () => {
    const trace = withChange((root) => {
      delete root.warningsTotal;
      delete root.resetsTotal;
      (root.process as Record<string, unknown>).exitCode = null;
      (root.process as Record<string, unknown>).signal = 'SIGTERM';
    });
    assert.doesNotThrow(() => validateTrace(trace));
  });

  const rejected: ReadonlyArray<[string, unknown, string]> = [
    ['not an object', [], 'not a valid connleak trace: the file should be an object, got an array'],
    ['another schema', withChange((root) => (root.schema = 'sarif')), 'not a valid connleak trace: schema should be "connleak-trace", got "sarif"'],
    ['a newer version', withChange((root) => (root.version = 2)), 'unsupported connleak trace version 2 (this connleak reads version 1)'],
    ['a missing section', withChange((root) => delete root.destinations), 'not a valid connleak trace: destinations should be an array, got undefined'],
    [
      'a sample without a count',
      withChange((root) => delete ((root.destinations as Array<{ samples: Array<Record<string, unknown>> }>)[0]!.samples[0]!.live)),
      'not a valid connleak trace: destinations[0].samples[0].live should be a number, got undefined',
    ],
    ['an unknown warning level', withChange((root) => ((root.warnings as Array<Record<string, unknown>>)[0]!.level = 'panic')), 'not a valid connleak trace: warnings[0].level should be one of threshold, limit, got "panic"'],
    ['a string where a number belongs', withChange((root) => ((root.process as Record<string, unknown>).pid = '42')), 'not a valid connleak trace: process.pid should be a number, got "42"'],
  ];
  for (const [what, input, message] of rejected) {
    test(`rejects ${what} with one line`, () => {
      assert.throws(() => validateTrace(input), (error: unknown) => error instanceof TraceFormatError && error.message === message && !error.message.includes('\n'));
    });
  }
});
