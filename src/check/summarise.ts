import { ts } from 'ts-morph';
import { declarationKey, type CrossFileSummaries } from '../analysis/summaries';
import { builtinClients, type ClientKind } from '../catalog';
import { OriginResolver, skipOuterExpressions } from './origins';

/**
 * Cross-file summaries, computed over the whole program to a fixpoint and handed to the ESLint
 * rules as input (`settings.connleak.summaries`):
 * - factories: functions, arrow functions, methods, getters and default exports that return a
 *   fresh client: one created by a catalog factory or by another factory, directly, through a local
 *   variable, through `await`, `Promise.resolve(…)` or a `new Promise` resolved with it;
 * - closers: functions (and classes, for `new Holder(client)`) that close the client passed to
 *   them or take ownership of it;
 * - classes whose field holds a client the class creates and which have a method closing it.
 *
 * Fresh means owned by the caller: a function returning a module-level variable (a cached
 * singleton) or a client it also stored elsewhere (a cache map) is not a factory.
 */

type FunctionWithBody = ts.FunctionDeclaration | ts.MethodDeclaration | ts.GetAccessorDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.ConstructorDeclaration;

interface FunctionEntry {
  readonly node: FunctionWithBody;
  /** Declaration keys a call of this function resolves to (usually one). */
  readonly keys: readonly string[];
  /** What it returns, read once (the fixpoint only re-judges it). */
  returned?: readonly (ts.Expression | undefined)[];
  /** Per parameter, how the function treats it, read once. */
  parameters?: readonly ParameterUse[];
}

interface ClassEntry {
  readonly node: ts.ClassLikeDeclaration;
  readonly keys: readonly string[];
  createdFields?: ReadonlyMap<string, string>;
  constructorParameters?: readonly ParameterUse[];
}

/** How a function treats the client passed as one of its parameters. */
interface ParameterUse {
  readonly index: number;
  /** Closes it itself (`client.close()`), or stores it on `this` of a class that closes it. */
  readonly closes: boolean;
  /** Calls that receive it as an argument: closers among their callees close it too. */
  readonly handedTo: readonly { readonly call: ts.CallExpression | ts.NewExpression; readonly argument: number }[];
}

/** Summaries, plus what lets the checker skip files that cannot reach a factory. */
export interface ProgramSummaries {
  readonly summaries: CrossFileSummaries;
  /**
   * Every name a summarised factory can be reached by as a property (`db.open()`, a getter
   * `store.session`, a barrel's `clients.zk()`): its declared name, export aliases and `default`.
   * A property access by any other name cannot resolve to a factory.
   */
  readonly factoryNames: ReadonlySet<string>;
}

/** Iterations are bounded: each one adds at least one entry, so a program converges long before. */
const maxIterations = 100;

export function summarise(program: ts.Program, files: readonly ts.SourceFile[], catalog: readonly ClientKind[] = builtinClients): ProgramSummaries {
  return new Summariser(program.getTypeChecker(), catalog).run(files);
}

class Summariser {
  private readonly origins: OriginResolver;
  private readonly closeNames: ReadonlySet<string>;
  private readonly factories = new Map<string, string>();
  private readonly closers = new Map<string, Set<number>>();
  private readonly closeMethods = new Map<string, string[]>();
  private readonly catalogCreations = new Map<ts.Node, string | null>();
  private readonly locals = new Map<ts.Symbol, { values: ts.Expression[]; escapes: boolean }>();
  private readonly functions: FunctionEntry[] = [];
  private readonly classes: ClassEntry[] = [];
  private readonly exportSpecifiers: ts.ExportSpecifier[] = [];
  /** Property names that may reach a factory / a closer (see ProgramSummaries.factoryNames). */
  private readonly factoryNames = new Set(['default']);
  private readonly closerNames = new Set(['default']);

  constructor(
    private readonly checker: ts.TypeChecker,
    catalog: readonly ClientKind[],
  ) {
    this.origins = new OriginResolver(checker, catalog);
    this.closeNames = new Set(catalog.flatMap((kind) => kind.closeMethods));
  }

