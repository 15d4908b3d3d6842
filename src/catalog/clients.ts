/**
 * The built-in client catalog: every connection client connleak knows, where it comes from,
 * how it is created and closed, and what the server does when a client opens too many.
 *
 * One table, read by the ESLint rules (recognition by origin), the checker (summaries) and the
 * runtime tracer (default limits, which factory call to carry to the sockets it opens).
 *
 * Paths in `factories` and `constructors` are property paths from the module's exports:
 * `'createClient'` is `require(module).createClient(...)`, `'MongoClient.connect'` is
 * `require('mongodb').MongoClient.connect(...)`, and `'default'` is the ESM default export, which
 * for these CommonJS packages is also the value `require(module)` returns itself.
 */

/** How a server counts connections against its limit. */
export type LimitScope = 'per-client-ip' | 'per-user' | 'global';

export interface ServerLimit {
  /** The server setting that enforces the limit, as its documentation spells it. */
  readonly setting: string;
  /** The setting's default value. */
  readonly defaultValue: number;
  readonly scope: LimitScope;
  /** What a client sees once the server refuses it. */
  readonly clientError: string;
  /** Where the setting, its default and its error are documented. */
  readonly source: string;
}

/** A method of an instance that opens a connection, such as kafkajs `new Kafka(...).producer()`. */
export interface InstanceFactory {
  /** Constructor path (as in `constructors`) whose instances have the factory methods. */
  readonly of: string;
  readonly methods: readonly string[];
}

export interface ClientKind {
  /** Stable identifier, used in findings, JSON output and runtime reports. */
  readonly id: string;
  /** Module specifiers that export this client (`mysql2` and `mysql2/promise`). */
  readonly modules: readonly string[];
  /** Human name of the client, used in messages: "ZooKeeper client". */
  readonly clientName: string;
  /** Human name of the server: "ZooKeeper". */
  readonly serverName: string;
  readonly factories: readonly string[];
  readonly constructors: readonly string[];
  readonly instanceFactories: readonly InstanceFactory[];
  /** Methods that release the connection; any one of them closes the client. */
  readonly closeMethods: readonly string[];
  /** TypeScript type names (declared in the module or its @types package) of a created client. */
  readonly typeNames: readonly string[];
  /** The server's default listening port, when it has a conventional one. */
  readonly defaultPort?: number;
  /** The server's own limit on connections, when it has one. */
  readonly limit?: ServerLimit;
  /** True for entries merged in from `settings.connleak.clients`. */
  readonly userDefined?: boolean;
}

/** Both ZooKeeper clients talk to the same server, with the same limit. */
const zooKeeperLimit: ServerLimit = {
  setting: 'maxClientCnxns',
  defaultValue: 60,
  scope: 'per-client-ip',
  clientError:
    'connection closed at once by the server (ECONNRESET / EPIPE / end of stream); server log: "Too many connections from /IP - max is N"',
  // ZooKeeper Administrator's Guide, "Advanced Configuration": maxClientCnxns limits the
  // concurrent connections a single client, identified by IP address, may make to a single
  // member; default 60. Server behaviour measured here against Debian's ZooKeeper 3.8.0.
  source: 'https://zookeeper.apache.org/doc/r3.8.0/zookeeperAdmin.html#sc_advancedConfiguration',
};

/** Both Redis clients talk to the same server, with the same limit. */
const redisLimit: ServerLimit = {
  setting: 'maxclients',
  defaultValue: 10000,
  scope: 'global',
  clientError: 'ERR max number of clients reached',
  // Redis docs, "Redis client handling": "Maximum concurrent connected clients ... 10000 by
  // default"; over it the server writes the error and closes the connection.
  source: 'https://redis.io/docs/latest/develop/reference/clients/',
};

