/**
 * Which calls create a client: catalog factories and constructors reached by origin, kafkajs-style
 * instance factories, functions of the same file that return a fresh client (local factories),
 * and, with type information, project functions whose return type is a client type or that the
 * checker's summaries name as factories.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import type { ClientKind } from '../catalog';
import { memberName, skipWrappers, walk, type CreationNode, type FunctionNode, type Node } from './ast';
import { creatingCalleeNames, matchConstructor, matchFactoryCall, matchInstanceFactory } from './catalog-match';
import { OriginResolver } from './origins';
import { isWrittenOnce, variableOf, type GetScope } from './scope';
import type { TypedRecognizer } from './typed';

export interface Creation {
  /** The call, `new` or (summarised getter) property read that yields the client. */
  readonly node: CreationNode;
  readonly kind: ClientKind;
  /** How it was recognised: a catalog call, a function of this file, a typed wrapper, or a checker summary. */
  readonly via: 'catalog' | 'local-factory' | 'typed';
  /**
   * Methods that close it: the catalog's, preceded by a summarised holder class's own
   * (`new ZooKeeperSession()` is closed by `session.stop()`).
   */
  readonly closeMethods: readonly string[];
}

export class ClientRecognizer {
  readonly origins: OriginResolver;
  private readonly calleeNames: ReturnType<typeof creatingCalleeNames>;
  // Plain maps, not WeakMaps: they live as long as the file's analysis, and a WeakMap keyed by
  // every call of a file costs the garbage collector far more.
  private readonly creations = new Map<Node, Creation | null>();
  private readonly localFactories = new Map<FunctionNode, ClientKind | null>();

  constructor(
    readonly getScope: GetScope,
    readonly catalog: readonly ClientKind[],
    readonly typed: TypedRecognizer | undefined,
  ) {
    this.origins = new OriginResolver(getScope);
    this.calleeNames = creatingCalleeNames(catalog);
  }

  creationAt(node: Node): Creation | undefined {
    if (node.type !== 'CallExpression' && node.type !== 'NewExpression' && node.type !== 'MemberExpression') return undefined;
    const cached = this.creations.get(node);
    if (cached !== undefined) return cached ?? undefined;
    this.creations.set(node, null);
    const creation = this.recognize(node);
    this.creations.set(node, creation ?? null);
    return creation;
  }

  private recognize(node: CreationNode): Creation | undefined {
    if (node.type === 'NewExpression') {
      const callee = skipWrappers(node.callee);
      const name = callee.type === 'MemberExpression' ? memberName(callee) : undefined;
      const origin = name === undefined || this.calleeNames.constructors.has(name) ? this.origins.resolve(callee) : undefined;
      const kind = origin?.kind === 'module' ? matchConstructor(this.catalog, origin.specifier, origin.path) : undefined;
      if (kind) return { node, kind, via: 'catalog', closeMethods: kind.closeMethods };
      const holder = this.typed?.newCreates(node);
      return holder && { node, kind: holder.kind, via: 'typed', closeMethods: [...holder.closeMethods, ...holder.kind.closeMethods] };
    }
    if (node.type === 'MemberExpression') {
      if (!this.typed || isCallee(node)) return undefined;
      const kind = this.typed.getterCreates(node);
      return kind && { node, kind, via: 'typed', closeMethods: kind.closeMethods };
    }
    const catalogKind = this.catalogCallKind(node);
    if (catalogKind) return { node, kind: catalogKind, via: 'catalog', closeMethods: catalogKind.closeMethods };
    const callee = skipWrappers(node.callee);
    if (callee.type === 'Identifier') {
      const local = this.localFactoryKind(callee);
      if (local) return { node, kind: local, via: 'local-factory', closeMethods: local.closeMethods };
    }
    const typedKind = this.typed?.callCreates(node);
    return typedKind && { node, kind: typedKind, via: 'typed', closeMethods: typedKind.closeMethods };
  }

