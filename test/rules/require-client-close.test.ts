import * as tsParser from '@typescript-eslint/parser';
import type { Rule } from 'eslint';
import { RuleTester, TypedRuleTester } from './testers';
import rule from '../../rules/require-client-close';
import { summariesForTypedFixture, typedFixtureDir } from './typed-fixture';

const eslintRule = rule as unknown as Rule.RuleModule;

const ZK = { client: 'ZooKeeper client', close: 'close' };
const REDIS = { client: 'Redis client', close: 'quit' };
const REDIS4 = { client: 'Redis client', close: 'quit' };
const PG = { client: 'PostgreSQL client', close: 'end' };
const MYSQL = { client: 'MySQL client', close: 'end' };
const MONGO = { client: 'MongoDB client', close: 'close' };
const KAFKA = { client: 'Kafka client', close: 'disconnect' };
const AMQP = { client: 'AMQP connection', close: 'close' };
const TCP = { client: 'TCP socket', close: 'end' };

const cjs = { languageOptions: { sourceType: 'commonjs' as const } };
const ts = { languageOptions: { parser: tsParser } };
const strict = [{ requireCloseOnThrow: true }];

const ruleTester = new RuleTester({ languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } });

ruleTester.run('require-client-close', eslintRule, {
  valid: [
    // Closed at the end of the only path.
    `import zookeeper from 'node-zookeeper-client';
function readConfig() { const client = zookeeper.createClient('h'); client.connect(); client.close(); }`,
    // Closed in finally.
    `import pg from 'pg';
async function count() { const client = new pg.Client(); try { await client.connect(); return await client.query('select 1'); } finally { await client.end(); } }`,
    // Returned: the caller owns it.
    `import Redis from 'ioredis';
function makeRedis(url) { const redis = new Redis(url); redis.on('error', console.error); return redis; }`,
    // Returned inside an object.
    `import Redis from 'ioredis';
function makeClients() { const redis = new Redis(); return { redis }; }`,
    // An arrow function's expression body returns it.
    `import Redis from 'ioredis';
export const connect = (url) => new Redis(url);`,
    // Yielded.
    `import zookeeper from 'node-zookeeper-client';
function* clients(hosts) { for (const host of hosts) { const client = zookeeper.createClient(host); yield client; } }`,
    // Assigned to a module-level variable: a singleton.
    `import Redis from 'ioredis';
let redis;
export function init() { redis = new Redis(); }`,
    // Assigned to an outer function's variable.
    `import Redis from 'ioredis';
function setup() { let redis; function connect() { redis = new Redis(); } connect(); return () => redis.quit(); }`,
    // A module-level singleton.
    `const { Pool } = require('pg');
const pool = new Pool();
module.exports = pool;`,
    // Stored on this.x, closed by a method of the class.
    `import zookeeper from 'node-zookeeper-client';
class Registry { constructor(hosts) { this.client = zookeeper.createClient(hosts); } close() { this.client.close(); } }`,
    // Optional chaining in the closing method.
    `import Redis from 'ioredis';
class Cache { async start() { this.redis = new Redis(); } async stop() { await this.redis?.quit(); } }`,
    // A class field initializer closed by a method (TypeScript).
    {
      code: `import Redis from 'ioredis';
class Cache { private readonly redis = new Redis(); async dispose(): Promise<void> { await this.redis.quit(); } }`,
      ...ts,
    },
    // The class hands this.x on.
    `import Redis from 'ioredis';
class Holder { constructor() { this.redis = new Redis(); } register(registry) { registry.add(this.redis); } }`,
    // Closed from outside the class, in the same file.
    `import Redis from 'ioredis';
class Service { constructor() { this.redis = new Redis(); } }
const service = new Service();
process.on('SIGTERM', () => service.redis.quit());`,
    // A base class declared elsewhere may close it.
    `import Redis from 'ioredis';
import { Base } from './base.js';
class Service extends Base { constructor() { super(); this.redis = new Redis(); } }`,
    // Pushed into an array that outlives the function.
    `import Redis from 'ioredis';
const all = [];
function add(url) { const redis = new Redis(url); all.push(redis); }`,
    // Kept in a Map.
    `import pg from 'pg';
function pool(name, registry) { const p = new pg.Pool(); registry.set(name, p); }`,
    // Passed on: ownership moves to the callee.
    `import zookeeper from 'node-zookeeper-client';
function start(app) { const client = zookeeper.createClient('h'); app.useZooKeeper(client); }`,
    // await using closes it.
    `import pg from 'pg';
async function q() { await using client = new pg.Client(); await client.connect(); }`,
    // .finally() closes it.
    `import Redis from 'ioredis';
function get(key) { const redis = new Redis(); redis.get(key).then(print).finally(() => redis.quit()); }`,
    // node-zookeeper-client's own idiom: close in the 'connected' callback.
    `const zookeeper = require('node-zookeeper-client');
function listChildren(path) {
  const client = zookeeper.createClient('127.0.0.1:2181');
  client.once('connected', () => { client.getChildren(path, () => client.close()); });
  client.connect();
}`,
    // Declared before try, closed with ?. in finally.
    `import zookeeper from 'node-zookeeper-client';
async function f() { let client; try { client = zookeeper.createClient('h'); await use(client); } finally { client?.close(); } }`,
    // An if guard around the close.
    `import pg from 'pg';
async function f() { let client = null; try { client = new pg.Client(); await client.connect(); } finally { if (client) await client.end(); } }`,
    // && guard.
    `import mysql from 'mysql2';
function f(flag) { const connection = flag ? mysql.createConnection({}) : null; connection && connection.end(); }`,
    // void and then() around the close.
    `import Redis from 'ioredis';
function f() { const redis = new Redis(); redis.set('a', 1); void redis.quit(); }`,
    `import Redis from 'ioredis';
function f() { const redis = new Redis(); redis.quit().then(() => console.log('bye')); }`,
    // A local function named createClient is not a client.
    `function createClient() { return {}; }
function f() { const client = createClient(); client.connect(); }`,
    // Closed in a nested function declaration, handed to process.on.
    `import Redis from 'ioredis';
function run() { const redis = new Redis(); function cleanup() { redis.quit(); } process.on('exit', cleanup); }`,
    // The client arrives in a then() callback that closes it.
    `import { MongoClient } from 'mongodb';
function ping(url) { MongoClient.connect(url).then((client) => client.db().command({ ping: 1 }).finally(() => client.close())); }`,
    // Created and closed at once.
    `import zookeeper from 'node-zookeeper-client';
function probe() { zookeeper.createClient('h').close(); }`,
    // Closed through an alias.
    `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); const zk = client; zk.connect(); zk.close(); }`,
    // Closed on every branch of an if/else.
    `import Redis from 'ioredis';
async function f(x) { const redis = new Redis(); if (x) { await redis.quit(); return 1; } else { redis.disconnect(); return 2; } }`,
    // Closed on every switch case.
    `import zookeeper from 'node-zookeeper-client';
function f(x) { const client = zookeeper.createClient('h'); switch (x) { case 1: client.close(); break; default: client.close(); } }`,
    // Closed after a loop with break.
    `import net from 'node:net';
function f(lines) { const socket = net.connect(7000); for (const line of lines) { if (!line) break; socket.write(line); } socket.end(); }`,
    // Returned through a promise chain.
    `import zookeeper from 'node-zookeeper-client';
function open() { const client = zookeeper.createClient('h'); return new Promise((resolve) => { client.once('connected', () => resolve(client)); client.connect(); }); }`,
    // The process ends on the other path.
    `import Redis from 'ioredis';
async function main() { const redis = new Redis(); if (!(await redis.ping())) { process.exit(1); } await redis.quit(); }`,
    // A net socket closed in its own connect callback.
    `import net from 'node:net';
function ping(port) { const socket = net.connect(port, () => { socket.end(); }); }`,
    // The amqplib callback API closes the connection it receives.
    {
      code: `const amqp = require('amqplib/callback_api');
function send() { amqp.connect('amqp://localhost', (error, connection) => { if (error) throw error; connection.close(); }); }`,
      ...cjs,
    },
    // A static block runs once, like module-level code.
    `import Redis from 'ioredis';
class Config { static { const redis = new Redis(); Config.redis = redis; } }`,
    // Exported from a function via module.exports.
    {
      code: `const Redis = require('ioredis');
function init() { module.exports.redis = new Redis(); }`,
      ...cjs,
    },
    // A socket the server hangs up on: the code listens for its end.
    `import net from 'node:net';
function ask(port) { return new Promise((resolve) => { let reply = ''; const socket = net.connect(port, () => socket.write('ruok')); socket.on('data', (d) => { reply += d; }); socket.on('end', () => resolve(reply)); }); }`,
    // Listening for 'close' along the creation's own chain.
    `import net from 'node:net';
function probe(port, done) { net.connect(port).setTimeout(1000).once('close', done); }`,
    // A module-level then(): the client lives as long as the process.
    `import { MongoClient } from 'mongodb';
MongoClient.connect(url).then((client) => { app.locals.db = client.db('app'); });`,
    // strict: a close arranged in a timer's callback before anything else can throw.
    {
      code: `import net from 'node:net';
function f(port) { const socket = net.connect(port); const timer = setTimeout(() => socket.destroy(), 1000); return timer; }`,
      options: strict,
    },
    // Connecting inside try: when connect() throws there is no client, so the catch's return leaks nothing.
    `import { MongoClient } from 'mongodb';
async function ping(url) {
  let client;
  try { client = await MongoClient.connect(url); } catch (error) { console.error(error); return null; }
  try { return await client.db().command({ ping: 1 }); } finally { await client.close(); }
}`,
    // strict: try/finally right after the creation.
    {
      code: `import Redis from 'ioredis';
async function f() { const redis = new Redis(); redis.on('error', console.error); try { await redis.get('x'); } finally { await redis.quit(); } }`,
      options: strict,
    },
    // strict: the close in a catch that rethrows, and after it.
    {
      code: `import Redis from 'ioredis';
async function f() { let redis; try { redis = new Redis(); await redis.get('x'); } catch (error) { await redis?.quit(); throw error; } await redis.quit(); }`,
      options: strict,
    },
    // strict: a .finally() chain covers the calls before it.
    {
      code: `import Redis from 'ioredis';
async function f() { const redis = new Redis(); await redis.get('x').finally(() => redis.quit()); }`,
      options: strict,
    },
    // strict: nothing can throw between creation and close.
    {
      code: `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); client.close(); }`,
      options: strict,
    },
    // JSX: no client, no crash.
    {
      code: `function View() { return <div>{items.map((item) => <span key={item}>{item}</span>)}</div>; }`,
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    },
    // Decorators (TypeScript parser): no crash.
    {
      code: `import Redis from 'ioredis';
@Injectable()
class Cache { @Inject() private readonly redis = new Redis(); @OnModuleDestroy() async stop() { await this.redis.quit(); } }`,
      ...ts,
    },
    // A user-defined client closed with its own close method.
    {
      code: `import { open } from 'my-db';
function f() { const db = open(); db.query('x'); db.shutdown(); }`,
      settings: { connleak: { clients: [{ module: 'my-db', factories: ['open'], close: ['shutdown'] }] } },
    },
  ],
  invalid: [
    {
      // The incident's other half: created in a function, never closed.
      code: `const zookeeper = require('node-zookeeper-client');
function readConfig(path) {
  const client = zookeeper.createClient('127.0.0.1:2181');
  client.connect();
  client.getData(path, print);
}`,
      ...cjs,
      errors: [
        {
          messageId: 'neverClosed',
          line: 3,
          column: 18,
          data: { ...ZK, name: 'client' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'client.close()' },
              output: `const zookeeper = require('node-zookeeper-client');
function readConfig(path) {
  const client = zookeeper.createClient('127.0.0.1:2181');
  try {
    client.connect();
    client.getData(path, print);
  } finally {
    client.close();
  }
}`,
            },
          ],
        },
      ],
    },
    {
      // An async function gets `await` in the suggested close.
      code: `import pg from 'pg';
async function count() {
  const client = new pg.Client();
  await client.connect();
  return client.query('select count(*) from t');
}`,
      errors: [
        {
          messageId: 'neverClosed',
          line: 3,
          column: 18,
          data: { ...PG, name: 'client' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'await client.end()' },
              output: `import pg from 'pg';
async function count() {
  const client = new pg.Client();
  try {
    await client.connect();
    return client.query('select count(*) from t');
  } finally {
    await client.end();
  }
}`,
            },
          ],
        },
      ],
    },
    {
      code: `import Redis from 'ioredis';
function f() { const redis = new Redis(); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 30, data: { ...REDIS, name: 'redis' } }],
    },
    {
      // An early return skips the close.
      code: `import zookeeper from 'node-zookeeper-client';
function f(path) {
  const client = zookeeper.createClient('h');
  if (!path) return null;
  client.close();
}`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 3, column: 18, data: { ...ZK, name: 'client' } }],
    },
    {
      // continue skips the close in this pass.
      code: `import zookeeper from 'node-zookeeper-client';
function f(hosts) {
  for (const host of hosts) {
    const client = zookeeper.createClient(host);
    if (!host) continue;
    client.close();
  }
}`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 4, column: 20, data: { ...ZK, name: 'client' } }],
    },
    {
      // Closed on one branch only.
      code: `import Redis from 'ioredis';
async function f(x) { const redis = new Redis(); if (x) await redis.quit(); }`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 2, column: 37, data: { ...REDIS, name: 'redis' } }],
    },
    {
      // A catch that swallows the error goes on without the close.
      code: `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); try { work(client.getState()); client.close(); } catch (error) { log(error); } }`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 2, column: 31, data: { ...ZK, name: 'client' } }],
    },
    {
      // Connected inside try, then a later call in the same try throws: the catch returns with it open.
      code: `import { MongoClient } from 'mongodb';
