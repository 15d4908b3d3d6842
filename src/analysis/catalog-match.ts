/**
 * Catalog matching on module specifier + property path, independent of any AST: the ESLint rules
 * reach it through import/require tracking, the checker (ts-morph) through its own symbol
 * resolution. Both ask the same question: "is `require(specifier).a.b(…)` a client factory?"
 */
import type { ClientKind } from '../catalog';

/**
 * The catalog's spelling of a path from a module's exports. An empty path (the value of
 * `require(specifier)` itself, or a namespace import) and `['default']` are both `'default'`;
 * `['default', 'Client']` is `'Client'`, because for the CommonJS packages of the catalog the ESM
 * default export is `module.exports`.
 */
export function exportPath(path: readonly string[]): string {
  if (path.length === 0) return 'default';
  if (path[0] === 'default' && path.length > 1) return path.slice(1).join('.');
  return path.join('.');
}

export function catalogKindForModule(catalog: readonly ClientKind[], specifier: string): ClientKind | undefined {
  return catalog.find((kind) => kind.modules.includes(specifier));
}

/** `require(specifier).<path>(…)` creates a client of the returned kind. */
export function matchFactoryCall(catalog: readonly ClientKind[], specifier: string, path: readonly string[]): ClientKind | undefined {
  const kind = catalogKindForModule(catalog, specifier);
  return kind?.factories.includes(exportPath(path)) ? kind : undefined;
}

/** `new (require(specifier).<path>)(…)` creates a client of the returned kind. */
export function matchConstructor(catalog: readonly ClientKind[], specifier: string, path: readonly string[]): ClientKind | undefined {
  const kind = catalogKindForModule(catalog, specifier);
  return kind?.constructors.includes(exportPath(path)) ? kind : undefined;
}

/** `new (require(specifier).<ctorPath>)(…).<method>(…)` creates a client (kafkajs `kafka.producer()`). */
export function matchInstanceFactory(
  catalog: readonly ClientKind[],
  specifier: string,
  ctorPath: readonly string[],
  method: string,
): ClientKind | undefined {
  const kind = catalogKindForModule(catalog, specifier);
  const ctor = exportPath(ctorPath);
  return kind?.instanceFactories.some((factory) => factory.of === ctor && factory.methods.includes(method)) ? kind : undefined;
}

/** Whether `new (require(specifier).<ctorPath>)(…)` makes an object with client factory methods. */
export function isInstanceFactoryOwner(catalog: readonly ClientKind[], specifier: string, ctorPath: readonly string[]): boolean {
  const kind = catalogKindForModule(catalog, specifier);
  const ctor = exportPath(ctorPath);
  return kind?.instanceFactories.some((factory) => factory.of === ctor) ?? false;
}

export function isCloseMethod(kind: ClientKind, method: string): boolean {
  return kind.closeMethods.includes(method);
}

/**
 * The module whose declarations a type name must come from to count as a client type:
 * `node_modules/<module>/…`, `node_modules/@types/<module>/…`, or an ambient
 * `declare module '<module>'` block (how @types/node declares `net`).
 */
export function declarationFileBelongsTo(fileName: string, module: string): boolean {
  const normalized = fileName.replace(/\\/g, '/');
  const bare = module.startsWith('node:') ? module.slice(5) : module;
  const typesName = bare.startsWith('@') ? bare.slice(1).replace('/', '__') : bare;
  return normalized.includes(`/node_modules/${bare}/`) || normalized.includes(`/node_modules/@types/${typesName}/`);
}

/** The catalog entry whose `typeNames` has `typeName`, declared in one of its modules. */
export function matchClientType(
  catalog: readonly ClientKind[],
  typeName: string,
  declaration: { fileName: string; ambientModule?: string },
): ClientKind | undefined {
  return catalog.find(
    (kind) =>
      kind.typeNames.includes(typeName) &&
      kind.modules.some((module) =>
        declaration.ambientModule !== undefined
          ? declaration.ambientModule === module || declaration.ambientModule === `node:${module}`
          : declarationFileBelongsTo(declaration.fileName, module),
      ),
  );
}

/** Every module specifier of the catalog. */
export function catalogModules(catalog: readonly ClientKind[]): string[] {
  return [...new Set(catalog.flatMap((kind) => kind.modules))];
}

const mentionPatterns = new WeakMap<readonly ClientKind[], RegExp>();

/**
 * Whether source text names a catalog module as a string (`'ioredis'`, `"node:net"`): the cheap
 * test that lets a file that cannot create a client skip the analysis. One regular expression,
 * one pass over the text.
 */
export function mentionsCatalogModule(catalog: readonly ClientKind[], text: string): boolean {
  let pattern = mentionPatterns.get(catalog);
  if (!pattern) {
    const alternatives = catalogModules(catalog).map((module) => module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    pattern = new RegExp(`['"\`](?:${alternatives.join('|')})['"\`]`);
    mentionPatterns.set(catalog, pattern);
  }
  return pattern.test(text);
}

interface CalleeNames {
  /** Last path segments of factories and instance-factory methods: `createClient`, `connect`, `producer`. */
  readonly calls: ReadonlySet<string>;
  /** Last path segments of constructors: `Redis`, `Client`, `default`. */
  readonly constructors: ReadonlySet<string>;
}

const calleeNamesCache = new WeakMap<readonly ClientKind[], CalleeNames>();

/**
 * The member names a creating call or `new` can end with. `x.query(…)` cannot create a catalog
 * client whatever `x` is, so its origin is never resolved: most calls of a file stop here.
 */
export function creatingCalleeNames(catalog: readonly ClientKind[]): CalleeNames {
  let names = calleeNamesCache.get(catalog);
  if (!names) {
    const last = (path: string): string => path.slice(path.lastIndexOf('.') + 1);
    names = {
      calls: new Set(catalog.flatMap((kind) => [...kind.factories.map(last), ...kind.instanceFactories.flatMap((factory) => factory.methods)])),
      constructors: new Set(['default', ...catalog.flatMap((kind) => kind.constructors.map(last))]),
    };
    calleeNamesCache.set(catalog, names);
  }
  return names;
}
