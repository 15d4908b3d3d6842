import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  builtinClients,
  CatalogConfigError,
  clientForModule,
  clientsForPort,
  describeLimit,
  mergeClients,
  type ClientKind,
  type LimitScope,
} from '../../src/catalog';

/**
 * The catalog against DESIGN.md's list: every client it names, with how it is created and closed,
 * its server's port, and the server's per-client limit as the server's documentation gives it.
 */

interface ExpectedEntry {
  readonly modules: readonly string[];
  readonly factories?: readonly string[];
  readonly constructors?: readonly string[];
  readonly instanceFactories?: { readonly of: string; readonly methods: readonly string[] };
  readonly close: readonly string[];
  readonly port: number | undefined;
  readonly limit?: { readonly setting: string; readonly defaultValue: number; readonly scope: LimitScope; readonly clientError: RegExp };
}

function entry(id: string): ClientKind {
  const kind = builtinClients.find((candidate) => candidate.id === id);
  assert.ok(kind, `no catalog entry "${id}"`);
  return kind;
}

function includesAll(actual: readonly string[], expected: readonly string[] | undefined, what: string): void {
  for (const name of expected ?? []) assert.ok(actual.includes(name), `${what} lacks ${name}: ${actual.join(', ')}`);
}

/** Expected names must be present (more are fine); the port and the limit must match exactly. */
function expectEntry(id: string, expected: ExpectedEntry): void {
  const kind = entry(id);
  includesAll(kind.modules, expected.modules, `${id} modules`);
  includesAll(kind.factories, expected.factories, `${id} factories`);
  includesAll(kind.constructors, expected.constructors, `${id} constructors`);
  if (expected.instanceFactories) {
    const found = kind.instanceFactories.find((factory) => factory.of === expected.instanceFactories?.of);
    assert.ok(found, `${id} has no instance factories of ${expected.instanceFactories.of}`);
    includesAll(found.methods, expected.instanceFactories.methods, `${id} instance factories`);
  }
  assert.ok(kind.factories.length + kind.constructors.length + kind.instanceFactories.length > 0, `${id} has no way to create a client`);
  includesAll(kind.closeMethods, expected.close, `${id} close methods`);
  assert.equal(kind.defaultPort, expected.port, `${id} default port`);
  if (expected.limit === undefined) {
    assert.equal(kind.limit, undefined, `${id} should have no default limit`);
    return;
  }
  assert.ok(kind.limit, `${id} has no limit`);
  assert.equal(kind.limit.setting, expected.limit.setting);
  assert.equal(kind.limit.defaultValue, expected.limit.defaultValue);
  assert.equal(kind.limit.scope, expected.limit.scope);
  assert.match(kind.limit.clientError, expected.limit.clientError);
  assert.match(kind.limit.source, /^https:\/\/\S+$/, `${id} limit names no source`);
}

const zooKeeperLimit = {
  setting: 'maxClientCnxns',
  defaultValue: 60,
  scope: 'per-client-ip',
  clientError: /Too many connections from \/IP - max is N/,
} as const;
const redisLimit = { setting: 'maxclients', defaultValue: 10000, scope: 'global', clientError: /^ERR max number of clients reached$/ } as const;