async function ping(url) {
  let client;
  try { client = await MongoClient.connect(url); await client.db().command({ ping: 1 }); } catch (error) { return null; }
  await client.close();
}`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 4, column: 24, data: { ...MONGO, name: 'client' } }],
    },
    {
      // A switch case without the close.
      code: `import zookeeper from 'node-zookeeper-client';
function f(x) { const client = zookeeper.createClient('h'); switch (x) { case 1: client.close(); break; case 2: break; default: client.close(); } }`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 2, column: 32, data: { ...ZK, name: 'client' } }],
    },
    {
      // The close callback is only attached on one branch.
      code: `import zookeeper from 'node-zookeeper-client';
function f(x) { const client = zookeeper.createClient('h'); if (x) client.once('connected', () => client.close()); client.connect(); }`,
      errors: [{ messageId: 'notClosedOnEveryPath', line: 2, column: 32, data: { ...ZK, name: 'client' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
function f() { zookeeper.createClient('h').connect(); }`,
      errors: [{ messageId: 'discarded', line: 2, column: 16, data: ZK }],
    },
    {
      code: `import Redis from 'ioredis';
function f() { new Redis().on('error', console.error); }`,
      errors: [{ messageId: 'discarded', line: 2, column: 16, data: REDIS }],
    },
    {
      code: `import net from 'node:net';
function f() { void net.connect(80); }`,
      errors: [{ messageId: 'discarded', line: 2, column: 21, data: TCP }],
    },
    {
      // Used once, then dropped: the MongoClient behind the Db is never closed.
      code: `import { MongoClient } from 'mongodb';
async function users(url) { const db = new MongoClient(url).db('app'); return db.collection('users').find().toArray(); }`,
      errors: [{ messageId: 'discarded', line: 2, column: 40, data: MONGO }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
class Registry { constructor(hosts) { this.client = zookeeper.createClient(hosts); this.client.connect(); } list(path, cb) { this.client.getChildren(path, cb); } }`,
      errors: [{ messageId: 'fieldNeverClosed', line: 2, column: 53, data: { ...ZK, name: 'this.client' } }],
    },
    {
      // A class field initializer nobody closes (TypeScript).
      code: `import Redis from 'ioredis';
class Cache { private readonly redis = new Redis(); get(key: string) { return this.redis.get(key); } }`,
      ...ts,
      errors: [{ messageId: 'fieldNeverClosed', line: 2, column: 40, data: { ...REDIS, name: 'this.redis' } }],
    },
    {
      // A subclass of a class in this file that does not close it either.
      code: `import Redis from 'ioredis';
class Base { ping() { return 1; } }
class Service extends Base { constructor() { super(); this.redis = new Redis(); } }`,
      errors: [{ messageId: 'fieldNeverClosed', line: 3, column: 68, data: { ...REDIS, name: 'this.redis' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
function f() { let client = zookeeper.createClient('a'); client = zookeeper.createClient('b'); client.close(); }`,
      errors: [{ messageId: 'overwritten', line: 2, column: 29, data: { ...ZK, name: 'client' } }],
    },
    {
      // The client arrives in then() and is never closed.
      code: `import { MongoClient } from 'mongodb';
function f(url) { MongoClient.connect(url).then((client) => { client.db('app'); }); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 19, data: { ...MONGO, name: 'client' } }],
    },
    {
      // The amqplib callback API: the connection from the callback is never closed.
      code: `const amqp = require('amqplib/callback_api');
function send(message) { amqp.connect('amqp://localhost', (error, connection) => { connection.createChannel(); }); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 2, column: 26, data: { ...AMQP, name: 'connection' } }],
    },
    {
      // An alias that is used but never closed.
      code: `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); const zk = client; zk.connect(); }`,
      errors: [
        {
          messageId: 'neverClosed',
          line: 2,
          column: 31,
          data: { ...ZK, name: 'client' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'client.close()' },
              output: `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); try {
  const zk = client; zk.connect();
} finally {
  client.close();
} }`,
            },
          ],
        },
      ],
    },
    {
      // A per-request client in a route handler, never closed.
      code: `import pg from 'pg';
app.get('/users', async (req, res) => { const client = new pg.Client(); await client.connect(); res.json((await client.query('select * from users')).rows); });`,
      errors: [
        {
          messageId: 'neverClosed',
          line: 2,
          column: 56,
          data: { ...PG, name: 'client' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'await client.end()' },
              output: `import pg from 'pg';
app.get('/users', async (req, res) => { const client = new pg.Client(); try {
  await client.connect(); res.json((await client.query('select * from users')).rows);
} finally {
  await client.end();
} });`,
            },
          ],
        },
      ],
    },
    {
      code: `import { createClient } from 'redis';
async function f() { const client = await createClient().on('error', console.error).connect(); return client.get('x'); }`,
      errors: [
        {
          messageId: 'neverClosed',
          line: 2,
          column: 43,
          data: { ...REDIS4, name: 'client' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'await client.quit()' },
              output: `import { createClient } from 'redis';
async function f() { const client = await createClient().on('error', console.error).connect(); try {
  return client.get('x');
} finally {
  await client.quit();
} }`,
            },
          ],
        },
      ],
    },
    {
      code: `const { Pool } = require('pg');
function f() { const pool = new Pool(); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 2, column: 29, data: { ...PG, name: 'pool' } }],
    },
    {
      code: `const mysql = require('mysql2');
function f() { const connection = mysql.createConnection({}); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 2, column: 35, data: { ...MYSQL, name: 'connection' } }],
    },
    {
      code: `import mysql from 'mysql2/promise';
async function f() { const pool = mysql.createPool({}); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 35, data: { ...MYSQL, name: 'pool' } }],
    },
    {
      code: `import { MongoClient } from 'mongodb';
async function f(url) { const client = await MongoClient.connect(url); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 46, data: { ...MONGO, name: 'client' } }],
    },
    {
      code: `const amqp = require('amqplib');
async function f() { const connection = await amqp.connect('amqp://localhost'); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 47, data: { ...AMQP, name: 'connection' } }],
    },
    {
      code: `import { Kafka } from 'kafkajs';
const kafka = new Kafka({ brokers: ['127.0.0.1:9092'] });
async function f() { const producer = kafka.producer(); }`,
      errors: [{ messageId: 'neverClosed', line: 3, column: 39, data: { ...KAFKA, name: 'producer' } }],
    },
    {
      code: `import { Socket } from 'node:net';
function f() { const socket = new Socket(); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 31, data: { ...TCP, name: 'socket' } }],
    },
    {
      code: `const ZooKeeper = require('zookeeper');
function f() { const client = new ZooKeeper({ connect: '127.0.0.1:2181' }); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 2, column: 31, data: { ...ZK, name: 'client' } }],
    },
    {
      code: `import { Cluster } from 'ioredis';
function f() { const cluster = new Cluster([]); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 32, data: { ...REDIS, name: 'cluster' } }],
    },
    {
      // A function of this file that returns a fresh client.
      code: `import zookeeper from 'node-zookeeper-client';
const makeZk = (hosts) => zookeeper.createClient(hosts);
function f() { const client = makeZk('h'); }`,
      errors: [{ messageId: 'neverClosed', line: 3, column: 31, data: { ...ZK, name: 'client' } }],
    },
    {
      // A class method's local client.
      code: `import Redis from 'ioredis';
class Job { async run() { const redis = new Redis(); } }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 41, data: { ...REDIS, name: 'redis' } }],
    },
    {
      // A user-defined client never closed.
      code: `import { open } from 'my-db';
function f() { const db = open(); }`,
      settings: { connleak: { clients: [{ module: 'my-db', factories: ['open'], close: ['shutdown'], name: 'MyDB connection' }] } },
      errors: [{ messageId: 'neverClosed', line: 2, column: 27, data: { client: 'MyDB connection', close: 'shutdown', name: 'db' } }],
    },
    {
      // TypeScript, untyped: annotations do not hide the creation.
      code: `import { Client } from 'pg';
async function f(): Promise<void> { const client: Client = new Client(); }`,
      ...ts,
      errors: [{ messageId: 'neverClosed', line: 2, column: 60, data: { ...PG, name: 'client' } }],
    },
    {
      // TypeScript: import = require.
      code: `import zookeeper = require('node-zookeeper-client');
function f(): void { const client = zookeeper.createClient('h'); }`,
      ...ts,
      errors: [{ messageId: 'neverClosed', line: 2, column: 37, data: { ...ZK, name: 'client' } }],
    },
    {
      // A namespace import.
      code: `import * as IORedis from 'ioredis';
function f() { const redis = new IORedis.Redis(); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 30, data: { ...REDIS, name: 'redis' } }],
    },
    {
      // new (require('ioredis'))().
      code: `function f() { const redis = new (require('ioredis'))(); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 1, column: 30, data: { ...REDIS, name: 'redis' } }],
    },
    {
      // A member of require().
      code: `function f() { const client = require('node-zookeeper-client').createClient('h'); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 1, column: 31, data: { ...ZK, name: 'client' } }],
    },
    {
      // A local alias of the factory.
      code: `const zk = require('node-zookeeper-client');
const make = zk.createClient;
function f() { const client = make('h'); }`,
      ...cjs,
      errors: [{ messageId: 'neverClosed', line: 3, column: 31, data: { ...ZK, name: 'client' } }],
    },
    {
      // @redis/client, the package behind redis.
      code: `import { createClient } from '@redis/client';
async function f() { const client = createClient(); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 37, data: { ...REDIS4, name: 'client' } }],
    },
    {
      // A generator that never closes what it opened.
      code: `import net from 'node:net';
function* lines(port) { const socket = net.createConnection(port); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 40, data: { ...TCP, name: 'socket' } }],
    },
    {
      // strict: a call between creation and close can throw.
      code: `import zookeeper from 'node-zookeeper-client';
function f() { const client = zookeeper.createClient('h'); work(); client.close(); }`,
      options: strict,
      errors: [{ messageId: 'notClosedOnThrow', line: 2, column: 31, data: { ...ZK, name: 'client', line: '2' } }],
    },
    {
      // strict: connect() before the try can reject.
      code: `import pg from 'pg';
async function f() {
  const client = new pg.Client();
  await client.connect();
  try { await client.query('select 1'); } finally { await client.end(); }
}`,
      options: strict,
      errors: [{ messageId: 'notClosedOnThrow', line: 3, column: 18, data: { ...PG, name: 'client', line: '4' } }],
    },
    {
      // strict: an explicit throw leaves it open.
      code: `import Redis from 'ioredis';
async function f(bad) {
  const redis = new Redis();
  if (bad) throw new Error('bad input');
  await redis.quit();
}`,
      options: strict,
      errors: [{ messageId: 'notClosedOnThrow', line: 3, column: 17, data: { ...REDIS, name: 'redis', line: '4' } }],
    },
    {
      // strict: a catch that does not close it.
      code: `import Redis from 'ioredis';
async function f() {
  const redis = new Redis();
  try { await redis.get('x'); } catch (error) { log(error); }
  await redis.quit();
}`,
      options: strict,
      errors: [{ messageId: 'notClosedOnThrow', line: 3, column: 17, data: { ...REDIS, name: 'redis', line: '4' } }],
    },
  ],
});