export const builtinClients: readonly ClientKind[] = [
  {
    id: 'node-zookeeper-client',
    modules: ['node-zookeeper-client'],
    clientName: 'ZooKeeper client',
    serverName: 'ZooKeeper',
    factories: ['createClient'],
    constructors: [],
    instanceFactories: [],
    closeMethods: ['close'],
    typeNames: ['Client'],
    defaultPort: 2181,
    limit: zooKeeperLimit,
  },
  {
    id: 'zookeeper',
    modules: ['zookeeper'],
    clientName: 'ZooKeeper client',
    serverName: 'ZooKeeper',
    factories: [],
    // `const ZooKeeper = require('zookeeper'); new ZooKeeper(cfg)` and `new zookeeper.Promise(cfg)`.
    constructors: ['default', 'Promise', 'ZooKeeper'],
    instanceFactories: [],
    closeMethods: ['close'],
    typeNames: ['ZooKeeper', 'ZooKeeperPromise'],
    defaultPort: 2181,
    limit: zooKeeperLimit,
  },
  {
    id: 'ioredis',
    modules: ['ioredis'],
    clientName: 'Redis client',
    serverName: 'Redis',
    factories: [],
    constructors: ['default', 'Redis', 'Cluster'],
    instanceFactories: [],
    closeMethods: ['quit', 'disconnect'],
    typeNames: ['Redis', 'Cluster'],
    defaultPort: 6379,
    limit: redisLimit,
  },
  {
    id: 'redis',
    modules: ['redis', '@redis/client'],
    clientName: 'Redis client',
    serverName: 'Redis',
    factories: ['createClient', 'createCluster', 'createSentinel'],
    constructors: [],
    instanceFactories: [],
    closeMethods: ['quit', 'disconnect', 'close', 'destroy'],
    typeNames: ['RedisClientType', 'RedisClusterType', 'RedisClient'],
    defaultPort: 6379,
    limit: redisLimit,
  },
  {
    id: 'pg',
    modules: ['pg'],
    clientName: 'PostgreSQL client',
    serverName: 'PostgreSQL',
    factories: [],
    constructors: ['Client', 'Pool', 'native.Client', 'native.Pool'],
    instanceFactories: [],
    // `release()` hands a PoolClient (one of the typeNames) back to its pool: its owner is done with it.
    closeMethods: ['end', 'release'],
    typeNames: ['Client', 'Pool', 'PoolClient'],
    defaultPort: 5432,
    limit: {
      setting: 'max_connections',
      defaultValue: 100,
      scope: 'global',
      clientError: 'FATAL: sorry, too many clients already (SQLSTATE 53300)',
      // PostgreSQL docs, 20.3.1 "Connection Settings": max_connections, "typically 100".
      source: 'https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-MAX-CONNECTIONS',
    },
  },
  {
    id: 'mysql2',
    modules: ['mysql2', 'mysql2/promise'],
    clientName: 'MySQL client',
    serverName: 'MySQL',
    factories: ['createConnection', 'createPool', 'createPoolCluster'],
    constructors: [],
    instanceFactories: [],
    closeMethods: ['end', 'destroy'],
    typeNames: ['Connection', 'Pool', 'PoolCluster'],
    defaultPort: 3306,
    limit: {
      setting: 'max_connections',
      defaultValue: 151,
      scope: 'global',
      clientError: 'ER_CON_COUNT_ERROR (1040): Too many connections',
      // MySQL 8.4 Reference Manual, 7.1.8 "Server System Variables": max_connections, default 151.
      source: 'https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_max_connections',
    },
  },
  {
    id: 'mongodb',
    modules: ['mongodb'],
    clientName: 'MongoDB client',
    serverName: 'MongoDB',
    factories: ['MongoClient.connect'],
    constructors: ['MongoClient'],
    instanceFactories: [],
    closeMethods: ['close'],
    typeNames: ['MongoClient'],
    defaultPort: 27017,
    limit: {
      setting: 'net.maxIncomingConnections',
      // The server's code default (DEFAULT_MAX_CONN); on Unix the effective value is further
      // capped by a share of the process's open-files limit (MongoDB DOCS-14280).
      defaultValue: 1000000,
      scope: 'global',
      clientError: 'connection closed by the server ("connection refused because too many open connections")',
      source: 'https://www.mongodb.com/docs/manual/reference/configuration-options/#mongodb-setting-net.maxIncomingConnections',
    },
  },
  {
    id: 'amqplib',
    modules: ['amqplib', 'amqplib/callback_api'],
    clientName: 'AMQP connection',
    serverName: 'RabbitMQ',
    factories: ['connect'],
    constructors: [],
    instanceFactories: [],
    closeMethods: ['close'],
    typeNames: ['Connection', 'ChannelModel'],
    defaultPort: 5672,
    // RabbitMQ has no default connection limit: `connection_max` defaults to infinity, per-vhost
    // and per-user limits are unset until an operator sets them
    // (https://www.rabbitmq.com/docs/networking, https://www.rabbitmq.com/docs/vhosts#limits).
  },
  {
    id: 'kafkajs',
    modules: ['kafkajs'],
    clientName: 'Kafka client',
    serverName: 'Kafka',
    factories: [],
    constructors: [],
    instanceFactories: [{ of: 'Kafka', methods: ['producer', 'consumer', 'admin'] }],
    closeMethods: ['disconnect'],
    typeNames: ['Producer', 'Consumer', 'Admin'],
    defaultPort: 9092,
    // No default limit worth warning about: the broker's max.connections.per.ip defaults to
    // 2147483647 (https://kafka.apache.org/documentation/#brokerconfigs_max.connections.per.ip);
    // an operator who lowers it sets CONNLEAK_LIMITS to match.
  },
  {
    id: 'net',
    modules: ['net', 'node:net'],
    clientName: 'TCP socket',
    serverName: 'TCP server',
    factories: ['connect', 'createConnection'],
    constructors: ['Socket'],
    instanceFactories: [],
    closeMethods: ['end', 'destroy', 'destroySoon', 'resetAndDestroy'],
    typeNames: ['Socket'],
  },
];
