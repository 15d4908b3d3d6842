/**
 * What typed linting adds: a call of a function declared in the project whose return type is a
 * catalog client type (a wrapper such as `function makeZk(): zookeeper.Client`), and the
 * checker's cross-file summaries (`settings.connleak.summaries`), looked up by the callee's
 * declaration.
 *
 * The return-type rule is kept to the project's own functions: library methods that return a
 * client type are mostly chainable (`client.on(…)` returns the client) or hand out an existing
 * connection (`pool.connect()`), and the catalog already names the library calls that create one.
 * A function whose body only returns what already exists (`return cachedClient`) is a getter,
 * not a factory. When summaries are given, they replace the return-type rule for the project's
 * functions: the checker computed them over the whole program.
 */
import type * as ts from 'typescript';
import type { TSESTree } from '@typescript-eslint/utils';
import type { ClientKind } from '../catalog';
import type { Node } from './ast';
import { matchClientType } from './catalog-match';
import { declarationKey, type CrossFileSummaries } from './summaries';

export interface TypedServices {
  readonly program: ts.Program;
  readonly esTreeNodeToTSNodeMap: { get(node: Node): ts.Node | undefined };
}

/** The typescript-eslint parser services when the file was parsed with type information. */
export function typedServices(parserServices: unknown): TypedServices | undefined {
  const services = parserServices as Partial<TypedServices> | undefined;
  return services?.program && services.esTreeNodeToTSNodeMap ? (services as TypedServices) : undefined;
}

let typescriptModule: typeof ts | undefined;
/** Loaded on first typed use only: untyped runs never pay for TypeScript. */
function typescript(): typeof ts {
  typescriptModule ??= require('typescript') as typeof ts;
  return typescriptModule;
}

/**
 * Runs a type-checker query, treating a failure inside TypeScript as "no type information": the
 * rules then judge the call as untyped linting would, and never crash the user's lint run.
 * Seen here: TypeScript 6.0 with typescript-eslint's single-run mode (inferred from `CI=true`)
 * throws from `getSymbolAtLocation` while formatting a module specifier
 * (typescript-eslint/typescript-eslint#12749); `TSESTREE_SINGLE_RUN=false` avoids it.
 */
function withoutCheckerFailures<T>(query: () => T): T | undefined {
  try {
    return query();
  } catch {
    return undefined;
  }
}

export class TypedRecognizer {
  private readonly checker: ts.TypeChecker;
  private readonly factoryByDeclaration = new Map<ts.Node, ClientKind | null>();

  constructor(
    private readonly services: TypedServices,
    private readonly catalog: readonly ClientKind[],
    private readonly summaries: CrossFileSummaries | undefined,
  ) {
    this.checker = services.program.getTypeChecker();
  }

  /** The client a call creates through a summarised or typed project function. */
  callCreates(call: TSESTree.CallExpression): ClientKind | undefined {
    const declaration = this.calleeDeclaration(call.callee);
    if (!declaration) return undefined;
    return this.factoryKind(declaration);
  }

  /** The client a property read creates through a summarised getter. */
  getterCreates(member: TSESTree.MemberExpression): ClientKind | undefined {
    if (!this.summaries) return undefined;
    const declaration = this.calleeDeclaration(member);
    if (!declaration || declaration.kind !== typescript().SyntaxKind.GetAccessor) return undefined;
    return this.kindById(this.summaries.factories[declarationKey(declaration)]);
  }

  /**
   * `new Holder()` of a class the summaries name as a factory: its instances hold a client they
   * create, and `closeMethods` are the class's own methods that close it.
   */
  newCreates(node: TSESTree.NewExpression): { kind: ClientKind; closeMethods: readonly string[] } | undefined {
    if (!this.summaries) return undefined;
    const declaration = this.calleeDeclaration(node.callee);
    if (!declaration) return undefined;
    const key = declarationKey(declaration);
    const kind = this.kindById(this.summaries.factories[key]);
    return kind && { kind, closeMethods: this.summaries.closeMethods?.[key] ?? [] };
  }

  /** Parameter indexes whose client the called function (or constructed class) closes or takes over (from the summaries). */
  closerIndexes(call: TSESTree.CallExpression | TSESTree.NewExpression): readonly number[] | undefined {
    if (!this.summaries) return undefined;
    const declaration = this.calleeDeclaration(call.callee);
    return declaration ? this.summaries.closers[declarationKey(declaration)] : undefined;
  }

  private kindById(id: string | undefined): ClientKind | undefined {
    return id === undefined ? undefined : this.catalog.find((kind) => kind.id === id);
  }

  private calleeDeclaration(callee: Node): ts.Declaration | undefined {
    return withoutCheckerFailures(() => this.resolveCalleeDeclaration(callee));
  }

