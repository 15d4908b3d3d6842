import path from 'node:path';
import * as tsParser from '@typescript-eslint/parser';
import type { Rule } from 'eslint';
import { RuleTester, TypedRuleTester } from './testers';
import rule from '../../rules/no-client-in-loop';
import { fixturesDir } from '../support/paths';
import { summariesForTypedFixture } from './typed-fixture';

const eslintRule = rule as unknown as Rule.RuleModule;

const ZK = { client: 'ZooKeeper client', limit: 'ZooKeeper accepts 60 per client IP (maxClientCnxns)' };
const REDIS = { client: 'Redis client', limit: 'Redis accepts 10000 in total (maxclients)' };
const PG = { client: 'PostgreSQL client', limit: 'PostgreSQL accepts 100 in total (max_connections)' };
const MYSQL = { client: 'MySQL client', limit: 'MySQL accepts 151 in total (max_connections)' };
const MONGO = { client: 'MongoDB client', limit: 'MongoDB accepts 1000000 in total (net.maxIncomingConnections)' };
const KAFKA = { client: 'Kafka client' };
const AMQP = { client: 'AMQP connection' };
const TCP = { client: 'TCP socket' };

const LOOP = { pass: 'each pass opens a connection', advice: 'Create it once outside the loop.' };
const ITEM = { pass: 'each item opens a connection', advice: 'Create it once outside the callback.' };
const AT_ONCE = { pass: 'every item opens a connection at the same moment', advice: 'Create one client outside and share it, or limit the concurrency.' };
const TICK = { pass: 'each tick opens a connection', advice: 'Create it once outside the timer callback.' };
const REQUEST = { pass: 'each request opens a connection', advice: 'Create it once at startup and share it between requests.' };
const EVENT = { pass: 'each event opens a connection', advice: 'Create it once outside the listener.' };

const cjs = { languageOptions: { sourceType: 'commonjs' as const } };
const ts = { languageOptions: { parser: tsParser } };
const strictLoop = [{ allowClosedInIteration: false, allowPerItemClients: false }];

const ruleTester = new RuleTester({ languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } });

ruleTester.run('no-client-in-loop', eslintRule, {
  valid: [
    // Created once, outside any loop.
    `import zookeeper from 'node-zookeeper-client';
const client = zookeeper.createClient('127.0.0.1:2181');
for (const path of paths) client.getData(path, log);`,
    // A local function that happens to be called createClient is not a client.
    `function createClient() { return {}; }
for (const host of hosts) createClient(host);`,
    // An import of createClient from a module outside the catalog.
    `import { createClient } from 'soap';
for (const url of urls) createClient(url);`,
    // A local class shadowing the client's name.
    `class Redis {}
for (const url of urls) new Redis(url);`,
    // require shadowed by a parameter is not Node's require.
    `function load(require) { for (const u of urls) new (require('ioredis'))(u); }`,
    // Closed again in the same pass of a sequential loop (the default).
    `import zookeeper from 'node-zookeeper-client';
for (const host of hosts) {
  const client = zookeeper.createClient(host);
  client.connect();
  client.close();
}`,
    // Closed in a finally block of the same pass.
    `import pg from 'pg';
for (const db of databases) {
  const client = new pg.Client(db);
  try { await client.connect(); await client.query('select 1'); } finally { await client.end(); }
}`,
    // await using closes it at the end of each pass.
    `import zookeeper from 'node-zookeeper-client';
async function main() { for (const host of hosts) { await using client = zookeeper.createClient(host); } }`,
    // A synchronous forEach callback that closes it before the next item.
    `const net = require('node:net');
ports.forEach((port) => { const socket = net.connect(port); socket.end(); });`,
    // Lazy initialisation in a request handler runs once.
    `import Redis from 'ioredis';
let redis;
app.get('/users', async (req, res) => { if (!redis) redis = new Redis(); res.send(await redis.get('users')); });`,
    // ??= is a lazy initialisation too.
    `import Redis from 'ioredis';
let redis;
app.get('/users', async (req, res) => { redis ??= new Redis(); res.send(await redis.get('users')); });`,
    // Lazy initialisation on this in an event listener.
    `import zookeeper from 'node-zookeeper-client';
class Watcher { start(bus) { bus.on('job', () => { if (!this.zk) this.zk = zookeeper.createClient('h'); }); } }`,
    // An early return guards the creation.
    `import { MongoClient } from 'mongodb';
let client;
app.use(async (req, res, next) => { if (client) return next(); client = await MongoClient.connect(url); next(); });`,
    // A keyed cache: created once per key.
    `import Redis from 'ioredis';
const byHost = new Map();
for (const host of hosts) { if (!byHost.has(host)) byHost.set(host, new Redis(host)); }`,
    // A retry loop stops at the first connection that works.
    `import { MongoClient } from 'mongodb';
let client;
for (const url of urls) {
  try { client = await MongoClient.connect(url); break; } catch (error) { log(error); }
}`,
    // A retry loop that returns the connection.
    `const amqp = require('amqplib');
async function connect() {
  while (true) {
    try { return await amqp.connect(url); } catch { await sleep(1000); }
  }
}`,
    // One long-lived client per shard, kept in an outer array (allowPerItemClients).
    `import Redis from 'ioredis';
const shards = [];
for (const url of shardUrls) shards.push(new Redis(url));`,
    // One client per item, returned from map.
    `import Redis from 'ioredis';
const shards = shardUrls.map((url) => new Redis(url));`,
    // One client per host, all connected at once and kept.
    `import { MongoClient } from 'mongodb';
const clients = await Promise.all(hosts.map(async (host) => { const client = new MongoClient(host); await client.connect(); return client; }));`,
    // One client per key, returned inside a [key, client] pair from map.
    `import Redis from 'ioredis';
const byName = Object.fromEntries(Object.entries(config).map(([name, url]) => [name, new Redis(url)]));`,
    // A retry loop whose try block returns the connection; even strict does not call it churn.
    {
      code: `import pg from 'pg';
async function connect() {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client();
    try { await client.connect(); return client; } catch (error) { await client.end(); await sleep(attempt * 100); }
  }
}`,
      options: strictLoop,
    },
    // Stored per key in an outer object.
    `import pg from 'pg';
const pools = {};
for (const [name, config] of Object.entries(databases)) pools[name] = new pg.Pool(config);`,
    // once() runs its listener once.
    `import zookeeper from 'node-zookeeper-client';
emitter.once('start', () => { const client = zookeeper.createClient('h'); client.connect(); });`,
    // Reconnecting after 'close' replaces a client that is already gone.
    `import Redis from 'ioredis';
let redis = new Redis();
redis.on('close', () => { redis = new Redis(); });`,
    // Signal handlers run once.
    `import zookeeper from 'node-zookeeper-client';
process.on('SIGTERM', () => { const client = zookeeper.createClient('h'); client.connect(); });`,
    // setTimeout runs once.
    `import Redis from 'ioredis';
setTimeout(() => { const redis = new Redis(); redis.quit(); }, 1000);`,
    // A per-test setup hook is not a loop.
    `import Redis from 'ioredis';
let redis;
beforeEach(() => { redis = new Redis(); });
afterEach(() => redis.quit());`,
    // A function stored in a variable runs when someone calls it, not per pass.
    `import zookeeper from 'node-zookeeper-client';
const make = () => zookeeper.createClient('h');
export default make;`,
    // Functions pushed in a loop are stored, not run.
    `import zookeeper from 'node-zookeeper-client';
for (const host of hosts) handlers.push(() => zookeeper.createClient(host));`,
    // The init part of a for loop runs once.
    `import zookeeper from 'node-zookeeper-client';
for (let client = zookeeper.createClient('h'), i = 0; i < 3; i++) client.getData('/x', log);`,
    // pg's pool.connect() checks out a pooled connection; it creates no client.
    `import pg from 'pg';
const pool = new pg.Pool();
for (const job of jobs) { const conn = await pool.connect(); conn.release(); }`,
    // producer() on something that is not a kafkajs Kafka.
    `const thing = makeThing();
for (const topic of topics) thing.producer(topic);`,
    // new Kafka() is configuration, not a connection.
    `import { Kafka } from 'kafkajs';
for (const broker of brokers) new Kafka({ brokers: [broker] });`,
    // Reconnecting the same client object opens no new client.
    `import { MongoClient } from 'mongodb';
const client = new MongoClient(url);
for (let attempt = 0; attempt < 3; attempt++) await client.connect();`,
    // Queries in a loop over a connection made once.
    `const mysql = require('mysql2');
const connection = mysql.createConnection({ host: 'db' });
for (const id of ids) connection.query('select ?', [id]);`,
    // A callback of a non-route call with the same method name (a cache lookup).
    `import Redis from 'ioredis';
cache.get('key', (error, value) => { const redis = new Redis(); redis.quit(); });`,
    // An app.listen callback runs once.
    `import Redis from 'ioredis';
app.listen(3000, () => { const redis = new Redis(); redis.quit(); });`,
    // A class method without a loop.
    `import zookeeper from 'node-zookeeper-client';
class Service { start() { this.client = zookeeper.createClient('h'); } stop() { this.client.close(); } }`,
    // Module-level singleton after a loop.
    `const { Pool } = require('pg');
for (const x of xs) log(x);
const pool = new Pool();`,
    // JSX around array callbacks: no client, no crash.
    {
      code: `const list = <ul>{items.map((item) => <li key={item}>{item}</li>)}</ul>;`,
      languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    },
    // Decorators (TypeScript parser): no client, no crash.
    {
      code: `@Injectable()
class Service { @Inject() private readonly db!: unknown; }`,
      ...ts,
    },
    // A NestJS method without a handler decorator.
    {
      code: `import Redis from 'ioredis';
class Module { @Cron('*') tick() { const redis = new Redis(); redis.quit(); } }`,
      ...ts,
    },
    // A user-defined client outside any loop.
    {
      code: `import { open } from 'my-db';
const db = open();`,
      settings: { connleak: { clients: [{ module: 'my-db', factories: ['open'], close: ['shutdown'] }] } },
    },
    // CommonJS: the default option also allows a client closed in the pass.
    {
      code: `const Redis = require('ioredis');
for (const key of keys) {
  const redis = new Redis();
  redis.get(key).finally(() => redis.quit());
}`,
      ...cjs,
    },
    // A bounded pool fill is guarded by its own size.
    `import pg from 'pg';
const clients = [];
for (const config of configs) { if (clients.length < 5) clients.push(new pg.Client(config)); }`,
    // Options given explicitly as the defaults.
    {
      code: `import zookeeper from 'node-zookeeper-client';
for (const host of hosts) { const client = zookeeper.createClient(host); client.close(); }`,
      options: [{ allowClosedInIteration: true }],
    },
  ],
  invalid: [
    {
      // The incident: a ZooKeeper client per pass, never closed.
      code: `const zookeeper = require('node-zookeeper-client');
for (const path of paths) {
  const client = zookeeper.createClient('127.0.0.1:2181');
  client.connect();
}`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 3, column: 18, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { createClient } from 'node-zookeeper-client';
for (let i = 0; i < 100; i++) createClient('h').connect();`,
      errors: [{ messageId: 'repeated', line: 2, column: 31, data: { ...ZK, ...LOOP, context: 'a for loop body' } }],
    },
    {
      code: `import * as zk from 'node-zookeeper-client';
while (running) { const client = zk.createClient('h'); client.connect(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 34, data: { ...ZK, ...LOOP, context: 'a while loop body' } }],
    },
    {
      code: `import zk from 'node-zookeeper-client';
do { zk.createClient('h').connect(); } while (again());`,
      errors: [{ messageId: 'repeated', line: 2, column: 6, data: { ...ZK, ...LOOP, context: 'a do-while loop body' } }],
    },
    {
      code: `import { createClient as makeZk } from 'node-zookeeper-client';
for (const name in servers) makeZk(servers[name]).connect();`,
      errors: [{ messageId: 'repeated', line: 2, column: 29, data: { ...ZK, ...LOOP, context: 'a for-in loop body' } }],
    },
    {
      code: `import Redis from 'ioredis';
for await (const event of stream) { const redis = new Redis(); await redis.publish('events', event); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 51, data: { ...REDIS, ...LOOP, context: 'a for-await-of loop body' } }],
    },
    {
      code: `import Redis from 'ioredis';
keys.forEach((key) => { const redis = new Redis(); redis.get(key); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 39, data: { ...REDIS, ...ITEM, context: 'a forEach() callback' } }],
    },
    {
      code: `import pg from 'pg';
const counts = tables.map((table) => { const client = new pg.Client(); client.connect(); return table; });`,
      errors: [{ messageId: 'repeated', line: 2, column: 55, data: { ...PG, ...ITEM, context: 'a map() callback' } }],
    },
    {
      code: `import mysql from 'mysql2/promise';
await Promise.all(ids.map(async (id) => {
  const connection = await mysql.createConnection({ host: 'db' });
  await connection.query('delete from t where id = ?', [id]);
  await connection.end();
}));`,
      errors: [{ messageId: 'repeated', line: 3, column: 28, data: { ...MYSQL, ...AT_ONCE, context: 'a map() callback inside Promise.all' } }],
    },
    {
      code: `const net = require('node:net');
const pairs = Array.from(ports, (port) => { net.connect(port); return port; });`,
      ...cjs,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 45, data: { ...TCP, ...ITEM, context: 'an Array.from() callback' } }],
    },
    {
      code: `import Redis from 'ioredis';
const total = keys.reduce((sum, key) => { const redis = new Redis(); redis.incr(key); return sum + 1; }, 0);`,
      errors: [{ messageId: 'repeated', line: 2, column: 57, data: { ...REDIS, ...ITEM, context: 'a reduce() callback' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
const found = hosts.some((host) => zookeeper.createClient(host).getState() === 3);`,
      errors: [{ messageId: 'repeated', line: 2, column: 36, data: { ...ZK, ...ITEM, context: 'a some() callback' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
const first = hosts.find((host) => { const client = zookeeper.createClient(host); client.connect(); return true; });`,
      errors: [{ messageId: 'repeated', line: 2, column: 53, data: { ...ZK, ...ITEM, context: 'a find() callback' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
setInterval(() => {
  const client = zookeeper.createClient('127.0.0.1:2181');
  client.connect();
}, 5000);`,
      errors: [{ messageId: 'repeated', line: 3, column: 18, data: { ...ZK, ...TICK, context: 'a setInterval() callback' } }],
    },
    {
      code: `import { setInterval } from 'node:timers';
import Redis from 'ioredis';
setInterval(async () => { const redis = new Redis(); await redis.ping(); }, 1000);`,
      errors: [{ messageId: 'repeated', line: 3, column: 41, data: { ...REDIS, ...TICK, context: 'a setInterval() callback' } }],
    },
    {
      code: `import express from 'express';
import Redis from 'ioredis';
const app = express();
app.get('/users/:id', async (req, res) => {
  const redis = new Redis();
  res.json(await redis.get(req.params.id));
});`,
      errors: [{ messageId: 'repeated', line: 5, column: 17, data: { ...REDIS, ...REQUEST, context: 'an app.get() route handler' } }],
    },
    {
      code: `import pg from 'pg';
router.post('/orders', auth, async (req, res) => {
  const client = new pg.Client();
  await client.connect();
  res.send(await client.query('insert into orders default values'));
});`,
      errors: [{ messageId: 'repeated', line: 3, column: 18, data: { ...PG, ...REQUEST, context: 'a router.post() route handler' } }],
    },
    {
      code: `import { MongoClient } from 'mongodb';
app.use(async (req, res, next) => { req.db = await MongoClient.connect(url); next(); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 52, data: { ...MONGO, ...REQUEST, context: 'an app.use() middleware' } }],
    },
    {
      code: `import Redis from 'ioredis';
fastify.route({ method: 'GET', url: '/', handler: async (request) => new Redis().get('x') });`,
      errors: [{ messageId: 'repeated', line: 2, column: 70, data: { ...REDIS, ...REQUEST, context: 'a fastify.route() handler' } }],
    },
    {
      code: `const zookeeper = require('node-zookeeper-client');
server.route({
  method: 'GET',
  path: '/config',
  handler(request, h) {
    const client = zookeeper.createClient('h');
    client.connect();
    return 'ok';
  },
});`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 6, column: 20, data: { ...ZK, ...REQUEST, context: 'a server.route() handler' } }],
    },
    {
      code: `import http from 'node:http';
import Redis from 'ioredis';
http.createServer((req, res) => { const redis = new Redis(); redis.get('x').then((v) => res.end(v)); }).listen(8080);`,
      errors: [{ messageId: 'repeated', line: 3, column: 49, data: { ...REDIS, ...REQUEST, context: 'an http.createServer() connection handler' } }],
    },
    {
      code: `import { createServer } from 'node:net';
import pg from 'pg';
createServer((socket) => { const pool = new pg.Pool(); socket.on('data', (d) => pool.query(d.toString())); });`,
      errors: [{ messageId: 'repeated', line: 3, column: 41, data: { ...PG, ...REQUEST, context: 'a net.createServer() connection handler' } }],
    },
    {
      code: `import zookeeper from 'node-zookeeper-client';
server.on('request', (req, res) => { const client = zookeeper.createClient('h'); client.connect(); res.end(); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 53, data: { ...ZK, ...REQUEST, context: "a server.on('request') listener" } }],
    },
    {
      code: `import Redis from 'ioredis';
queue.on('message', async (message) => { const redis = new Redis(); await redis.lpush('log', message); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 56, data: { ...REDIS, ...EVENT, context: "a queue.on('message') listener" } }],
    },
    {
      code: `const zookeeper = require('node-zookeeper-client');
process.on('message', (message) => { zookeeper.createClient(message.hosts).connect(); });`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 38, data: { ...ZK, ...EVENT, context: "a process.on('message') listener" } }],
    },
    {
      code: `const net = require('net');
stream.addListener('data', (chunk) => { const socket = new net.Socket(); socket.connect(9000); });`,
      ...cjs,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 56, data: { ...TCP, ...EVENT, context: "a stream.addListener('data') listener" } }],
    },
    {
      // A handler declared on its own and passed to a route.
      code: `import Redis from 'ioredis';
async function getUser(req, res) { const redis = new Redis(); res.json(await redis.get(req.params.id)); }
app.get('/users/:id', getUser);`,
      errors: [{ messageId: 'repeated', line: 2, column: 50, data: { ...REDIS, ...REQUEST, context: 'an app.get() route handler' } }],
    },
    {
      code: `for (const url of urls) { const redis = new (require('ioredis'))(url); redis.ping(); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 1, column: 41, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `const { createClient } = require('redis');
for (const url of urls) { const client = createClient({ url }); client.connect(); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 42, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `for (const host of hosts) require('node-zookeeper-client').createClient(host).connect();`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 1, column: 27, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // A local alias of the factory.
      code: `const zk = require('node-zookeeper-client');
const make = zk.createClient;
for (const host of hosts) make(host).connect();`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 3, column: 27, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `const { MongoClient } = require('mongodb');
for (const url of urls) { const client = await MongoClient.connect(url); await client.db().command({ ping: 1 }); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 48, data: { ...MONGO, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { MongoClient } from 'mongodb';
for (const url of urls) { const client = new MongoClient(url); await client.connect(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 42, data: { ...MONGO, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { Kafka } from 'kafkajs';
const kafka = new Kafka({ brokers: ['127.0.0.1:9092'] });
for (const message of messages) { const producer = kafka.producer(); await producer.connect(); await producer.send(message); }`,
      errors: [{ messageId: 'repeatedNoLimit', line: 3, column: 52, data: { ...KAFKA, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `const { Kafka } = require('kafkajs');
groups.forEach((groupId) => new Kafka({ brokers }).consumer({ groupId }).connect());`,
      ...cjs,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 29, data: { ...KAFKA, ...ITEM, context: 'a forEach() callback' } }],
    },
    {
      code: `const amqp = require('amqplib');
for (const job of jobs) { const connection = await amqp.connect(url); const channel = await connection.createChannel(); channel.sendToQueue('q', job); }`,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 52, data: { ...AMQP, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import net from 'node:net';
for (const port of ports) { const socket = net.createConnection({ port }); socket.write('ping'); }`,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 44, data: { ...TCP, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `const mysql = require('mysql2');
for (const tenant of tenants) { const pool = mysql.createPool({ database: tenant }); pool.query('select 1'); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 46, data: { ...MYSQL, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `const { Pool } = require('pg');
while (queue.length) { const pool = new Pool(); pool.query(queue.pop()); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 37, data: { ...PG, ...LOOP, context: 'a while loop body' } }],
    },
    {
      code: `import { createCluster } from 'redis';
for (const nodes of clusters) { const cluster = createCluster({ rootNodes: nodes }); cluster.connect(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 49, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { Cluster } from 'ioredis';
for (const nodes of clusters) { const cluster = new Cluster(nodes); cluster.ping(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 49, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // The zookeeper package (a constructor, not a factory).
      code: `const ZooKeeper = require('zookeeper');
for (const node of nodes) { const zk = new ZooKeeper({ connect: node }); zk.init({}); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 40, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import Redis from 'ioredis';
const live = urls.filter((url) => new Redis(url).status === 'ready');`,
      errors: [{ messageId: 'repeated', line: 2, column: 35, data: { ...REDIS, ...ITEM, context: 'a filter() callback' } }],
    },
    {
      code: `import { MongoClient } from 'mongodb';
const names = urls.flatMap((url) => { const client = new MongoClient(url); void client.connect(); return [url]; });`,
      errors: [{ messageId: 'repeated', line: 2, column: 54, data: { ...MONGO, ...ITEM, context: 'a flatMap() callback' } }],
    },
    {
      code: `const net = require('net');
const ok = ports.every((port) => { const socket = net.connect(port); socket.unref(); return true; });`,
      ...cjs,
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 51, data: { ...TCP, ...ITEM, context: 'an every() callback' } }],
    },
    {
      code: `import https from 'node:https';
import { MongoClient } from 'mongodb';
https.createServer(tlsOptions, async (req, res) => { const client = await MongoClient.connect(url); res.end(); });`,
      errors: [{ messageId: 'repeated', line: 3, column: 75, data: { ...MONGO, ...REQUEST, context: 'an https.createServer() connection handler' } }],
    },
    {
      code: `import Redis from 'ioredis';
fastify.get('/health', async () => { const redis = new Redis(); return redis.ping(); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 52, data: { ...REDIS, ...REQUEST, context: 'a fastify.get() route handler' } }],
    },
    {
      // A function of this file that returns a fresh client.
      code: `import zookeeper from 'node-zookeeper-client';
function makeZk(hosts) { return zookeeper.createClient(hosts); }
for (const path of paths) { const client = makeZk('h'); client.connect(); }`,
      errors: [{ messageId: 'repeated', line: 3, column: 44, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // A .then callback inside a loop runs once per pass.
      code: `import Redis from 'ioredis';
for (const key of keys) { lookup(key).then((url) => new Redis(url).set(key, 1)); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 53, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // Reassigning an outer variable in every pass leaks the previous client.
      code: `import Redis from 'ioredis';
let redis;
for (const url of urls) { redis = new Redis(url); }`,
      errors: [{ messageId: 'repeated', line: 3, column: 35, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // Closed in the pass, but an async forEach runs every pass at once.
      code: `import zookeeper from 'node-zookeeper-client';
hosts.forEach(async (host) => { const client = zookeeper.createClient(host); await check(client); client.close(); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 48, data: { ...ZK, ...ITEM, context: 'a forEach() callback' } }],
    },
    {
      // strict: closing in the same pass is still a reconnect per pass.
      code: `import zookeeper from 'node-zookeeper-client';
for (const path of paths) {
  const client = zookeeper.createClient('h');
  client.connect();
  client.close();
}`,
      options: strictLoop,
      errors: [{ messageId: 'reconnectEachPass', line: 3, column: 18, data: { ...ZK, advice: 'Create it once outside the loop.', context: 'a for-of loop body' } }],
    },
    {
      // strict: the same churn in a forEach callback, with the advice for a callback.
      code: `import zookeeper from 'node-zookeeper-client';
paths.forEach((path) => {
  const client = zookeeper.createClient('h');
  client.connect();
  client.close();
});`,
      options: strictLoop,
      errors: [{ messageId: 'reconnectEachPass', line: 3, column: 18, data: { ...ZK, ...ITEM, context: 'a forEach() callback' } }],
    },
    {
      // strict: one client per item is reported too.
      code: `import Redis from 'ioredis';
const shards = [];
for (const url of shardUrls) shards.push(new Redis(url));`,
      options: strictLoop,
      errors: [{ messageId: 'repeated', line: 3, column: 42, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // A client kind from settings.connleak.clients.
      code: `import { open } from 'my-db';
for (const shard of shards) { const db = open(shard); db.query('x'); }`,
      settings: { connleak: { clients: [{ module: 'my-db', factories: ['open'], close: ['shutdown'], name: 'MyDB connection' }] } },
      errors: [{ messageId: 'repeatedNoLimit', line: 2, column: 42, data: { client: 'MyDB connection', ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // TypeScript: import = require.
      code: `import zookeeper = require('node-zookeeper-client');
for (const host of hosts) { const client: zookeeper.Client = zookeeper.createClient(host); client.connect(); }`,
      ...ts,
      errors: [{ messageId: 'repeated', line: 2, column: 62, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // TypeScript: type assertions around the creation.
      code: `import Redis from 'ioredis';
for (const url of urls) { const redis = new Redis(url) as Redis; redis.ping(); }`,
      ...ts,
      errors: [{ messageId: 'repeated', line: 2, column: 41, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // TypeScript: a NestJS route handler method.
      code: `import Redis from 'ioredis';
class UsersController {
  @Get(':id')
  async find(id: string) { const redis = new Redis(); return redis.get(id); }
}`,
      ...ts,
      errors: [{ messageId: 'repeated', line: 4, column: 42, data: { ...REDIS, ...REQUEST, context: 'a @Get() handler' } }],
    },
    {
      // Compiled TypeScript: what tsc emits for an imported call.
      code: `const node_zookeeper_client_1 = require("node-zookeeper-client");
for (const host of hosts) { const client = (0, node_zookeeper_client_1.createClient)(host); client.connect(); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 44, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // Compiled TypeScript: a default import through __importDefault.
      code: `const ioredis_1 = __importDefault(require("ioredis"));
for (const url of urls) { const redis = new ioredis_1.default(url); redis.ping(); }`,
      ...cjs,
      errors: [{ messageId: 'repeated', line: 2, column: 41, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
  ],
});

const typedFixture = path.join(fixturesDir, 'lint/typed');
const typedRuleTester = new TypedRuleTester({
  languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: typedFixture } },
});
const summaries = summariesForTypedFixture();

typedRuleTester.run('no-client-in-loop (typed)', rule as unknown as Parameters<TypedRuleTester['run']>[1], {
  valid: [
    // A getter of one shared client is not a factory, even though it returns a client type.
    `import { sharedZk } from './wrappers';
for (const path of ['/a', '/b']) sharedZk().getData(path, () => {});`,
    // A project function returning something else.
    `function describeHost(host: string): string { return host; }
for (const host of ['a', 'b']) describeHost(host);`,
    // With summaries, a factory closed by a summarised closer in the same pass.
    {
      code: `import { opaqueFactory, shutdown } from './wrappers';
for (const host of ['a', 'b']) { const client = opaqueFactory(host); shutdown(client); }`,
      settings: { connleak: { summaries } },
    },
    // A summarised holder class closed by its own method in the same pass.
    {
      code: `import { ZkSession } from './wrappers';
for (const name of ['a', 'b']) { const session = new ZkSession(); session.start(); session.stop(); }`,
      settings: { connleak: { summaries } },
    },
    // Handed to a class whose constructor takes it over (a summarised closer) in the same pass.
    {
      code: `import { ClientHolder, opaqueFactory } from './wrappers';
for (const host of ['a', 'b']) { const holder = new ClientHolder(opaqueFactory(host)); holder.dispose(); }`,
      settings: { connleak: { summaries } },
    },
    // With summaries, the return-type rule gives way to them: makeZk is not listed here.
    {
      code: `import { makeZk } from './wrappers';
for (const host of ['a', 'b']) makeZk(host).connect();`,
      settings: { connleak: { summaries: { factories: {}, closers: {} } } },
    },
  ],
  invalid: [
    {
      // A typed wrapper in another file.
      code: `import { makeZk } from './wrappers';
for (const host of ['a', 'b']) { const client = makeZk(host); client.connect(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 49, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { makeRedis } from './wrappers';
for (const url of ['a', 'b']) { const redis = await makeRedis(url); await redis.ping(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 53, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { makeMongo } from './wrappers';
['a', 'b'].forEach((url) => { const client = makeMongo(url); void client.connect(); });`,
      errors: [{ messageId: 'repeated', line: 2, column: 46, data: { ...MONGO, ...ITEM, context: 'a forEach() callback' } }],
    },
    {
      code: `import { Kafka } from 'kafkajs';
import { makeProducer } from './wrappers';
const kafka = new Kafka({ brokers: ['127.0.0.1:9092'] });
setInterval(() => { void makeProducer(kafka).connect(); }, 1000);`,
      errors: [{ messageId: 'repeatedNoLimit', line: 4, column: 26, data: { ...KAFKA, ...TICK, context: 'a setInterval() callback' } }],
    },
    {
      code: `import { makeMysql } from './wrappers';
for (const id of [1, 2]) { const connection = await makeMysql(); await connection.query('select ?', [id]); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 53, data: { ...MYSQL, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { makeRedisV4 } from './wrappers';
for (const key of ['a']) { const client = makeRedisV4(); await client.connect(); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 43, data: { ...REDIS, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      code: `import { makePg } from './wrappers';
for (const sql of ['select 1']) { const client = await makePg(); await client.query(sql); }`,
      errors: [{ messageId: 'repeated', line: 2, column: 56, data: { ...PG, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // A method of a project class.
      code: `import { ZkFactory } from './wrappers';
const factory = new ZkFactory();
for (const host of ['a']) factory.create(host).connect();`,
      errors: [{ messageId: 'repeated', line: 3, column: 27, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // The checker's summaries name a factory the types cannot show.
      code: `import { opaqueFactory } from './wrappers';
for (const host of ['a', 'b']) { const client = opaqueFactory(host); console.log(client); }`,
      settings: { connleak: { summaries } },
      errors: [{ messageId: 'repeated', line: 2, column: 49, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // new of a class the summaries name as holding a client it creates.
      code: `import { ZkSession } from './wrappers';
for (const name of ['a', 'b']) { const session = new ZkSession(); session.start(); }`,
      settings: { connleak: { summaries } },
      errors: [{ messageId: 'repeated', line: 2, column: 50, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
    {
      // Without the summarised closer, a summarised factory in a loop stays open.
      code: `import { opaqueFactory } from './wrappers';
for (const host of ['a', 'b']) { const client = opaqueFactory(host); void client; }`,
      settings: { connleak: { summaries: { factories: summaries.factories, closers: {} } } },
      errors: [{ messageId: 'repeated', line: 2, column: 49, data: { ...ZK, ...LOOP, context: 'a for-of loop body' } }],
    },
  ],
});