  private catalogCallKind(node: TSESTree.CallExpression): ClientKind | undefined {
    const callee = skipWrappers(node.callee);
    if (callee.type === 'MemberExpression' && !this.calleeNames.calls.has(memberName(callee) ?? '')) return undefined;
    const origin = this.origins.resolve(callee);
    if (origin?.kind === 'module') return matchFactoryCall(this.catalog, origin.specifier, origin.path);
    if (callee.type === 'MemberExpression') {
      const method = memberName(callee);
      const owner = method === undefined ? undefined : this.origins.resolve(callee.object);
      if (owner?.kind === 'instance') return matchInstanceFactory(this.catalog, owner.specifier, owner.ctorPath, method!);
    }
    return undefined;
  }

  /** `function makeZk() { return zookeeper.createClient(hosts) }` in this file: its calls create clients. */
  private localFactoryKind(callee: TSESTree.Identifier): ClientKind | undefined {
    const variable = variableOf(this.getScope, callee);
    if (!variable || variable.defs.length !== 1) return undefined;
    const definition = variable.defs[0]!;
    let fn: Node | null | undefined;
    if (definition.type === 'FunctionName') fn = definition.node;
    else if (definition.type === 'Variable' && definition.node.type === 'VariableDeclarator' && isWrittenOnce(variable)) fn = definition.node.init;
    if (!fn || (fn.type !== 'FunctionDeclaration' && fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression')) return undefined;
    return this.factoryKindOfFunction(fn);
  }

  factoryKindOfFunction(fn: FunctionNode): ClientKind | undefined {
    const cached = this.localFactories.get(fn);
    if (cached !== undefined) return cached ?? undefined;
    // Recursion through the same function stops here as "not a factory".
    this.localFactories.set(fn, null);
    let kind: ClientKind | undefined;
    if (fn.generator) kind = undefined;
    else if (fn.body.type !== 'BlockStatement') kind = this.returnedCreationKind(fn.body, fn, 0);
    else {
      walk(
        fn.body,
        (node) => {
          if (kind) return false;
          if (node.type === 'ReturnStatement' && node.argument) kind = this.returnedCreationKind(node.argument, fn, 0);
          return undefined;
        },
        { skipFunctions: true },
      );
    }
    this.localFactories.set(fn, kind ?? null);
    return kind;
  }

  private returnedCreationKind(expression: Node, fn: FunctionNode, depth: number): ClientKind | undefined {
    if (depth > 3) return undefined;
    let inner = skipWrappers(expression);
    if (inner.type === 'AwaitExpression') inner = skipWrappers(inner.argument);
    const direct = this.creationAt(inner);
    if (direct) return direct.kind;
    if (inner.type === 'ConditionalExpression') {
      return this.returnedCreationKind(inner.consequent, fn, depth + 1) ?? this.returnedCreationKind(inner.alternate, fn, depth + 1);
    }
    if (inner.type !== 'Identifier') return undefined;
    // `const client = createClient(); …; return client`: a variable of this function.
    const variable = variableOf(this.getScope, inner);
    const definition = variable?.defs[0];
    if (!variable || variable.defs.length !== 1 || !definition || definition.type !== 'Variable') return undefined;
    if (variable.scope.variableScope.block !== fn || definition.node.type !== 'VariableDeclarator' || !definition.node.init) return undefined;
    if (definition.node.id.type !== 'Identifier') return undefined;
    return this.returnedCreationKind(definition.node.init, fn, depth + 1);
  }
}

function isCallee(node: Node): boolean {
  let child = node;
  let parent = node.parent;
  while (parent && (parent.type === 'ChainExpression' || parent.type === 'TSNonNullExpression')) {
    child = parent;
    parent = parent.parent;
  }
  return (parent?.type === 'CallExpression' || parent?.type === 'NewExpression') && parent.callee === child;
}