  private resolveCalleeDeclaration(callee: Node): ts.Declaration | undefined {
    const tsNode = this.services.esTreeNodeToTSNodeMap.get(callee);
    if (!tsNode) return undefined;
    const t = typescript();
    let target: ts.Node = tsNode;
    while (t.isParenthesizedExpression(target) || t.isNonNullExpression(target) || t.isAsExpression(target)) target = target.expression;
    if (t.isPropertyAccessExpression(target)) target = target.name;
    else if (t.isElementAccessExpression(target)) target = target.argumentExpression;
    let symbol = this.checker.getSymbolAtLocation(target);
    if (symbol && symbol.flags & t.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    return symbol?.declarations?.[0];
  }

  private factoryKind(declaration: ts.Declaration): ClientKind | undefined {
    const cached = this.factoryByDeclaration.get(declaration);
    if (cached !== undefined) return cached ?? undefined;
    const kind = withoutCheckerFailures(() => this.computeFactoryKind(declaration));
    this.factoryByDeclaration.set(declaration, kind ?? null);
    return kind;
  }

  private computeFactoryKind(declaration: ts.Declaration): ClientKind | undefined {
    const sourceFile = declaration.getSourceFile();
    if (this.services.program.isSourceFileFromExternalLibrary(sourceFile) || /[\\/]node_modules[\\/]/.test(sourceFile.fileName)) return undefined;
    if (this.summaries) return this.kindById(this.summaries.factories[declarationKey(declaration)]);
    const fn = functionLike(declaration);
    if (!fn) return undefined;
    const fresh = returnsFreshValue(fn);
    if (fresh === false) return undefined;
    if (fresh === undefined && !sourceFile.isDeclarationFile) return undefined;
    const signature = this.checker.getSignatureFromDeclaration(fn);
    if (!signature) return undefined;
    return this.clientKindOfType(this.checker.getReturnTypeOfSignature(signature));
  }

  /** The catalog client of a type, looking through `Promise<…>`, `| undefined` and intersections. */
  clientKindOfType(type: ts.Type): ClientKind | undefined {
    const t = typescript();
    const awaited = this.checker.getAwaitedType(type) ?? type;
    const parts = awaited.isUnion() ? awaited.types : [awaited];
    let found: ClientKind | undefined;
    for (const part of parts) {
      if (part.flags & (t.TypeFlags.Undefined | t.TypeFlags.Null | t.TypeFlags.Void)) continue;
      const kind = this.kindOfNamedType(part) ?? (part.isIntersection() ? firstDefined(part.types, (member) => this.kindOfNamedType(member)) : undefined);
      if (!kind || (found && found !== kind)) return undefined;
      found = kind;
    }
    return found;
  }

  private kindOfNamedType(type: ts.Type): ClientKind | undefined {
    for (const symbol of [type.aliasSymbol, type.getSymbol()]) {
      const declaration = symbol?.declarations?.[0];
      if (!symbol || !declaration) continue;
      const kind = matchClientType(this.catalog, symbol.getName(), {
        fileName: declaration.getSourceFile().fileName,
        ...ambientModuleOf(declaration),
      });
      if (kind) return kind;
    }
    return undefined;
  }
}

function firstDefined<T, R>(items: readonly T[], map: (item: T) => R | undefined): R | undefined {
  for (const item of items) {
    const result = map(item);
    if (result !== undefined) return result;
  }
  return undefined;
}

/** `declare module 'net' { … }` around a declaration gives `{ ambientModule: 'net' }`. */
function ambientModuleOf(declaration: ts.Node): { ambientModule?: string } {
  const t = typescript();
  for (let current: ts.Node | undefined = declaration.parent; current; current = current.parent) {
    if (t.isModuleDeclaration(current) && t.isStringLiteral(current.name)) return { ambientModule: current.name.text };
  }
  return {};
}

function functionLike(declaration: ts.Declaration): ts.SignatureDeclaration | undefined {
  const t = typescript();
  if (t.isFunctionDeclaration(declaration) || t.isMethodDeclaration(declaration) || t.isGetAccessorDeclaration(declaration) || t.isMethodSignature(declaration)) {
    return declaration;
  }
  if ((t.isVariableDeclaration(declaration) || t.isPropertyDeclaration(declaration)) && declaration.initializer) {
    const initializer = declaration.initializer;
    if (t.isArrowFunction(initializer) || t.isFunctionExpression(initializer)) return initializer;
  }
  return undefined;
}

/**
 * Whether a function returns something it made: a call or `new` result, or a variable declared in
 * its own body. `undefined` when it has no body to look at (a declaration file).
 */
function returnsFreshValue(fn: ts.SignatureDeclaration): boolean | undefined {
  const t = typescript();
  const body = (fn as ts.FunctionLikeDeclarationBase).body;
  if (!body) return undefined;
  if (!t.isBlock(body)) return isFreshExpression(body, fn);
  let fresh = false;
  const visit = (node: ts.Node): void => {
    if (fresh || t.isFunctionLike(node) || t.isClassLike(node)) return;
    if (t.isReturnStatement(node) && node.expression && isFreshExpression(node.expression, fn)) fresh = true;
    else t.forEachChild(node, visit);
  };
  t.forEachChild(body, visit);
  return fresh;
}

function isFreshExpression(expression: ts.Expression, fn: ts.Node): boolean {
  const t = typescript();
  let inner: ts.Expression = expression;
  while (t.isParenthesizedExpression(inner) || t.isAwaitExpression(inner) || t.isAsExpression(inner) || t.isNonNullExpression(inner) || t.isSatisfiesExpression(inner)) {
    inner = inner.expression;
  }
  if (t.isCallExpression(inner) || t.isNewExpression(inner)) return true;
  if (t.isConditionalExpression(inner)) return isFreshExpression(inner.whenTrue, fn) || isFreshExpression(inner.whenFalse, fn);
  if (t.isIdentifier(inner)) {
    // A variable declared inside the function holds something made in this call.
    return findLocalDeclaration(inner, fn);
  }
  return false;
}

function findLocalDeclaration(identifier: ts.Identifier, fn: ts.Node): boolean {
  const t = typescript();
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (t.isVariableDeclaration(node) && t.isIdentifier(node.name) && node.name.text === identifier.text && node.initializer) {
      // `const client = createClient(); …; return client`, not `const client = this.client`.
      found = !t.isIdentifier(node.initializer) && isFreshExpression(node.initializer, fn);
      return;
    }
    if (node !== fn && (t.isFunctionLike(node) || t.isClassLike(node))) return;
    t.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}
