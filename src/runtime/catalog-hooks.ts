import Module from 'node:module';
import path from 'node:path';
import { builtinClients, type ClientKind } from '../catalog';
import { captureStack, resolveSite, type Site } from './sites';
import { withCarriedSite } from './socket-hooks';

/**
 * Carries the site of a catalog factory or constructor call (`zookeeper.createClient(…)`,
 * `new pg.Client(…)`) to the sockets the client opens.
 *
 * When a catalog package is first loaded (`Module.prototype.load`, which both `require()` and an
 * ESM `import` of these CommonJS packages go through in Node 20), its factories and constructors
 * are wrapped in place on the exports object, so named ESM imports see the wrappers too. A wrapped
 * call captures its caller's site and makes it the creation site of every socket connected
 * synchronously inside the call.
 *
 * Sockets a client opens later, from a timer or a `process.nextTick` (node-zookeeper-client does
 * that for every connect and every retry), have no user frame on their stack. An adapter per such
 * client hooks the one place it connects on that client instance and carries the factory's site
 * there. This beats `AsyncLocalStorage`, which in Node 20 runs an async_hooks `init` hook for every
 * promise and resource of the whole app once enabled (measured here: 2,000,000 `await`s take 76 ms,
 * and 220 ms once one AsyncLocalStorage is in use), and would still lose the site for
 * node-zookeeper-client, whose `connect()` is called later, outside the factory call.
 */

type Adapter = (client: object, site: Site) => void;

const adapters: Record<string, Adapter> = {
  // node-zookeeper-client 1.x: every connect and retry runs `net.connect(server)` inside the
  // callback its connection manager's findNextServer() calls back from a nextTick or a timer.
  'node-zookeeper-client': (client, site) => {
    const manager = (client as { connectionManager?: { findNextServer?: unknown } }).connectionManager;
    if (!manager || typeof manager.findNextServer !== 'function') return;
    const findNextServer = manager.findNextServer as (this: unknown, callback: (server: unknown) => void) => unknown;
    manager.findNextServer = function (this: unknown, callback: (server: unknown) => void) {
      return findNextServer.call(this, function (this: unknown, server: unknown) {
        return withCarriedSite(site, () => callback.call(this, server));
      });
    };
  },
};

let active = false;
let onInternalError: (error: unknown) => void = () => {};
let installed = false;
const wrappedExports = new WeakSet<object>();
/** `package dir \0 specifier` -> the file `require(specifier)` loads from there. */
const entryFiles = new Map<string, string | null>();
let catalogByPackage = new Map<string, Array<{ specifier: string; kind: ClientKind }>>();

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function buildIndex(catalog: readonly ClientKind[]): void {
  catalogByPackage = new Map();
  for (const kind of catalog) {
    for (const specifier of kind.modules) {
      if (specifier === 'net' || specifier.startsWith('node:')) continue;
      const name = packageOf(specifier);
      const list = catalogByPackage.get(name) ?? [];
      list.push({ specifier, kind });
      catalogByPackage.set(name, list);
    }
  }
}

const marker = `${path.sep}node_modules${path.sep}`;

/** The catalog entry whose `require()` entry file `filename` is, if any. */
function catalogEntryFor(filename: string): ClientKind | undefined {
  const at = filename.lastIndexOf(marker);
  if (at === -1) return undefined;
  const rest = filename.slice(at + marker.length).split(path.sep);
  const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  const candidates = name === undefined ? undefined : catalogByPackage.get(name);
  if (!candidates) return undefined;
  const packageDir = filename.slice(0, at + marker.length) + name!.split('/').join(path.sep);
  for (const { specifier, kind } of candidates) {
    const key = `${packageDir}\0${specifier}`;
    let entry = entryFiles.get(key);
    if (entry === undefined) {
      try {
        entry = require.resolve(specifier, { paths: [packageDir] });
      } catch {
        entry = null;
      }
      entryFiles.set(key, entry);
    }
    if (entry === filename) return kind;
  }
  return undefined;
}

function siteOfCall(above: Function, kind: ClientKind): Site {
  return resolveSite(captureStack(above), kind.id);
}

function adopt(result: unknown, site: Site, kind: ClientKind): void {
  const adapter = adapters[kind.id];
  if (adapter && typeof result === 'object' && result !== null) adapter(result, site);
}