  run(files: readonly ts.SourceFile[]): ProgramSummaries {
    for (const file of files) this.collect(file);
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      let changed = false;
      for (const entry of this.functions) changed = this.summariseFunction(entry) || changed;
      for (const entry of this.classes) changed = this.summariseClass(entry) || changed;
      if (!changed) break;
      this.addExportAliases();
    }
    const closers: Record<string, number[]> = {};
    for (const [key, indexes] of this.closers) closers[key] = [...indexes].sort((a, b) => a - b);
    return {
      summaries: { factories: Object.fromEntries(this.factories), closers, closeMethods: Object.fromEntries(this.closeMethods) },
      factoryNames: this.factoryNames,
    };
  }

  private collect(file: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (isFunctionWithBody(node)) {
        const keys = this.functionKeys(node);
        if (keys.length > 0) this.functions.push({ node, keys });
      } else if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
        const keys = this.classKeys(node);
        if (keys.length > 0) this.classes.push({ node, keys });
      } else if (ts.isExportSpecifier(node)) {
        this.exportSpecifiers.push(node);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  /** `export { openZooKeeper as zk }`: `zk` reaches a factory too. */
  private addExportAliases(): void {
    for (const specifier of this.exportSpecifiers) {
      const name = specifier.name.text;
      if (this.factoryNames.has(name) && this.closerNames.has(name)) continue;
      let symbol = this.checker.getSymbolAtLocation(specifier.name);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      if (!declaration) continue;
      const key = declarationKey(declaration);
      if (this.factories.has(key)) this.factoryNames.add(name);
      if (this.closers.has(key)) this.closerNames.add(name);
    }
  }

  private addFactory(keys: readonly string[], node: ts.Node, client: string): void {
    for (const key of keys) this.factories.set(key, client);
    for (const name of declaredNames(node)) this.factoryNames.add(name);
  }

  private addCloser(keys: readonly string[], node: ts.Node, index: number): void {
    for (const key of keys) addTo(this.closers, key, index);
    for (const name of declaredNames(node)) this.closerNames.add(name);
  }

  // ---------------------------------------------------------------- functions

  private summariseFunction(entry: FunctionEntry): boolean {
    let changed = false;
    if (!this.factories.has(entry.keys[0]!) && !ts.isConstructorDeclaration(entry.node)) {
      const client = this.returnsFresh(entry);
      if (client !== undefined) {
        this.addFactory(entry.keys, entry.node, client);
        changed = true;
      }
    }
    entry.parameters ??= this.parameterUses(entry.node);
    for (const use of entry.parameters) {
      if (this.closers.get(entry.keys[0]!)?.has(use.index) || !this.closesThrough(use)) continue;
      this.addCloser(entry.keys, entry.node, use.index);
      changed = true;
    }
    return changed;
  }

  /** The client id when every value the function returns (ignoring `null`/`undefined`) is fresh. */
  private returnsFresh(entry: FunctionEntry): string | undefined {
    const fn = entry.node;
    if (!fn.body || ('asteriskToken' in fn && fn.asteriskToken)) return undefined;
    entry.returned ??= (ts.isBlock(fn.body) ? returnedExpressions(fn.body) : [fn.body]).filter((expression) => expression === undefined || !isNullish(expression));
    let client: string | undefined;
    for (const expression of entry.returned) {
      if (expression === undefined) continue;
      const fresh = this.freshClient(expression, fn);
      if (fresh === undefined) return undefined;
      client ??= fresh;
    }
    return client;
  }

  /** The client id if `expression`, evaluated in `fn`, is a client nobody else holds. */
  private freshClient(expression: ts.Expression, fn: FunctionWithBody | undefined, depth = 0): string | undefined {
    if (depth > 8) return undefined;
    const node = skipOuterExpressions(expression);
    if (ts.isAwaitExpression(node)) return this.freshClient(node.expression, fn, depth + 1);
    if (ts.isCallExpression(node)) {
      if (isPromiseResolve(node) && node.arguments[0]) return this.freshClient(node.arguments[0], fn, depth + 1);
      return this.creation(node);
    }
    if (ts.isNewExpression(node)) return this.promiseResolvedWith(node, depth) ?? this.creation(node);
    if (ts.isIdentifier(node) && fn) return this.freshLocal(node, fn, depth, undefined);
    if (ts.isConditionalExpression(node)) {
      const branches = [node.whenTrue, node.whenFalse].filter((branch) => !isNullish(branch));
      const clients = branches.map((branch) => this.freshClient(branch, fn, depth + 1));
      return clients.length > 0 && clients.every((client) => client !== undefined) ? clients[0] : undefined;
    }
    return undefined;
  }

  /** A `call` or `new` that creates a client: a catalog factory or constructor, or a summarised factory. */
  private creation(node: ts.CallExpression | ts.NewExpression): string | undefined {
    let catalogClient = this.catalogCreations.get(node);
    if (catalogClient === undefined) {
      catalogClient = this.origins.catalogCreation(node)?.id ?? null;
      this.catalogCreations.set(node, catalogClient);
    }
    if (catalogClient !== null) return catalogClient;
    const key = this.origins.calleeKey(node.expression, this.factoryNames);
    return key === undefined ? undefined : this.factories.get(key);
  }

  /** `new Promise((resolve) => { const c = createClient(); c.once('connected', () => resolve(c)); })`. */
  private promiseResolvedWith(node: ts.NewExpression, depth: number): string | undefined {
    const executor = node.arguments?.[0];
    if (!ts.isIdentifier(node.expression) || node.expression.text !== 'Promise' || !executor) return undefined;
    const fn = skipOuterExpressions(executor);
    if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return undefined;
    const resolveName = fn.parameters[0]?.name;
    if (!resolveName || !ts.isIdentifier(resolveName)) return undefined;
    const resolve = this.checker.getSymbolAtLocation(resolveName);
    let client: string | undefined;
    let unknownValue = false;
    forEachDescendant(fn.body, (child) => {
      if (!ts.isCallExpression(child) || !ts.isIdentifier(child.expression) || this.checker.getSymbolAtLocation(child.expression) !== resolve) return;
      const argument = child.arguments[0];
      if (!argument || isNullish(argument)) return;
      const value = skipOuterExpressions(argument);
      const fresh = ts.isIdentifier(value) ? this.freshLocal(value, fn, depth + 1, resolve) : this.freshClient(value, fn, depth + 1);
      if (fresh === undefined) unknownValue = true;
      else client ??= fresh;
    });
    return unknownValue ? undefined : client;
  }

  /**
   * A local variable of `fn` whose every assigned value is fresh and which does not escape: it is
   * only called on, compared, awaited, returned (or handed to the promise's `resolve`).
   */
  private freshLocal(identifier: ts.Identifier, fn: FunctionWithBody, depth: number, resolve: ts.Symbol | undefined): string | undefined {
    const symbol = this.checker.getSymbolAtLocation(identifier);
    const declaration = symbol?.valueDeclaration;
    if (!symbol || !declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return undefined;
    if (enclosingFunction(declaration) !== fn) return undefined;
    let uses = this.locals.get(symbol);
    if (!uses) {
      // The variable belongs to one function, and `resolve` is that function's first parameter
      // when it is a promise executor, so the uses depend on the symbol alone.
      const found = { values: declaration.initializer ? [declaration.initializer] : [], escapes: false };
      const name = declaration.name;
      forEachDescendant(fn, (child) => {
        if (found.escapes || !ts.isIdentifier(child) || child.text !== name.text || child === name) return;
        if (this.checker.getSymbolAtLocation(child) !== symbol) return;
        const use = usage(child);
        if (use.kind === 'assigned') found.values.push(use.value);
        else if (use.kind === 'escapes' && !(resolve && use.argumentOf && this.checker.getSymbolAtLocation(use.argumentOf) === resolve)) found.escapes = true;
      });
      uses = found;
      this.locals.set(symbol, uses);
    }
    if (uses.escapes) return undefined;
    let client: string | undefined;
    for (const value of uses.values) {
      if (isNullish(value)) continue;
      const fresh = this.freshClient(value, fn, depth + 1);
      if (fresh === undefined) return undefined;
      client ??= fresh;
    }
    return client;
  }

  /** How `fn` treats each of its (simply named) parameters, read once from its body. */
  private parameterUses(fn: FunctionWithBody): ParameterUse[] {
    const uses: ParameterUse[] = [];
    if (!fn.body) return uses;
    const owner = ts.isConstructorDeclaration(fn) ? fn.parent : undefined;
    fn.parameters.forEach((parameter, index) => {
      const name = parameter.name;
      if (!ts.isIdentifier(name)) return;
      const symbol = this.checker.getSymbolAtLocation(name);
      if (!symbol) return;
      let closes = !!owner && ts.isParameterPropertyDeclaration(parameter, fn) && this.closingMethodsOf(owner, name.text).length > 0;
      const handedTo: { call: ts.CallExpression | ts.NewExpression; argument: number }[] = [];
      forEachDescendant(fn.body!, (child) => {
        if (closes || !ts.isIdentifier(child) || child.text !== name.text || this.checker.getSymbolAtLocation(child) !== symbol) return;
        const outer = climbOuterExpressions(child);
        const parent = outer.parent;
        if (ts.isPropertyAccessExpression(parent) && parent.expression === outer) {
          // `client.close()`, `client?.quit()`, `await client.end()`
          closes = this.closeNames.has(parent.name.text) && ts.isCallExpression(parent.parent) && parent.parent.expression === parent;
        } else if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== outer) {
          const argument = parent.arguments?.indexOf(outer as ts.Expression) ?? -1;
          if (argument >= 0) handedTo.push({ call: parent, argument });
        } else if (owner && ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === outer) {
          // `this.client = client` in a class that closes `this.client`.
          const field = thisPropertyName(parent.left);
          closes = field !== undefined && this.closingMethodsOf(owner, field).length > 0;
        }
      });
      if (closes || handedTo.length > 0) uses.push({ index, closes, handedTo });
    });
    return uses;
  }

  /** Closed by the function itself, or handed to a summarised closer (`closeQuietly(client)`). */
  private closesThrough(use: ParameterUse): boolean {
    if (use.closes) return true;
    return use.handedTo.some(({ call, argument }) => {
      const key = this.origins.calleeKey(call.expression, this.closerNames);
      return key !== undefined && this.closers.get(key)?.has(argument) === true;
    });
  }

  // ---------------------------------------------------------------- classes

  private summariseClass(entry: ClassEntry): boolean {
    const key = entry.keys[0]!;
    let changed = false;
    if (!this.factories.has(key)) {
      for (const [field, client] of this.createdFields(entry.node)) {
        const methods = this.closingMethodsOf(entry.node, field);
        if (methods.length === 0) continue;
        this.addFactory(entry.keys, entry.node, client);
        for (const classKey of entry.keys) this.closeMethods.set(classKey, methods);
        changed = true;
        break;
      }
    }
    if (entry.constructorParameters === undefined) {
      const constructor = entry.node.members.find(ts.isConstructorDeclaration);
      entry.constructorParameters = constructor ? this.parameterUses(constructor) : [];
    }
    for (const use of entry.constructorParameters) {
      if (this.closers.get(key)?.has(use.index) || !this.closesThrough(use)) continue;
      this.addCloser(entry.keys, entry.node, use.index);
      changed = true;
    }
    return changed;
  }

  /** Fields the class fills with a client it creates: initialisers, and `this.f = …` in the constructor. */
  private createdFields(node: ts.ClassLikeDeclaration): Map<string, string> {
    const fields = new Map<string, string>();
    for (const member of node.members) {
      if (ts.isPropertyDeclaration(member) && member.initializer && !isStatic(member) && (ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name))) {
        const client = this.freshClient(member.initializer, undefined);
        if (client !== undefined) fields.set(member.name.text, client);
      }
      if (ts.isConstructorDeclaration(member) && member.body) {
        const constructor = member;
        forEachDescendant(member.body, (child) => {
          if (!ts.isBinaryExpression(child) || child.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
          const field = thisPropertyName(child.left);
          const client = field === undefined ? undefined : this.freshClient(child.right, constructor);
          if (field !== undefined && client !== undefined) fields.set(field, client);
        });
      }
    }
    return fields;
  }

  /** Names of the class's methods (not the constructor) that close `this.<field>`. */
  private closingMethodsOf(node: ts.ClassLikeDeclaration, field: string): string[] {
    const methods: string[] = [];
    for (const member of node.members) {
      const body = methodBody(member);
      if (!body || !member.name || !(ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name) || ts.isStringLiteral(member.name))) continue;
      let closes = false;
      forEachDescendant(body, (child) => {
        if (closes || !ts.isPropertyAccessExpression(child) || !this.closeNames.has(child.name.text)) return;
        const call = child.parent;
        closes = ts.isCallExpression(call) && call.expression === child && thisPropertyName(skipOuterExpressions(child.expression)) === field;
      });
      if (closes) methods.push(member.name.text);
    }
    return methods;
  }

  // ---------------------------------------------------------------- keys

  /** The keys a call resolves to: `symbol.declarations[0]` of the callee, after aliases. */
  private functionKeys(node: FunctionWithBody): string[] {
    if (ts.isConstructorDeclaration(node)) return [];
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node)) {
      return this.namedKeys(node, node.name);
    }
    let outer: ts.Node = node;
    while (ts.isParenthesizedExpression(outer.parent) || ts.isAsExpression(outer.parent) || ts.isSatisfiesExpression(outer.parent)) outer = outer.parent;
    const parent = outer.parent;
    if (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) return this.namedKeys(parent, parent.name);
    if (ts.isExportAssignment(parent)) return [declarationKey(parent)];
    // CommonJS: `module.exports = function …` is keyed by the assignment, `exports.make = …` by its target.
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === outer) {
      return [declarationKey(parent), declarationKey(parent.left)];
    }
    return [];
  }

  private classKeys(node: ts.ClassLikeDeclaration): string[] {
    if (ts.isClassDeclaration(node)) return this.namedKeys(node, node.name);
    const parent = node.parent;
    return ts.isVariableDeclaration(parent) ? this.namedKeys(parent, parent.name) : [];
  }

  /** The node's own key, and its symbol's first declaration's when that differs (overloads, merged declarations). */
  private namedKeys(node: ts.Node, name: ts.Node | undefined): string[] {
    const keys = [declarationKey(node)];
    const first = name ? this.checker.getSymbolAtLocation(name)?.declarations?.[0] : undefined;
    if (first && first !== node) keys.unshift(declarationKey(first));
    return keys;
  }
}

