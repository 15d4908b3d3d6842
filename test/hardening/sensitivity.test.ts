import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertSameBehaviour, driversDir, freePort, runApp } from './support';

/**
 * The differential tests can fail: the same comparison, run with deliberately bad preloads in
 * place of connleak's, catches each way a tracer is known to change an app (test/hardening/apps/
 * bad-preload-*.js), and passes with a preload that does nothing.
 */

async function compare(app: string, preload: string): Promise<() => void> {
  const env = { FAULT_PORT: String(await freePort()) };
  const plain = await runApp(app, { env });
  const traced = await runApp(app, { env, preloadPath: path.join(driversDir, preload) });
  return () => assertSameBehaviour(app, plain, traced);
}

describe('the differential comparison catches a tracer that changes the app', () => {
  test('a preload that does nothing passes', async () => {
    (await compare('fault-no-error-listener.js', 'noop-preload.js'))();
    (await compare('fault-throw-in-error-handler.js', 'noop-preload.js'))();
  });

  test("an 'error' listener of the tracer's own: the crash of a socket without one disappears", async () => {
    assert.throws(await compare('fault-no-error-listener.js', 'bad-preload-error-listener.js'), /exit differs|stdout differs/);
  });

  test("a 'data' listener of the tracer's own: data the app reads late is gone", async () => {
    assert.throws(await compare('fault-late-reader.js', 'bad-preload-data-listener.js'), /stdout differs/);
  });

  test("a wrapped Socket#emit: one more frame in the stack of an app's exception", async () => {
    assert.throws(await compare('fault-throw-in-error-handler.js', 'bad-preload-wrapped-emit.js'), /stderr differs/);
  });

  test("closes counted by a 'close' listener: removeAllListeners() makes a false leak", async () => {
    assert.throws(await compare('fault-remove-all-listeners.js', 'bad-preload-listener-count.js'), /exit differs/);
  });
});