/** Runs a factory or constructor call with its caller's site carried to its sockets. */
function carry<T>(kind: ClientKind, above: Function, call: () => T): T {
  let site: Site | undefined;
  if (active) {
    try {
      site = siteOfCall(above, kind);
    } catch (error) {
      onInternalError(error);
    }
  }
  if (site === undefined) return call();
  const result = withCarriedSite(site, call);
  try {
    adopt(result, site, kind);
  } catch (error) {
    onInternalError(error);
  }
  return result;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type AnyConstructor = new (...args: unknown[]) => object;

function wrapFactory(original: AnyFunction, kind: ClientKind): AnyFunction {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return carry(kind, wrapped, () => (new.target ? Reflect.construct(original as unknown as AnyConstructor, args, new.target) : original.apply(this, args)));
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  Object.defineProperty(wrapped, 'length', { value: original.length });
  return wrapped;
}

/** A Proxy keeps statics, `prototype`, `instanceof` and subclassing of a constructor intact. */
function wrapConstructor(original: AnyConstructor, kind: ClientKind): AnyConstructor {
  const handler: ProxyHandler<AnyConstructor> = {
    construct(target, args, newTarget) {
      return carry(kind, handler.construct!, () => Reflect.construct(target, args, newTarget) as object);
    },
    apply(target, thisArg, args) {
      return carry(kind, handler.apply!, () => Reflect.apply(target, thisArg, args));
    },
  };
  return new Proxy(original, handler);
}

/** Replaces `owner[key]` when it is a plain data property holding a function. */
function replaceProperty(owner: object, key: string, replace: (value: AnyFunction) => unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(owner, key);
  // Accessors (pg's lazy `native`) are never touched: reading one can load optional modules.
  if (!descriptor || !('value' in descriptor) || typeof descriptor.value !== 'function') return;
  if (!descriptor.writable && !descriptor.configurable) return;
  Object.defineProperty(owner, key, { ...descriptor, value: replace(descriptor.value as AnyFunction) });
}

/** Walks a property path of data properties; undefined if any step is missing or an accessor. */
function ownerOf(root: object, parts: readonly string[]): object | undefined {
  let owner: unknown = root;
  for (const part of parts) {
    if ((typeof owner !== 'object' && typeof owner !== 'function') || owner === null) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(owner, part);
    if (!descriptor || !('value' in descriptor)) return undefined;
    owner = descriptor.value;
  }
  return (typeof owner === 'object' || typeof owner === 'function') && owner !== null ? owner : undefined;
}

/** Wraps a catalog module's exports in place; returns the value to export (a Proxy for `default`). */
export function wrapExports(exports: unknown, kind: ClientKind): unknown {
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null || wrappedExports.has(exports)) return exports;
  wrappedExports.add(exports);
  for (const factory of kind.factories) {
    const parts = factory.split('.');
    const owner = ownerOf(exports, parts.slice(0, -1));
    if (owner) replaceProperty(owner, parts.at(-1)!, (value) => wrapFactory(value, kind));
  }
  for (const { of, methods } of kind.instanceFactories) {
    const prototype = ownerOf(exports, [...of.split('.'), 'prototype']);
    if (prototype) for (const method of methods) replaceProperty(prototype, method, (value) => wrapFactory(value, kind));
  }
  for (const constructor of kind.constructors) {
    if (constructor === 'default') continue;
    const parts = constructor.split('.');
    const owner = ownerOf(exports, parts.slice(0, -1));
    if (owner) replaceProperty(owner, parts.at(-1)!, (value) => wrapConstructor(value as unknown as AnyConstructor, kind));
  }
  if (kind.constructors.includes('default') && typeof exports === 'function') {
    const proxy = wrapConstructor(exports as AnyConstructor, kind);
    wrappedExports.add(proxy);
    return proxy;
  }
  return exports;
}

const moduleLoad = (Module.prototype as unknown as { load: (this: { exports: unknown }, filename: string) => void }).load;

function hookedLoad(this: { exports: unknown }, filename: string): void {
  moduleLoad.call(this, filename);
  if (!active) return;
  try {
    const kind = catalogEntryFor(filename);
    if (kind) this.exports = wrapExports(this.exports, kind);
  } catch (error) {
    onInternalError(error);
  }
}

/** Wraps catalog packages as they load (and the ones already loaded, found in require.cache). */
export function installCatalogHooks(onError: (error: unknown) => void, catalog: readonly ClientKind[] = builtinClients): void {
  onInternalError = onError;
  buildIndex(catalog);
  active = true;
  if (installed) return;
  installed = true;
  (Module.prototype as unknown as { load: typeof hookedLoad }).load = hookedLoad;
  for (const [filename, cached] of Object.entries(require.cache)) {
    const kind = cached && catalogEntryFor(filename);
    if (cached && kind) cached.exports = wrapExports(cached.exports, kind);
  }
}

export function disableCatalogHooks(): void {
  active = false;
}
