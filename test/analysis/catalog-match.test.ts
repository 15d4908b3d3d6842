import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinClients, mergeClients } from '../../src/catalog';
import {
  declarationFileBelongsTo,
  exportPath,
  isInstanceFactoryOwner,
  matchClientType,
  matchConstructor,
  matchFactoryCall,
  matchInstanceFactory,
} from '../../src/analysis';

const id = (kind: { id: string } | undefined): string | undefined => kind?.id;

describe('catalog matching on module specifier + property path', () => {
  test('export paths: the module itself and its default export are both "default"', () => {
    assert.equal(exportPath([]), 'default');
    assert.equal(exportPath(['default']), 'default');
    assert.equal(exportPath(['default', 'Client']), 'Client');
    assert.equal(exportPath(['MongoClient', 'connect']), 'MongoClient.connect');
  });

  test('factories', () => {
    assert.equal(id(matchFactoryCall(builtinClients, 'node-zookeeper-client', ['createClient'])), 'node-zookeeper-client');
    assert.equal(id(matchFactoryCall(builtinClients, 'node-zookeeper-client', ['default', 'createClient'])), 'node-zookeeper-client');
    assert.equal(id(matchFactoryCall(builtinClients, 'mongodb', ['MongoClient', 'connect'])), 'mongodb');
    assert.equal(id(matchFactoryCall(builtinClients, 'mysql2/promise', ['createPool'])), 'mysql2');
    assert.equal(id(matchFactoryCall(builtinClients, 'node:net', ['connect'])), 'net');
    assert.equal(id(matchFactoryCall(builtinClients, '@redis/client', ['createClient'])), 'redis');
    assert.equal(matchFactoryCall(builtinClients, 'node-zookeeper-client', ['Exception']), undefined);
    assert.equal(matchFactoryCall(builtinClients, 'soap', ['createClient']), undefined);
  });

  test('constructors', () => {
    assert.equal(id(matchConstructor(builtinClients, 'ioredis', [])), 'ioredis');
    assert.equal(id(matchConstructor(builtinClients, 'ioredis', ['default'])), 'ioredis');
    assert.equal(id(matchConstructor(builtinClients, 'ioredis', ['Cluster'])), 'ioredis');
    assert.equal(id(matchConstructor(builtinClients, 'pg', ['default', 'Pool'])), 'pg');
    assert.equal(id(matchConstructor(builtinClients, 'pg', ['native', 'Client'])), 'pg');
    assert.equal(id(matchConstructor(builtinClients, 'zookeeper', ['Promise'])), 'zookeeper');
    assert.equal(matchConstructor(builtinClients, 'pg', ['Query']), undefined);
    assert.equal(matchConstructor(builtinClients, 'node-zookeeper-client', ['createClient']), undefined);
  });

  test('instance factories: kafkajs new Kafka(…).producer()', () => {
    assert.ok(isInstanceFactoryOwner(builtinClients, 'kafkajs', ['Kafka']));
    assert.ok(!isInstanceFactoryOwner(builtinClients, 'kafkajs', ['Partitioners']));
    assert.equal(id(matchInstanceFactory(builtinClients, 'kafkajs', ['Kafka'], 'producer')), 'kafkajs');
    assert.equal(id(matchInstanceFactory(builtinClients, 'kafkajs', ['default', 'Kafka'], 'admin')), 'kafkajs');
    assert.equal(matchInstanceFactory(builtinClients, 'kafkajs', ['Kafka'], 'logger'), undefined);
  });

  test('user clients from settings are matched like built-in ones', () => {
    const catalog = mergeClients([{ module: 'my-db', factories: ['open'], constructors: ['Db'], close: ['shutdown'] }]);
    assert.equal(id(matchFactoryCall(catalog, 'my-db', ['open'])), 'my-db');
    assert.equal(id(matchConstructor(catalog, 'my-db', ['default', 'Db'])), 'my-db');
  });

  test('client types are matched by name and by where they are declared', () => {
    assert.ok(declarationFileBelongsTo('/p/node_modules/ioredis/built/Redis.d.ts', 'ioredis'));
    assert.ok(declarationFileBelongsTo('/p/node_modules/@types/pg/index.d.ts', 'pg'));
    assert.ok(declarationFileBelongsTo('/p/node_modules/@redis/client/dist/lib/client/index.d.ts', '@redis/client'));
    assert.ok(!declarationFileBelongsTo('/p/src/Redis.ts', 'ioredis'));
    assert.equal(id(matchClientType(builtinClients, 'Client', { fileName: '/p/node_modules/@types/pg/index.d.ts' })), 'pg');
    assert.equal(id(matchClientType(builtinClients, 'Client', { fileName: '/p/types.d.ts', ambientModule: 'node-zookeeper-client' })), 'node-zookeeper-client');
    assert.equal(id(matchClientType(builtinClients, 'Socket', { fileName: '/p/node_modules/@types/node/net.d.ts', ambientModule: 'net' })), 'net');
    assert.equal(matchClientType(builtinClients, 'Client', { fileName: '/p/src/client.ts' }), undefined);
  });
});
