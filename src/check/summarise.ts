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
}

interface ClassEntry {
  readonly node: ts.ClassLikeDeclaration;
  readonly keys: readonly string[];
}

/** Iterations are bounded: each one adds at least one entry, so a program converges long before. */
const maxIterations = 100;

export function summarise(program: ts.Program, files: readonly ts.SourceFile[], catalog: readonly ClientKind[] = builtinClients): CrossFileSummaries {
  return new Summariser(program.getTypeChecker(), catalog).run(files);
}

class Summariser {
  private readonly origins: OriginResolver;
  private readonly closeNames: ReadonlySet<string>;
  private readonly factories = new Map<string, string>();
  private readonly closers = new Map<string, Set<number>>();
  private readonly closeMethods = new Map<string, string[]>();
  private readonly catalogCreations = new Map<ts.Node, string | null>();
  private readonly functions: FunctionEntry[] = [];
  private readonly classes: ClassEntry[] = [];

  constructor(
    private readonly checker: ts.TypeChecker,
    catalog: readonly ClientKind[],
  ) {
    this.origins = new OriginResolver(checker, catalog);
    this.closeNames = new Set(catalog.flatMap((kind) => kind.closeMethods));
  }

  run(files: readonly ts.SourceFile[]): CrossFileSummaries {
    for (const file of files) this.collect(file);
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      let changed = false;
      for (const entry of this.functions) changed = this.summariseFunction(entry) || changed;
      for (const entry of this.classes) changed = this.summariseClass(entry) || changed;
      if (!changed) break;
    }
    const closers: Record<string, number[]> = {};
    for (const [key, indexes] of this.closers) closers[key] = [...indexes].sort((a, b) => a - b);
    return { factories: Object.fromEntries(this.factories), closers, closeMethods: Object.fromEntries(this.closeMethods) };
  }

  private collect(file: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (isFunctionWithBody(node)) {
        const keys = this.functionKeys(node);
        if (keys.length > 0) this.functions.push({ node, keys });
      } else if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
        const keys = this.classKeys(node);
        if (keys.length > 0) this.classes.push({ node, keys });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // ---------------------------------------------------------------- functions

  private summariseFunction(entry: FunctionEntry): boolean {
    let changed = false;
    if (!this.factories.has(entry.keys[0]!) && !ts.isConstructorDeclaration(entry.node)) {
      const client = this.returnsFresh(entry.node);
      if (client !== undefined) {
        for (const key of entry.keys) this.factories.set(key, client);
        changed = true;
      }
    }
    entry.node.parameters.forEach((parameter, index) => {
      if (this.closers.get(entry.keys[0]!)?.has(index) || !this.closesParameter(entry.node, parameter)) return;
      for (const key of entry.keys) addTo(this.closers, key, index);
      changed = true;
    });
    return changed;
  }

  /** The client id when every value the function returns (ignoring `null`/`undefined`) is fresh. */
  private returnsFresh(fn: FunctionWithBody): string | undefined {
    if (!fn.body || ('asteriskToken' in fn && fn.asteriskToken)) return undefined;
    const returned = ts.isBlock(fn.body) ? returnedExpressions(fn.body) : [fn.body];
    let client: string | undefined;
    for (const expression of returned) {
      if (expression === undefined || isNullish(expression)) continue;
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
    const declaration = this.origins.calleeDeclaration(node.expression);
    return declaration ? this.factories.get(declarationKey(declaration)) : undefined;
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
    const values: ts.Expression[] = declaration.initializer ? [declaration.initializer] : [];
    let escapes = false;
    forEachDescendant(fn, (child) => {
      if (escapes || !ts.isIdentifier(child) || child.text !== identifier.text || child === declaration.name) return;
      if (this.checker.getSymbolAtLocation(child) !== symbol) return;
      const use = usage(child);
      if (use.kind === 'assigned') values.push(use.value);
      else if (use.kind === 'escapes' && !(resolve && use.argumentOf && this.checker.getSymbolAtLocation(use.argumentOf) === resolve)) escapes = true;
    });
    if (escapes) return undefined;
    let client: string | undefined;
    for (const value of values) {
      if (isNullish(value)) continue;
      const fresh = this.freshClient(value, fn, depth + 1);
      if (fresh === undefined) return undefined;
      client ??= fresh;
    }
    return client;
  }

  /** Does `fn` close (or take ownership of) the client passed as `parameter`? */
  private closesParameter(fn: FunctionWithBody, parameter: ts.ParameterDeclaration): boolean {
    const name = parameter.name;
    if (!ts.isIdentifier(name) || !fn.body) return false;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return false;
    const owner = ts.isConstructorDeclaration(fn) ? fn.parent : undefined;
    if (owner && ts.isParameterPropertyDeclaration(parameter, fn) && this.closingMethodsOf(owner, name.text).length > 0) return true;
    let closes = false;
    forEachDescendant(fn.body, (child) => {
      if (closes || !ts.isIdentifier(child) || child.text !== name.text || this.checker.getSymbolAtLocation(child) !== symbol) return;
      closes = this.closesAt(child, owner);
    });
    return closes;
  }

  /** Is this reference to a client a place where it is closed, or handed to something that closes it? */
  private closesAt(reference: ts.Identifier, owner: ts.ClassLikeDeclaration | undefined): boolean {
    const outer = climbOuterExpressions(reference);
    const parent = outer.parent;
    // `client.close()`, `client?.quit()`, `await client.end()`
    if (ts.isPropertyAccessExpression(parent) && parent.expression === outer && this.closeNames.has(parent.name.text)) {
      const call = parent.parent;
      return ts.isCallExpression(call) && call.expression === parent;
    }
    // `closeQuietly(client)`: a summarised closer.
    if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
      const index = parent.arguments?.indexOf(outer as ts.Expression) ?? -1;
      if (index < 0) return false;
      const declaration = this.origins.calleeDeclaration(parent.expression);
      return !!declaration && this.closers.get(declarationKey(declaration))?.has(index) === true;
    }
    // `this.client = client` in a class that closes `this.client`.
    if (owner && ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === outer) {
      const field = thisPropertyName(parent.left);
      return field !== undefined && this.closingMethodsOf(owner, field).length > 0;
    }
    return false;
  }

  // ---------------------------------------------------------------- classes

  private summariseClass(entry: ClassEntry): boolean {
    const key = entry.keys[0]!;
    let changed = false;
    if (!this.factories.has(key)) {
      for (const [field, client] of this.createdFields(entry.node)) {
        const methods = this.closingMethodsOf(entry.node, field);
        if (methods.length === 0) continue;
        for (const classKey of entry.keys) {
          this.factories.set(classKey, client);
          this.closeMethods.set(classKey, methods);
        }
        changed = true;
        break;
      }
    }
    const constructor = entry.node.members.find(ts.isConstructorDeclaration);
    constructor?.parameters.forEach((parameter, index) => {
      if (this.closers.get(key)?.has(index) || !this.closesParameter(constructor, parameter)) return;
      for (const classKey of entry.keys) addTo(this.closers, classKey, index);
      changed = true;
    });
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
