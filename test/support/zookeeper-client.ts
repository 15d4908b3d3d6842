/**
 * node-zookeeper-client in the test process itself, for tests that need connections held open
 * while they probe the server. The package ships no type declarations: only what tests call is
 * declared here.
 */
export interface ZooKeeperClient {
  connect(): void;
  close(): void;
  once(event: 'connected' | 'disconnected', listener: () => void): this;
}

interface ZooKeeperClientModule {
  createClient(connectString: string, options?: { sessionTimeout?: number; retries?: number }): ZooKeeperClient;
}

// An untyped CommonJS package: typed by the interface above.
const zookeeper = require('node-zookeeper-client') as ZooKeeperClientModule;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the client reached SYNC_CONNECTED; rejects after `timeoutMs`. */
function connected(client: ZooKeeperClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SYNC_CONNECTED within ${timeoutMs} ms`)), timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
}

/**
 * Opens `count` clients one after another, `intervalMs` apart (a burst races ZooKeeper's selector
 * threads), each connected before the next starts. Close them with `closeClients`.
 */
export async function openClients(connectString: string, count: number, intervalMs = 100, timeoutMs = 5_000): Promise<ZooKeeperClient[]> {
  const clients: ZooKeeperClient[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000 });
      clients.push(client);
      await connected(client, timeoutMs);
      await delay(intervalMs);
    }
  } catch (error) {
    await closeClients(clients);
    throw error;
  }
  return clients;
}

/** Closes every client and waits (bounded) until each one's socket is gone. */
export async function closeClients(clients: readonly ZooKeeperClient[], timeoutMs = 5_000): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          client.once('disconnected', () => {
            clearTimeout(timer);
            resolve();
          });
          client.close();
        }),
    ),
  );
}
