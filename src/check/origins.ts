import { ts } from 'ts-morph';
import { catalogKindForModule, matchConstructor, matchFactoryCall, matchInstanceFactory } from '../analysis/catalog-match';
import { declarationKey } from '../analysis/summaries';
import type { ClientKind } from '../catalog';

/**
 * Where a value comes from, as the TypeScript program's symbols tell it: which module and which
 * property path from that module's exports. Resolving an import (named, default, namespace,
 * `require`, `import x = require`, destructuring, re-exports through barrel files) is the type
 * checker's job; deciding whether the path is a client factory is the catalog's.
 */
export interface ModuleOrigin {
  readonly module: string;
  /** Property path from the module's exports: `['createClient']`, `['default']`, `[]` for the module itself. */
  readonly path: readonly string[];
  /** Set when the value is an instance: `path.slice(0, constructedAt)` was called with `new`. */
  readonly constructedAt?: number;
}

/** Bounds alias chains, so a cycle of re-exports cannot loop. */
const maxDepth = 12;

/** `(x)`, `x as T`, `<T>x`, `x!`, `x satisfies T`: the same value. */
export function skipOuterExpressions(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isTypeAssertionExpression(current) || ts.isNonNullExpression(current) || ts.isSatisfiesExpression(current)) {
    current = current.expression;
  }
  return current;
}