describe('built-in catalog: every client DESIGN.md names', () => {
  test('node-zookeeper-client: createClient -> close, port 2181, maxClientCnxns 60 per client IP', () => {
    expectEntry('node-zookeeper-client', { modules: ['node-zookeeper-client'], factories: ['createClient'], close: ['close'], port: 2181, limit: zooKeeperLimit });
  });

  test('zookeeper: new ZooKeeper, new zookeeper.Promise -> close, port 2181, maxClientCnxns 60 per client IP', () => {
    expectEntry('zookeeper', { modules: ['zookeeper'], constructors: ['default', 'Promise'], close: ['close'], port: 2181, limit: zooKeeperLimit });
  });

  test('ioredis: new Redis -> quit / disconnect, port 6379, maxclients 10000', () => {
    expectEntry('ioredis', { modules: ['ioredis'], constructors: ['default', 'Redis'], close: ['quit', 'disconnect'], port: 6379, limit: redisLimit });
  });

  test('redis: createClient -> quit / disconnect / close, port 6379, maxclients 10000', () => {
    expectEntry('redis', { modules: ['redis'], factories: ['createClient'], close: ['quit', 'disconnect', 'close'], port: 6379, limit: redisLimit });
  });

  test('pg: new Client, new Pool -> end, port 5432, max_connections 100', () => {
    expectEntry('pg', {
      modules: ['pg'],
      constructors: ['Client', 'Pool'],
      close: ['end'],
      port: 5432,
      limit: { setting: 'max_connections', defaultValue: 100, scope: 'global', clientError: /sorry, too many clients already/ },
    });
  });

  test('mysql2: createConnection, createPool -> end, port 3306, max_connections 151', () => {
    expectEntry('mysql2', {
      modules: ['mysql2', 'mysql2/promise'],
      factories: ['createConnection', 'createPool'],
      close: ['end'],
      port: 3306,
      limit: { setting: 'max_connections', defaultValue: 151, scope: 'global', clientError: /Too many connections/ },
    });
  });

  test('mongodb: new MongoClient, MongoClient.connect -> close, port 27017', () => {
    const kind = entry('mongodb');
    expectEntry('mongodb', {
      modules: ['mongodb'],
      factories: ['MongoClient.connect'],
      constructors: ['MongoClient'],
      close: ['close'],
      port: 27017,
      ...(kind.limit ? { limit: { setting: 'net.maxIncomingConnections', defaultValue: kind.limit.defaultValue, scope: 'global', clientError: /too many open connections/ } } : {}),
    });
  });

  test('amqplib: connect -> close, port 5672, no default limit (RabbitMQ connection_max is infinity)', () => {
    expectEntry('amqplib', { modules: ['amqplib'], factories: ['connect'], close: ['close'], port: 5672 });
  });

  test('kafkajs: kafka.producer() / kafka.consumer() -> disconnect, port 9092, no default limit (max.connections.per.ip is 2147483647)', () => {
    expectEntry('kafkajs', {
      modules: ['kafkajs'],
      instanceFactories: { of: 'Kafka', methods: ['producer', 'consumer'] },
      close: ['disconnect'],
      port: 9092,
    });
  });

  test('net: connect, createConnection, new Socket -> end / destroy, no default port', () => {
    expectEntry('net', { modules: ['net', 'node:net'], factories: ['connect', 'createConnection'], constructors: ['Socket'], close: ['end', 'destroy'], port: undefined });
  });

  test('ids and module names are unique across the catalog', () => {
    const ids = builtinClients.map((kind) => kind.id);
    const modules = builtinClients.flatMap((kind) => kind.modules);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(modules).size, modules.length);
  });
});

describe('built-in catalog against the installed packages', () => {
  /** `'default'` is the module itself; other paths are property paths from its exports. */
  function resolvePath(exports: unknown, propertyPath: string): unknown {
    if (propertyPath === 'default') return exports;
    return propertyPath.split('.').reduce<unknown>((value, key) => (value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key]), exports);
  }

  test('every factory and constructor names a function, and constructed clients have the close methods', () => {
    const notInstalled: string[] = [];
    const unresolved: string[] = [];
    for (const kind of builtinClients) {
      for (const specifier of kind.modules) {
        let exports: unknown;
        try {
          exports = require(specifier) as unknown;
        } catch {
          notInstalled.push(specifier);
          continue;
        }
        for (const factory of kind.factories) {
          assert.equal(typeof resolvePath(exports, factory), 'function', `${specifier}: factory ${factory}`);
        }
        for (const constructorPath of kind.constructors) {
          const constructor = resolvePath(exports, constructorPath);
          if (constructor === null || constructor === undefined) {
            unresolved.push(`${specifier}:${constructorPath}`);
            continue;
          }
          assert.equal(typeof constructor, 'function', `${specifier}: constructor ${constructorPath}`);
          const prototype = (constructor as { prototype?: Record<string, unknown> }).prototype ?? {};
          assert.ok(
            kind.closeMethods.some((method) => typeof prototype[method] === 'function'),
            `${specifier}: ${constructorPath} instances have none of ${kind.closeMethods.join(', ')}`,
          );
        }
      }
    }
    // `zookeeper` (a native addon) is not a dependency; pg's native bindings need pg-native.
    assert.deepEqual(notInstalled, ['zookeeper']);
    assert.deepEqual(unresolved, ['pg:native.Client', 'pg:native.Pool']);
  });

  test('kafkajs: a Kafka instance has the producer and consumer factories (built without connecting)', () => {
    const { Kafka } = require('kafkajs') as { Kafka: new (config: object) => Record<string, unknown> };
    const kafka = new Kafka({ clientId: 'connleak-catalog-test', brokers: ['127.0.0.1:9092'], logLevel: 0 });
    for (const method of entry('kafkajs').instanceFactories[0]?.methods ?? []) {
      assert.equal(typeof kafka[method], 'function', `Kafka#${method}`);
    }
  });
});

