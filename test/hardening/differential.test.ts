import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { validateTrace, type Trace } from '../../src/runtime/trace';
import { assertSameBehaviour, connleakLines, freePort, runApp } from './support';

/**
 * Differential fault tests: each app under fixtures/apps/fault-*.js runs twice, as `node app.js`
 * and as `node -r connleak/register app.js`, against loopback servers that misbehave on purpose.
 * The preload must not change what the app sees: stdout (the app's events, in order), exit code
 * and signal must be identical, and stderr may differ only by connleak's own `connleak:` lines.
 *
 * The preload run sets a limit on the app's destination so that the warning and reset paths run
 * too, and writes a trace (CONNLEAK_REPORT), read back to prove the preload was active and, for
 * apps that close everything, that it saw every socket close. Apps that close everything also
 * run with CONNLEAK_FAIL=leak: a socket the tracer lost track of would change the exit code.
 */

interface Scenario {
  readonly app: string;
  /** The app's exit code without the preload (checked, so a broken app is not taken for a pass). */
  readonly exitCode: number | null;
  /** The signal that ends the app, if one does. */
  readonly signal?: NodeJS.Signals;
  /** Something the plain run must print, proving the fault really happened. */
  readonly shows: RegExp;
  /** CONNLEAK_LIMITS for the preload run; PORT is replaced by the app's port. */
  readonly limits: string;
  /** The app closes every socket before it exits: no socket may be open in the trace. */
  readonly closesEverything: boolean;
  readonly fdLimit?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** More checks on the preload run's trace and connleak lines. */
  readonly check?: (trace: Trace, connleak: readonly string[], port: number) => void;
}