// ------------------------------------------------------------------ syntax helpers

function isFunctionWithBody(node: ts.Node): node is FunctionWithBody {
  return (
    (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** The names a declaration is called by as a property: `open` for `open() {}`, `exports.open = …`, `const open = …`. */
function declaredNames(node: ts.Node): string[] {
  let named: ts.Node = node;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) {
    let outer: ts.Node = node;
    while (ts.isParenthesizedExpression(outer.parent) || ts.isAsExpression(outer.parent) || ts.isSatisfiesExpression(outer.parent)) outer = outer.parent;
    named = outer.parent;
  }
  if (ts.isBinaryExpression(named)) named = named.left;
  if (ts.isPropertyAccessExpression(named)) return [named.name.text];
  const name = (named as { name?: ts.Node }).name;
  if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) return [name.text];
  return [];
}

function methodBody(member: ts.ClassElement): ts.Node | undefined {
  if ((ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member)) && member.body) return member.body;
  if (ts.isPropertyDeclaration(member) && member.initializer) {
    const value = skipOuterExpressions(member.initializer);
    if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value.body;
  }
  return undefined;
}

/** The expressions of `return` statements that belong to this body, not to nested functions. */
function returnedExpressions(body: ts.Block): (ts.Expression | undefined)[] {
  const found: (ts.Expression | undefined)[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) found.push(node.expression);
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

function forEachDescendant(node: ts.Node, callback: (child: ts.Node) => void): void {
  const visit = (child: ts.Node): void => {
    callback(child);
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
}

function enclosingFunction(node: ts.Node): ts.Node | undefined {
  let current = node.parent;
  while (current && !(isFunctionWithBody(current) || ts.isSourceFile(current))) current = current.parent;
  return current;
}

function climbOuterExpressions(node: ts.Node): ts.Node {
  let current = node;
  while (ts.isParenthesizedExpression(current.parent) || ts.isAsExpression(current.parent) || ts.isNonNullExpression(current.parent) || ts.isSatisfiesExpression(current.parent) || ts.isTypeAssertionExpression(current.parent)) {
    current = current.parent;
  }
  return current;
}

type Usage = { kind: 'harmless' } | { kind: 'assigned'; value: ts.Expression } | { kind: 'escapes'; argumentOf?: ts.Expression };

const comparisonOperators = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.InstanceOfKeyword,
]);