const typedRuleTester = new TypedRuleTester({
  languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: typedFixtureDir } },
});
const summaries = summariesForTypedFixture();

typedRuleTester.run('require-client-close (typed)', rule as unknown as Parameters<TypedRuleTester['run']>[1], {
  valid: [
    // A typed wrapper's client, closed.
    `import { makeZk } from './wrappers';
export function f(): void { const client = makeZk('h'); client.connect(); client.close(); }`,
    // A getter of a shared client: nothing to close here.
    `import { sharedZk } from './wrappers';
export function f(): void { const client = sharedZk(); client.connect(); }`,
    // A pooled connection from a typed wrapper, released to its pool.
    `import { Pool } from 'pg';
import { checkout } from './wrappers';
export async function f(pool: Pool): Promise<void> { const client = await checkout(pool); try { await client.query('select 1'); } finally { client.release(); } }`,
    // A summarised holder class closed by its own method.
    {
      code: `import { ZkSession } from './wrappers';
export function f(): void { const session = new ZkSession(); session.start(); session.stop(); }`,
      settings: { connleak: { summaries } },
    },
    // strict: a summarised closer in finally.
    {
      code: `import { opaqueFactory, shutdown } from './wrappers';
export async function f(): Promise<void> { const client = opaqueFactory('h'); try { await Promise.resolve(client); } finally { shutdown(client); } }`,
      settings: { connleak: { summaries } },
      options: [{ requireCloseOnThrow: true }],
    },
  ],
  invalid: [
    {
      // A summarised holder class: its own close method is named in the message.
      code: `import { ZkSession } from './wrappers';
export function f(): void { const session = new ZkSession(); session.start(); }`,
      settings: { connleak: { summaries } },
      errors: [
        {
          messageId: 'neverClosed',
          line: 2,
          column: 45,
          data: { ...ZK, close: 'stop', name: 'session' },
          suggestions: [
            {
              messageId: 'closeInFinally',
              data: { closeCall: 'session.stop()' },
              output: `import { ZkSession } from './wrappers';
export function f(): void { const session = new ZkSession(); try {
  session.start();
} finally {
  session.stop();
} }`,
            },
          ],
        },
      ],
    },
    {
      code: `import { makeZk } from './wrappers';
export function f(): void { const client = makeZk('h'); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 44, data: { ...ZK, name: 'client' } }],
    },
    {
      code: `import { makeRedis } from './wrappers';
export async function f(): Promise<void> { const redis = await makeRedis('redis://h'); }`,
      errors: [{ messageId: 'neverClosed', line: 2, column: 64, data: { ...REDIS, name: 'redis' } }],
    },
    {
      code: `import { opaqueFactory } from './wrappers';
export function f(): void { const client = opaqueFactory('h'); }`,
      settings: { connleak: { summaries } },
      errors: [{ messageId: 'neverClosed', line: 2, column: 44, data: { ...ZK, name: 'client' } }],
    },
  ],
});
