/**
 * `connleak/register`: the preload. `node -r connleak/register app.js`,
 * `node --import connleak/register app.mjs`, or in NODE_OPTIONS (what `connleak run` does).
 *
 * A bad `CONNLEAK_*` value is the one place connleak stops an app: one line on stderr and exit
 * code 2, before the app's first line runs, so a typo in a limit never goes unnoticed.
 */
import { isMainThread } from 'node:worker_threads';
import { readRuntimeConfig, type RuntimeConfig } from './config';
import { startRuntime } from './start';

const loadedKey = Symbol.for('connleak.register.loaded');

function register(): void {
  const holder = globalThis as { [loadedKey]?: boolean };
  // Preloaded twice (NODE_OPTIONS and -r, or two copies of the package): trace once.
  if (holder[loadedKey]) return;
  holder[loadedKey] = true;
  let config: RuntimeConfig;
  try {
    config = readRuntimeConfig(process.env);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(`connleak: ${message}\n`);
    if (isMainThread) process.exit(2);
    return;
  }
  if (config.disabled) return;
  startRuntime(config);
}

register();