/** How a reference to a local client uses it: anything that could hand it to someone else escapes. */
function usage(reference: ts.Identifier): Usage {
  const outer = climbOuterExpressions(reference);
  const parent = outer.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === outer) return { kind: 'harmless' };
  if (ts.isReturnStatement(parent) || ts.isAwaitExpression(parent) || ts.isTypeOfExpression(parent) || ts.isIfStatement(parent)) return { kind: 'harmless' };
  if (ts.isArrowFunction(parent) && parent.body === outer) return { kind: 'harmless' };
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) return { kind: 'harmless' };
  if (ts.isBinaryExpression(parent)) {
    if (parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.left === outer) return { kind: 'assigned', value: parent.right };
    if (comparisonOperators.has(parent.operatorToken.kind)) return { kind: 'harmless' };
  }
  if (ts.isCallExpression(parent) && parent.expression !== outer) return { kind: 'escapes', argumentOf: parent.expression };
  return { kind: 'escapes' };
}

/** `this.client` or `this.#client`: the field name. */
function thisPropertyName(expression: ts.Expression): string | undefined {
  const node = skipOuterExpressions(expression);
  if (!ts.isPropertyAccessExpression(node) || node.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  return node.name.text;
}

function isPromiseResolve(call: ts.CallExpression): boolean {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Promise' && callee.name.text === 'resolve';
}

function isNullish(expression: ts.Expression): boolean {
  const node = skipOuterExpressions(expression);
  return node.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node) && node.text === 'undefined') || ts.isVoidExpression(node);
}

function isStatic(member: ts.ClassElement): boolean {
  return ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword);
}

function addTo(map: Map<string, Set<number>>, key: string, index: number): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(index);
}
