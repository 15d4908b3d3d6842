import { builtinClients, type ClientKind } from './clients';

/**
 * A client kind a user adds through `settings.connleak.clients` (ESLint) or the checker's
 * configuration: `{ module, factories?, constructors?, close }`, plus optional names for messages
 * and a default port.
 */
export interface UserClientSpec {
  module: string;
  factories?: string[];
  constructors?: string[];
  close: string[];
  name?: string;
  port?: number;
}

/** A malformed `settings.connleak.clients` entry. The message is one line and names the field. */
export class CatalogConfigError extends Error {
  override readonly name = 'CatalogConfigError';
}

const allowedKeys = new Set(['module', 'factories', 'constructors', 'close', 'name', 'port']);
const propertyPath = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `"${value}"` : typeof value;
}

function readNameList(entry: Record<string, unknown>, key: string, where: string, required: boolean): string[] {
  const value = entry[key];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    throw new CatalogConfigError(`${where}.${key}: expected ${required ? 'a non-empty' : 'an'} array of names, got ${describe(value)}`);
  }
  value.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !propertyPath.test(name)) {
      throw new CatalogConfigError(`${where}.${key}[${index}]: expected a name such as "createClient" or "Client.connect", got ${describe(name)}`);
    }
  });
  return value as string[];
}

/** Validates one user entry and turns it into a catalog entry. */
export function parseUserClient(raw: unknown, where: string): ClientKind {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CatalogConfigError(`${where}: expected an object { module, factories?, constructors?, close }, got ${describe(raw)}`);
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!allowedKeys.has(key)) {
      throw new CatalogConfigError(`${where}.${key}: unknown field (allowed: ${[...allowedKeys].join(', ')})`);
    }
  }
  if (typeof entry.module !== 'string' || entry.module.trim() === '') {
    throw new CatalogConfigError(`${where}.module: expected a module name such as "my-db-client", got ${describe(entry.module)}`);
  }
  const factories = readNameList(entry, 'factories', where, false);
  const constructors = readNameList(entry, 'constructors', where, false);
  const closeMethods = readNameList(entry, 'close', where, true);
  if (factories.length === 0 && constructors.length === 0) {
    throw new CatalogConfigError(`${where}: needs at least one of "factories" or "constructors"`);
  }
  if (entry.name !== undefined && typeof entry.name !== 'string') {
    throw new CatalogConfigError(`${where}.name: expected a string, got ${describe(entry.name)}`);
  }
  const port = entry.port;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new CatalogConfigError(`${where}.port: expected a TCP port (1-65535), got ${describe(port)}`);
  }
  const clientName = typeof entry.name === 'string' ? entry.name : `${entry.module} client`;
  return {
    id: entry.module,
    modules: [entry.module],
    clientName,
    serverName: entry.module,
    factories,
    constructors,
    instanceFactories: [],
    closeMethods,
    typeNames: [],
    ...(typeof port === 'number' ? { defaultPort: port } : {}),
    userDefined: true,
  };
}

/**
 * The catalog with the user's entries merged in. A user entry for a module the catalog already
 * has adds its factories, constructors and close methods to the built-in entry; a new module
 * becomes a new entry. `where` names the setting in error messages.
 */
export function mergeClients(userClients: unknown, where = 'settings.connleak.clients'): readonly ClientKind[] {
  if (userClients === undefined) return builtinClients;
  if (!Array.isArray(userClients)) {
    throw new CatalogConfigError(`${where}: expected an array of client entries, got ${describe(userClients)}`);
  }
  const merged = [...builtinClients];
  userClients.forEach((raw: unknown, index) => {
    const user = parseUserClient(raw, `${where}[${index}]`);
    const existing = merged.findIndex((kind) => kind.modules.includes(user.modules[0]!));
    if (existing === -1) {
      merged.push(user);
      return;
    }
    const builtin = merged[existing]!;
    merged[existing] = {
      ...builtin,
      factories: union(builtin.factories, user.factories),
      constructors: union(builtin.constructors, user.constructors),
      closeMethods: union(builtin.closeMethods, user.closeMethods),
    };
  });
  return merged;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