export class OriginResolver {
  private readonly resolvedKeys = new Map<ts.Node, string | null>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly catalog: readonly ClientKind[],
  ) {}

  private isClientModule(module: string): boolean {
    return catalogKindForModule(this.catalog, module) !== undefined;
  }

  /** The client kind a `call` or `new` creates, by the catalog, when its callee comes from a client module. */
  catalogCreation(node: ts.CallExpression | ts.NewExpression): ClientKind | undefined {
    const origin = this.ofExpression(node.expression, 0);
    if (!origin) return undefined;
    if (origin.constructedAt === undefined) {
      return ts.isNewExpression(node) ? matchConstructor(this.catalog, origin.module, origin.path) : matchFactoryCall(this.catalog, origin.module, origin.path);
    }
    // kafkajs: `new Kafka(config).producer()`.
    if (ts.isNewExpression(node) || origin.path.length !== origin.constructedAt + 1) return undefined;
    return matchInstanceFactory(this.catalog, origin.module, origin.path.slice(0, origin.constructedAt), origin.path[origin.constructedAt]!);
  }

  /** The declaration a callee names, after following aliases: `symbol.declarations[0]`, as the rules key it. */
  calleeDeclaration(callee: ts.Expression): ts.Declaration | undefined {
    const expression = skipOuterExpressions(callee);
    const location = ts.isPropertyAccessExpression(expression) ? expression.name : ts.isElementAccessExpression(expression) ? expression.argumentExpression : expression;
    let symbol = this.checker.getSymbolAtLocation(location);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    return symbol?.declarations?.[0];
  }

  /**
   * The declaration key a callee (or a getter read) resolves to, as the rules compute it, or
   * undefined when it cannot be one of the summarised declarations: a property access by a name
   * outside `names` would need the receiver's type to resolve, and cannot reach them anyway.
   */
  calleeKey(callee: ts.Expression, names: ReadonlySet<string>): string | undefined {
    const expression = skipOuterExpressions(callee);
    if (ts.isPropertyAccessExpression(expression)) {
      if (!names.has(expression.name.text)) return undefined;
    } else if (ts.isElementAccessExpression(expression)) {
      const name = stringLiteralText(expression.argumentExpression);
      if (name === undefined || !names.has(name)) return undefined;
    } else if (!ts.isIdentifier(expression)) {
      return undefined;
    }
    let key = this.resolvedKeys.get(expression);
    if (key === undefined) {
      const declaration = this.calleeDeclaration(expression);
      key = declaration ? declarationKey(declaration) : null;
      this.resolvedKeys.set(expression, key);
    }
    return key ?? undefined;
  }

  ofExpression(expression: ts.Expression, depth: number): ModuleOrigin | undefined {
    if (depth > maxDepth) return undefined;
    const node = skipOuterExpressions(ts.isAwaitExpression(expression) ? expression.expression : expression);
    if (ts.isIdentifier(node)) {
      const symbol = this.checker.getSymbolAtLocation(node);
      return symbol ? this.ofSymbol(symbol, depth + 1) : undefined;
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = ts.isPropertyAccessExpression(node) ? node.name.text : stringLiteralText(node.argumentExpression);
      if (name === undefined) return undefined;
      const base = this.ofExpression(node.expression, depth + 1);
      if (base) return { ...base, path: [...base.path, name] };
      // `barrel.createClient` where the barrel re-exports the client module's function. Only a
      // namespace can hold such an alias, and only a plain name can be a namespace: resolving any
      // other receiver would cost the type checker's time for nothing.
      if (!ts.isIdentifier(node.expression) || !((this.checker.getSymbolAtLocation(node.expression)?.flags ?? 0) & ts.SymbolFlags.Alias)) return undefined;
      const symbol = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node.argumentExpression);
      return symbol && symbol.flags & ts.SymbolFlags.Alias ? this.ofSymbol(symbol, depth + 1) : undefined;
    }
    if (ts.isCallExpression(node)) {
      const module = requiredModule(node);
      return module === undefined ? undefined : { module, path: [] };
    }
    if (ts.isNewExpression(node)) {
      const constructed = this.ofExpression(node.expression, depth + 1);
      return constructed && constructed.constructedAt === undefined ? { ...constructed, constructedAt: constructed.path.length } : undefined;
    }
    return undefined;
  }

  private ofSymbol(symbol: ts.Symbol, depth: number): ModuleOrigin | undefined {
    if (depth > maxDepth) return undefined;
    const declaration = symbol.declarations?.[0];
    if (!declaration) return undefined;
    const fromModule = (specifier: ts.Expression | undefined, path: string[]): ModuleOrigin | undefined => {
      const module = specifier && ts.isStringLiteral(specifier) ? specifier.text : undefined;
      if (module !== undefined && this.isClientModule(module)) return { module, path };
      return this.followAlias(symbol, depth);
    };
    if (ts.isImportSpecifier(declaration)) {
      return fromModule(declaration.parent.parent.parent.moduleSpecifier, [moduleExportNameText(declaration.propertyName ?? declaration.name)]);
    }
    if (ts.isImportClause(declaration)) return fromModule(declaration.parent.moduleSpecifier, ['default']);
    if (ts.isNamespaceImport(declaration)) return fromModule(declaration.parent.parent.moduleSpecifier, []);
    if (ts.isNamespaceExport(declaration)) return fromModule(declaration.parent.moduleSpecifier, []);
    if (ts.isImportEqualsDeclaration(declaration)) {
      const reference = declaration.moduleReference;
      return ts.isExternalModuleReference(reference) ? fromModule(reference.expression, []) : undefined;
    }
    if (ts.isExportSpecifier(declaration)) {
      const exportDeclaration = declaration.parent.parent;
      if (exportDeclaration.moduleSpecifier) return fromModule(exportDeclaration.moduleSpecifier, [moduleExportNameText(declaration.propertyName ?? declaration.name)]);
      return this.followAlias(symbol, depth);
    }
    if (ts.isVariableDeclaration(declaration) && declaration.initializer && isConstantBinding(declaration)) {
      return ts.isIdentifier(declaration.name) ? this.ofExpression(declaration.initializer, depth + 1) : undefined;
    }
    if (ts.isBindingElement(declaration)) {
      // `const { createClient } = require('node-zookeeper-client')`, `const { Client: C } = pg`.
      const pattern = declaration.parent;
      const variable = pattern.parent;
      if (!ts.isObjectBindingPattern(pattern) || !ts.isVariableDeclaration(variable) || !variable.initializer || declaration.dotDotDotToken) return undefined;
      const property = declaration.propertyName ?? declaration.name;
      const name = ts.isIdentifier(property) || ts.isStringLiteral(property) ? property.text : undefined;
      const base = name === undefined ? undefined : this.ofExpression(variable.initializer, depth + 1);
      return base && name !== undefined ? { ...base, path: [...base.path, name] } : undefined;
    }
    return undefined;
  }

  private followAlias(symbol: ts.Symbol, depth: number): ModuleOrigin | undefined {
    if (!(symbol.flags & ts.SymbolFlags.Alias)) return undefined;
    const next = this.checker.getImmediateAliasedSymbol(symbol);
    return next && next !== symbol ? this.ofSymbol(next, depth + 1) : undefined;
  }
}

function stringLiteralText(expression: ts.Expression): string | undefined {
  return ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression) ? expression.text : undefined;
}

function moduleExportNameText(name: ts.ModuleExportName): string {
  return name.text;
}

/** `require('x')` or `import('x')`: the module specifier. */
export function requiredModule(call: ts.CallExpression): string | undefined {
  const [argument] = call.arguments;
  if (call.arguments.length !== 1 || !argument || !ts.isStringLiteral(argument)) return undefined;
  const callee = call.expression;
  const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
  return isRequire || callee.kind === ts.SyntaxKind.ImportKeyword ? argument.text : undefined;
}

/** A `const`, or a JavaScript `var`/`let` initialised by `require(...)` (CommonJS habit). */
function isConstantBinding(declaration: ts.VariableDeclaration): boolean {
  const list = declaration.parent;
  if (ts.isVariableDeclarationList(list) && list.flags & ts.NodeFlags.Const) return true;
  const initializer = declaration.initializer && skipOuterExpressions(declaration.initializer);
  return !!initializer && ts.isCallExpression(initializer) && requiredModule(initializer) !== undefined;
}
