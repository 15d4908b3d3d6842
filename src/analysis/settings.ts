/**
 * `settings.connleak` as the rules read it: the catalog merged with the user's clients (validated,
 * once per settings object) and the checker's cross-file summaries.
 */
import { builtinClients, CatalogConfigError, mergeClients, type ClientKind } from '../catalog';
import type { CrossFileSummaries } from './summaries';

export interface ConnleakSettings {
  readonly catalog: readonly ClientKind[];
  readonly summaries: CrossFileSummaries | undefined;
}

const defaultSettings: ConnleakSettings = { catalog: builtinClients, summaries: undefined };
const cache = new WeakMap<object, ConnleakSettings>();

/** Reads `settings.connleak`; throws CatalogConfigError (one line, naming the field) when it is malformed. */
export function readSettings(settings: Readonly<Record<string, unknown>> | undefined): ConnleakSettings {
  const raw = settings?.connleak;
  if (raw === undefined) return defaultSettings;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CatalogConfigError(`settings.connleak: expected an object { clients?, summaries? }, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
  }
  const cached = cache.get(raw);
  if (cached) return cached;
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (key !== 'clients' && key !== 'summaries') {
      throw new CatalogConfigError(`settings.connleak.${key}: unknown field (allowed: clients, summaries)`);
    }
  }
  const parsed: ConnleakSettings = {
    catalog: mergeClients(entry.clients),
    summaries: readSummaries(entry.summaries),
  };
  cache.set(raw, parsed);
  return parsed;
}

function readSummaries(raw: unknown): CrossFileSummaries | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null) {
    throw new CatalogConfigError('settings.connleak.summaries: expected an object { factories, closers }');
  }
  const { factories, closers } = raw as Record<string, unknown>;
  if (typeof factories !== 'object' || factories === null || Array.isArray(factories)) {
    throw new CatalogConfigError('settings.connleak.summaries.factories: expected an object of declaration key -> client id');
  }
  if (typeof closers !== 'object' || closers === null || Array.isArray(closers)) {
    throw new CatalogConfigError('settings.connleak.summaries.closers: expected an object of declaration key -> parameter indexes');
  }
  return raw as CrossFileSummaries;
}