const workDir = mkdtempSync(path.join(tmpdir(), 'connleak-differential-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

function destination(trace: Trace, port: number, host = '127.0.0.1') {
  return trace.destinations.find((entry) => entry.port === port && entry.host === host);
}

async function differential(scenario: Scenario): Promise<void> {
  const port = await freePort();
  const env = { FAULT_PORT: String(port), ...scenario.env };
  const options = scenario.fdLimit === undefined ? {} : { fdLimit: scenario.fdLimit };

  const plain = await runApp(scenario.app, { ...options, env });
  assert.equal(plain.timedOut, false, `${scenario.app} timed out without the preload`);
  assert.deepEqual({ code: plain.code, signal: plain.signal }, { code: scenario.exitCode, signal: scenario.signal ?? null }, `${scenario.app} without the preload\n${plain.stderr}`);
  assert.match(plain.stdout, scenario.shows);

  const reportFile = path.join(workDir, `${scenario.app}.${port}.json`);
  const traced = await runApp(scenario.app, {
    ...options,
    preload: true,
    env: {
      ...env,
      CONNLEAK_LIMITS: scenario.limits.replaceAll('PORT', String(port)),
      CONNLEAK_REPORT: reportFile,
      ...(scenario.closesEverything ? { CONNLEAK_FAIL: 'leak' } : {}),
    },
  });
  assertSameBehaviour(scenario.app, plain, traced);

  const connleak = connleakLines(traced.stderr);
  assert.deepEqual(connleak.filter((line) => /internal error/.test(line)), [], `${scenario.app}: the tracer disabled itself`);

  const trace = validateTrace(JSON.parse(readFileSync(reportFile, 'utf8')));
  if (plain.signal !== null) assert.equal(trace.process.endReason, 'signal');
  else if (plain.code === 0) assert.equal(trace.process.exitCode, 0);
  else assert.equal(trace.process.endReason, 'uncaught-exception');
  assert.ok(trace.destinations.some((entry) => entry.opened > 0), `${scenario.app}: the preload saw no socket at all`);
  if (scenario.closesEverything) {
    assert.deepEqual(trace.openAtExit, [], `${scenario.app}: the trace still counts sockets open at exit`);
    for (const entry of trace.destinations) assert.equal(entry.live, 0, `${entry.destination} still live`);
  }
  scenario.check?.(trace, connleak, port);
}

describe('the preload changes nothing an app can see when servers misbehave', () => {
  test('connection refused, three attempts', () =>
    differential({
      app: 'fault-refused.js',
      exitCode: 0,
      shows: /attempt3 error ECONNREFUSED/,
      // A connecting socket counts; with a limit of 2 (warning at 2) the attempts, one at a
      // time, only warn if a refused socket stayed counted after its close.
      limits: '127.0.0.1:PORT=2',
      closesEverything: true,
      check: (trace) => assert.deepEqual(trace.warnings, [], 'a refused socket stayed counted after its close'),
    }));

  test('reset right after accept, past the limit (the ZooKeeper maxClientCnxns pattern)', () =>
    differential({
      app: 'fault-reset-on-accept.js',
      exitCode: 0,
      shows: /victim4 error ECONNRESET/,
      limits: '127.0.0.1:PORT=3',
      closesEverything: true,
      check: (trace, connleak, port) => {
        const resets = trace.resets.filter((reset) => reset.destination === `127.0.0.1:${port}`);
        assert.equal(resets.length, 4, 'every reset of a fresh connection is recorded');
        assert.ok(resets.some((reset) => reset.diagnosis), 'a reset at the limit is diagnosed');
        assert.ok(trace.warnings.some((warning) => warning.destination === `127.0.0.1:${port}` && warning.live === 3));
        assert.ok(connleak.length > 0, 'the warning and diagnosis reach stderr');
      },
    }));

  test('reset in the middle of a reply', () =>
    differential({
      app: 'fault-reset-midstream.js',
      exitCode: 0,
      shows: /client error ECONNRESET/,
      limits: '127.0.0.1:PORT=1',
      closesEverything: true,
      check: (trace, _connleak, port) => {
        const diagnosed = trace.resets.filter((reset) => reset.destination === `127.0.0.1:${port}` && reset.diagnosis);
        assert.deepEqual(diagnosed, [], 'a reset after data is not a "reset right after connect"');
      },
    }));

  test('a server that never answers: the app times out and destroys', () =>
    differential({ app: 'fault-never-answers.js', exitCode: 0, shows: /second giving up/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('DNS failure for a name under .invalid', () =>
    differential({ app: 'fault-dns-invalid.js', exitCode: 0, shows: /lookup ENOTFOUND/, limits: '*:PORT=1', closesEverything: true }));

  test('a server that closes half-way, with and without allowHalfOpen', () =>
    differential({ app: 'fault-half-close.js', exitCode: 0, shows: /half-open end/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('EMFILE under ulimit -n 64, with a warning due while no descriptor is free', () =>
    differential({
      app: 'fault-emfile.js',
      exitCode: 0,
      shows: /victim error EMFILE/,
      limits: '127.0.0.1:PORT=2',
      closesEverything: true,
      fdLimit: 64,
      check: (trace, _connleak, port) => {
        assert.ok(destination(trace, port), 'the trace knows the destination');
        // The app ends every connection itself (end() or destroy()); the server never does.
        assert.deepEqual(trace.resets, [], 'a connection the app closed itself was diagnosed as a server reset');
      },
    }));

  test('EMFILE under ulimit -n 64 with host-wide counting (the preload reads /proc then)', () =>
    differential({ app: 'fault-emfile.js', exitCode: 0, shows: /victim error EMFILE/, limits: '127.0.0.1:PORT=2', closesEverything: true, fdLimit: 64, env: { CONNLEAK_SCOPE: 'host' } }));

  test('socket.destroy() before the connection is established', () =>
    differential({ app: 'fault-destroy-before-connect.js', exitCode: 0, shows: /in-flight connecting true/, limits: '*:PORT=1', closesEverything: true }));

  test("an error thrown inside the app's 'error' handler", () =>
    differential({
      app: 'fault-throw-in-error-handler.js',
      exitCode: 1,
      shows: /handler saw ECONNREFUSED/,
      limits: '127.0.0.1:PORT=1',
      closesEverything: false,
      check: (trace) => {
        assert.equal(trace.process.endReason, 'uncaught-exception');
        assert.equal(trace.openAtExit.length, 1, 'the healthy connection was open when the app died');
      },
    }));

  test("an error thrown inside the app's 'close' handler", () =>
    differential({ app: 'fault-throw-in-close-handler.js', exitCode: 1, shows: /client throwing from close/, limits: '127.0.0.1:PORT=1', closesEverything: false }));

  test("a socket with no 'error' listener still crashes the app, the same way", () =>
    differential({ app: 'fault-no-error-listener.js', exitCode: 1, shows: /error listeners after a tick 0/, limits: '127.0.0.1:PORT=1', closesEverything: false }));

  test('an unhandled rejection from a refused connect', () =>
    differential({ app: 'fault-unhandled-rejection.js', exitCode: 1, shows: /waiting for connect/, limits: '127.0.0.1:PORT=1', closesEverything: false }));

  test('an unhandledRejection handler, and a rejection handled late', () =>
    differential({ app: 'fault-rejection-handler.js', exitCode: 0, shows: /rejectionHandled/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test("an uncaughtException handler, including a prepended 'close' listener that throws", () =>
    differential({ app: 'fault-uncaught-handler.js', exitCode: 0, shows: /thrown from a prepended close handler/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('tls.connect to a plain TCP server: the handshake fails', () =>
    differential({ app: 'fault-tls-plain.js', exitCode: 0, shows: /tls-text error ERR_SSL_WRONG_VERSION_NUMBER/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('data that arrives before the app reads it is still there when it does', () =>
    differential({ app: 'fault-late-reader.js', exitCode: 0, shows: /client read "greeting\\n"/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('socket.removeAllListeners() before closing', () =>
    differential({ app: 'fault-remove-all-listeners.js', exitCode: 0, shows: /destroyed true,true,true/, limits: '127.0.0.1:PORT=2', closesEverything: true }));

  test('one net.Socket connected again after each close', () =>
    differential({
      app: 'fault-reconnect-same-socket.js',
      exitCode: 0,
      shows: /round4 close/,
      limits: '127.0.0.1:PORT=1',
      closesEverything: true,
      check: (trace, _connleak, port) => assert.equal(destination(trace, port)?.opened, 4, 'each connect() of the one object is a connection'),
    }));

  test('sockets in worker threads: one worker dies of a socket error, one closes cleanly', () =>
    differential({ app: 'fault-worker.js', exitCode: 0, shows: /crashing error ECONNREFUSED[^]*healthy exit 0/, limits: '127.0.0.1:PORT=1', closesEverything: true }));

  test('a name with two addresses, the first refused (autoSelectFamily), and one with none reachable', () =>
    differential({
      app: 'fault-happy-eyeballs.js',
      exitCode: 0,
      shows: /dual reached 127\.0\.0\.1/,
      limits: '*:PORT=1',
      closesEverything: true,
      check: (trace, _connleak, port) => assert.equal(destination(trace, port)?.opened, 1, 'the named socket is counted under the address it reached'),
    }));

  test('the app dies by SIGTERM with a connection open', () =>
    differential({
      app: 'fault-signal.js',
      exitCode: null,
      signal: 'SIGTERM',
      shows: /sending SIGTERM to myself/,
      limits: '127.0.0.1:PORT=1',
      closesEverything: false,
      check: (trace) => assert.equal(trace.openAtExit.length, 1, 'the open connection is in the trace written on SIGTERM'),
    }));

  test("an app's own Error.prepareStackTrace and Error.stackTraceLimit", () =>
    differential({
      app: 'fault-stack-settings.js',
      exitCode: 0,
      shows: /custom prepareStackTrace kept true/,
      limits: '127.0.0.1:PORT=2',
      closesEverything: true,
      check: (_trace, connleak) => assert.ok(connleak.some((line) => line.includes('fault-stack-settings.js:12:')), 'the warning still names the creation site'),
    }));
});
