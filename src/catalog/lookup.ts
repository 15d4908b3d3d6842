import { builtinClients, type ClientKind, type ServerLimit } from './clients';

/** The catalog entry for a module specifier (`'mysql2/promise'` finds `mysql2`). */
export function clientForModule(specifier: string, catalog: readonly ClientKind[] = builtinClients): ClientKind | undefined {
  return catalog.find((kind) => kind.modules.includes(specifier));
}

/** Catalog entries whose server listens on `port` by default (2181: both ZooKeeper clients). */
export function clientsForPort(port: number, catalog: readonly ClientKind[] = builtinClients): ClientKind[] {
  return catalog.filter((kind) => kind.defaultPort === port);
}

const scopeWords: Record<ServerLimit['scope'], string> = {
  'per-client-ip': 'per client IP',
  'per-user': 'per user',
  global: 'in total',
};

/** "ZooKeeper accepts 60 per client IP (maxClientCnxns)": the limit as messages quote it. */
export function describeLimit(kind: ClientKind): string | undefined {
  if (!kind.limit) return undefined;
  return `${kind.serverName} accepts ${kind.limit.defaultValue} ${scopeWords[kind.limit.scope]} (${kind.limit.setting})`;
}