describe('catalog lookups', () => {
  test('clientForModule finds an entry by any of its module names', () => {
    assert.equal(clientForModule('mysql2/promise')?.id, 'mysql2');
    assert.equal(clientForModule('node:net')?.id, 'net');
    assert.equal(clientForModule('left-pad'), undefined);
  });

  test('clientsForPort: 2181 is both ZooKeeper clients', () => {
    assert.deepEqual(
      clientsForPort(2181).map((kind) => kind.id),
      ['node-zookeeper-client', 'zookeeper'],
    );
  });

  test('describeLimit quotes the limit as messages do', () => {
    assert.equal(describeLimit(entry('node-zookeeper-client')), 'ZooKeeper accepts 60 per client IP (maxClientCnxns)');
    assert.equal(describeLimit(entry('pg')), 'PostgreSQL accepts 100 in total (max_connections)');
    assert.equal(describeLimit(entry('net')), undefined);
  });
});

describe('mergeClients (settings.connleak.clients)', () => {
  test('no setting: the built-in catalog itself', () => {
    assert.equal(mergeClients(undefined), builtinClients);
  });

  test('an entry for a known module adds its names to the built-in entry, which stays untouched', () => {
    const merged = mergeClients([{ module: 'node-zookeeper-client', factories: ['createZk'], close: ['shutdown'] }]);
    assert.equal(merged.length, builtinClients.length);
    const zk = merged.find((kind) => kind.id === 'node-zookeeper-client');
    assert.deepEqual(zk?.factories, ['createClient', 'createZk']);
    assert.deepEqual(zk?.closeMethods, ['close', 'shutdown']);
    assert.equal(zk?.limit?.defaultValue, 60);
    assert.deepEqual(entry('node-zookeeper-client').factories, ['createClient']);
  });

  test('an entry naming a second module of a known client merges into that client', () => {
    const merged = mergeClients([{ module: 'mysql2/promise', constructors: ['PromiseConnection'], close: ['end'] }]);
    assert.equal(merged.length, builtinClients.length);
    assert.ok(merged.find((kind) => kind.id === 'mysql2')?.constructors.includes('PromiseConnection'));
  });

  test('an entry for a new module becomes a new, user-defined entry', () => {
    const merged = mergeClients([{ module: '@acme/db', constructors: ['Db'], factories: ['Db.open'], close: ['end'], name: 'Acme DB client', port: 7000 }]);
    assert.equal(merged.length, builtinClients.length + 1);
    const acme = clientForModule('@acme/db', merged);
    assert.deepEqual(
      { ...acme },
      {
        id: '@acme/db',
        modules: ['@acme/db'],
        clientName: 'Acme DB client',
        serverName: '@acme/db',
        factories: ['Db.open'],
        constructors: ['Db'],
        instanceFactories: [],
        closeMethods: ['end'],
        typeNames: [],
        defaultPort: 7000,
        userDefined: true,
      },
    );
  });

  /** Asserts a one-line CatalogConfigError whose message starts with the bad field's path. */
  function rejects(setting: unknown, field: string, detail: RegExp): void {
    assert.throws(
      () => mergeClients(setting),
      (error: unknown) => {
        assert.ok(error instanceof CatalogConfigError, String(error));
        assert.equal(error.name, 'CatalogConfigError');
        assert.ok(error.message.startsWith(`${field}: `), error.message);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, detail);
        return true;
      },
    );
  }

  test('not an array', () => {
    rejects({ module: 'x' }, 'settings.connleak.clients', /expected an array of client entries, got object/);
  });

  test('an entry that is not an object', () => {
    rejects(['pg'], 'settings.connleak.clients[0]', /expected an object \{ module, factories\?, constructors\?, close \}, got "pg"/);
    rejects([null], 'settings.connleak.clients[0]', /got null/);
    rejects([[]], 'settings.connleak.clients[0]', /got an array/);
  });

  test('an unknown field', () => {
    rejects([{ module: 'x', factories: ['f'], close: ['c'], closer: ['c'] }], 'settings.connleak.clients[0].closer', /unknown field \(allowed: module, factories, constructors, close, name, port\)/);
  });

  test('a missing or empty module', () => {
    rejects([{ factories: ['f'], close: ['c'] }], 'settings.connleak.clients[0].module', /expected a module name .*, got undefined/);
    rejects([{ module: '  ', factories: ['f'], close: ['c'] }], 'settings.connleak.clients[0].module', /got " {2}"/);
  });

  test('a missing or empty close', () => {
    rejects([{ module: 'x', factories: ['f'] }], 'settings.connleak.clients[0].close', /expected a non-empty array of names, got undefined/);
    rejects([{ module: 'x', factories: ['f'], close: [] }], 'settings.connleak.clients[0].close', /expected a non-empty array of names, got an array/);
    rejects([{ module: 'x', factories: ['f'], close: 'end' }], 'settings.connleak.clients[0].close', /got "end"/);
  });

  test('a factory or constructor that is not a name', () => {
    rejects([{ module: 'x', factories: [42], close: ['c'] }], 'settings.connleak.clients[0].factories[0]', /expected a name such as "createClient" or "Client.connect", got number/);
    rejects([{ module: 'x', constructors: ['Ok', 'not a name'], close: ['c'] }], 'settings.connleak.clients[0].constructors[1]', /got "not a name"/);
    rejects([{ module: 'x', factories: 'createClient', close: ['c'] }], 'settings.connleak.clients[0].factories', /expected an array of names, got "createClient"/);
  });

  test('neither factories nor constructors', () => {
    rejects([{ module: 'x', close: ['c'] }], 'settings.connleak.clients[0]', /needs at least one of "factories" or "constructors"/);
  });

  test('a bad port', () => {
    rejects([{ module: 'x', factories: ['f'], close: ['c'], port: 70000 }], 'settings.connleak.clients[0].port', /expected a TCP port \(1-65535\), got number/);
    rejects([{ module: 'x', factories: ['f'], close: ['c'], port: '2181' }], 'settings.connleak.clients[0].port', /got "2181"/);
    rejects([{ module: 'x', factories: ['f'], close: ['c'], port: 21.5 }], 'settings.connleak.clients[0].port', /got number/);
  });

  test('a bad name', () => {
    rejects([{ module: 'x', factories: ['f'], close: ['c'], name: 7 }], 'settings.connleak.clients[0].name', /expected a string, got number/);
  });

  test('the index of the bad entry, and the caller\'s name for the setting, are in the message', () => {
    assert.throws(() => mergeClients([{ module: 'ok', factories: ['f'], close: ['c'] }, { module: 'bad', factories: ['f'], close: [] }], 'connleak.config.json clients'), {
      name: 'CatalogConfigError',
      message: /^connleak\.config\.json clients\[1\]\.close: /,
    });
  });
});
