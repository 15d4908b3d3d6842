import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, limitFor, parseFailMode, parseLimits, parseScope, parseWarnAt, readRuntimeConfig } from '../../src/runtime/config';

/** The CONNLEAK_* configuration: every bad value is one ConfigError line, before the app starts. */

/** Asserts a one-line ConfigError with exactly this message. */
function rejects(parse: () => unknown, message: string): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.message, message);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

const zooKeeper = { setting: 'maxClientCnxns', serverName: 'ZooKeeper', scope: 'per-client-ip' };

describe('parseLimits (CONNLEAK_LIMITS)', () => {
  test('the default: any host, port 2181, 60, described as ZooKeeper maxClientCnxns', () => {
    assert.deepEqual(parseLimits('*:2181=60'), [{ host: '*', port: 2181, max: 60, ...zooKeeper }]);
  });

  test('a bracketed IPv6 host', () => {
    assert.deepEqual(parseLimits('[::1]:2181=5'), [{ host: '::1', port: 2181, max: 5, ...zooKeeper }]);
  });

  test('several items with spaces; each described by its port', () => {
    assert.deepEqual(parseLimits(' *:2181=60 , 10.0.0.5:6379=100,db.local:5432=90'), [
      { host: '*', port: 2181, max: 60, ...zooKeeper },
      { host: '10.0.0.5', port: 6379, max: 100, setting: 'maxclients', serverName: 'Redis', scope: 'global' },
      { host: 'db.local', port: 5432, max: 90, setting: 'max_connections', serverName: 'PostgreSQL', scope: 'global' },
    ]);
  });

  test('a port no catalog entry uses: a bare limit', () => {
    assert.deepEqual(parseLimits('localhost:7000=3'), [{ host: 'localhost', port: 7000, max: 3 }]);
  });

  test('empty: no limits', () => {
    assert.deepEqual(parseLimits('  '), []);
  });

  test('an item that is not HOST:PORT=MAX', () => {
    const shape = 'is not HOST:PORT=MAX (for example *:2181=60,10.0.0.5:6379=100)';
    rejects(() => parseLimits('2181=60'), `CONNLEAK_LIMITS: "2181=60" ${shape}`);
    rejects(() => parseLimits('*:2181'), `CONNLEAK_LIMITS: "*:2181" ${shape}`);
    rejects(() => parseLimits('*:2181=abc'), `CONNLEAK_LIMITS: "*:2181=abc" ${shape}`);
    rejects(() => parseLimits('::1:2181=5'), `CONNLEAK_LIMITS: "::1:2181=5" ${shape}`);
    rejects(() => parseLimits('*:2181=60,,*:6379=5'), `CONNLEAK_LIMITS: "" ${shape}`);
  });

  test('a port out of range, a limit below 1', () => {
    rejects(() => parseLimits('*:0=5'), 'CONNLEAK_LIMITS: port 0 in "*:0=5" is not between 1 and 65535');
    rejects(() => parseLimits('*:70000=5'), 'CONNLEAK_LIMITS: port 70000 in "*:70000=5" is not between 1 and 65535');
    rejects(() => parseLimits('*:2181=0'), 'CONNLEAK_LIMITS: limit 0 in "*:2181=0" must be at least 1');
  });

  test('the variable name in messages is the caller\'s', () => {
    rejects(() => parseLimits('nope', undefined, '--limits'), '--limits: "nope" is not HOST:PORT=MAX (for example *:2181=60,10.0.0.5:6379=100)');
  });
});

describe('parseWarnAt (CONNLEAK_WARN_AT)', () => {
  test('a share of the limit, above 0 and at most 1', () => {
    assert.equal(parseWarnAt('0.8'), 0.8);
    assert.equal(parseWarnAt('1'), 1);
    assert.equal(parseWarnAt('0.05'), 0.05);
  });

  test('0, 3, abc, empty, negative', () => {
    const message = (raw: string) => `CONNLEAK_WARN_AT: "${raw}" is not a share of the limit between 0 and 1 (for example 0.8)`;
    rejects(() => parseWarnAt('0'), message('0'));
    rejects(() => parseWarnAt('3'), message('3'));
    rejects(() => parseWarnAt('abc'), message('abc'));
    rejects(() => parseWarnAt(''), message(''));
    rejects(() => parseWarnAt('-0.5'), message('-0.5'));
  });
});

describe('parseFailMode (CONNLEAK_FAIL) and parseScope (CONNLEAK_SCOPE)', () => {
  test('fail modes; empty is off', () => {
    assert.equal(parseFailMode(''), 'off');
    assert.equal(parseFailMode('off'), 'off');
    assert.equal(parseFailMode('limit'), 'limit');
    assert.equal(parseFailMode('leak'), 'leak');
    assert.equal(parseFailMode(' any '), 'any');
    rejects(() => parseFailMode('fatal'), 'CONNLEAK_FAIL: "fatal" is not one of off, limit, leak, any');
  });

  test('scopes; empty is process', () => {
    assert.equal(parseScope(''), 'process');
    assert.equal(parseScope('process'), 'process');
    assert.equal(parseScope('host'), 'host');
    rejects(() => parseScope('global'), 'CONNLEAK_SCOPE: "global" is not "process" or "host"');
  });
});

describe('readRuntimeConfig', () => {
  test('defaults: ZooKeeper\'s 60 per client IP, warn at 0.8, no failing, this process', () => {
    assert.deepEqual(readRuntimeConfig({}), {
      limits: [{ host: '*', port: 2181, max: 60, ...zooKeeper }],
      warnAt: 0.8,
      fail: 'off',
      scope: 'process',
      disabled: false,
    });
  });

  test('every variable read', () => {
    const config = readRuntimeConfig({
      CONNLEAK_LIMITS: '127.0.0.1:2181=5',
      CONNLEAK_WARN_AT: '0.6',
      CONNLEAK_FAIL: 'leak',
      CONNLEAK_SCOPE: 'host',
      CONNLEAK_REPORT: ' trace.json ',
      CONNLEAK_DISABLE: '1',
    });
    assert.deepEqual(config, {
      limits: [{ host: '127.0.0.1', port: 2181, max: 5, ...zooKeeper }],
      warnAt: 0.6,
      fail: 'leak',
      scope: 'host',
      reportFile: 'trace.json',
      disabled: true,
    });
  });

  test('the first bad variable is the error', () => {
    rejects(() => readRuntimeConfig({ CONNLEAK_WARN_AT: '3' }), 'CONNLEAK_WARN_AT: "3" is not a share of the limit between 0 and 1 (for example 0.8)');
    rejects(() => readRuntimeConfig({ CONNLEAK_SCOPE: 'cluster' }), 'CONNLEAK_SCOPE: "cluster" is not "process" or "host"');
  });
});

describe('limitFor', () => {
  const limits = parseLimits('*:2181=60,10.0.0.5:2181=10,[::1]:2181=5');

  test('an exact host wins over *, whatever the order', () => {
    assert.equal(limitFor(limits, '10.0.0.5', 2181)?.max, 10);
    assert.equal(limitFor(limits, '::1', 2181)?.max, 5);
    assert.equal(limitFor(limits, '10.0.0.6', 2181)?.max, 60);
  });

  test('no limit on another port', () => {
    assert.equal(limitFor(limits, '10.0.0.5', 6379), undefined);
  });
});
