/**
 * Where a value comes from: `require('ioredis')`, `import { createClient } from 'redis'`, a
 * destructured or aliased piece of a module, or an instance of a module's class. Resolution goes
 * through ESLint's scope analysis, never by bare name: a local `function createClient() {}` has
 * no origin.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { memberName, skipWrappers, staticString, type Node } from './ast';
import { classOfThis, fieldAssignments } from './classes';
import { isGlobalReference, isWrittenOnce, variableOf, type GetScope, type VariableLike } from './scope';

export type Origin =
  /** The value of `require(specifier)` followed by `path`. */
  | { readonly kind: 'module'; readonly specifier: string; readonly path: readonly string[] }
  /** An object made by `new (require(specifier).<ctorPath>)(…)`. */
  | { readonly kind: 'instance'; readonly specifier: string; readonly ctorPath: readonly string[] };

/** Helpers that compilers wrap around `require` and that return the module (or `{ default: module }`). */
const interopHelpers = new Set(['__importDefault', '__importStar', '_interopRequireDefault', '_interopRequireWildcard', '__toESM']);

const maxDepth = 12;

export class OriginResolver {
  private readonly cache = new Map<Node, Origin | null>();

  constructor(private readonly getScope: GetScope) {}

  resolve(node: Node, depth = 0): Origin | undefined {
    if (depth > maxDepth) return undefined;
    const cached = this.cache.get(node);
    if (cached !== undefined) return cached ?? undefined;
    // Guard against cycles (`const a = b, b = a`) while this node is being resolved.
    this.cache.set(node, null);
    const origin = this.compute(node, depth);
    this.cache.set(node, origin ?? null);
    return origin;
  }

  private compute(raw: Node, depth: number): Origin | undefined {
    const node = skipWrappers(raw);
    switch (node.type) {
      case 'Identifier':
        return this.resolveIdentifier(node, depth);
      case 'MemberExpression': {
        const name = memberName(node);
        if (name === undefined) return undefined;
        if (node.object.type === 'ThisExpression') return this.resolveThisField(node, name, depth);
        const base = this.resolve(node.object, depth + 1);
        return base?.kind === 'module' ? { kind: 'module', specifier: base.specifier, path: [...base.path, name] } : undefined;
      }
      case 'CallExpression':
        return this.resolveCall(node, depth);
      case 'NewExpression': {
        const ctor = this.resolve(node.callee, depth + 1);
        return ctor?.kind === 'module' ? { kind: 'instance', specifier: ctor.specifier, ctorPath: ctor.path } : undefined;
      }
      case 'AwaitExpression': {
        // `await import('ioredis')` is the module namespace.
        const argument = skipWrappers(node.argument);
        return argument.type === 'ImportExpression' ? this.resolve(argument, depth + 1) : undefined;
      }
      case 'ImportExpression': {
        const specifier = staticString(node.source);
        return specifier === undefined ? undefined : { kind: 'module', specifier, path: [] };
      }
      default:
        return undefined;
    }
  }

  private resolveCall(node: TSESTree.CallExpression, depth: number): Origin | undefined {
    const callee = skipWrappers(node.callee);
    const firstArgument = node.arguments[0];
    if (callee.type === 'Identifier') {
      if (callee.name === 'require' && isGlobalReference(this.getScope, callee)) {
        const specifier = staticString(firstArgument);
        return specifier === undefined ? undefined : { kind: 'module', specifier, path: [] };
      }
      if (interopHelpers.has(callee.name) && firstArgument && firstArgument.type !== 'SpreadElement') {
        return this.resolve(firstArgument, depth + 1);
      }
    }
    if (callee.type === 'MemberExpression' && interopHelpers.has(memberName(callee) ?? '') && firstArgument && firstArgument.type !== 'SpreadElement') {
      // `tslib.__importDefault(require('x'))`, `(0, tslib_1.__importStar)(require('x'))`.
      return this.resolve(firstArgument, depth + 1);
    }
    return undefined;
  }

  private resolveIdentifier(node: TSESTree.Identifier, depth: number): Origin | undefined {
    const variable = variableOf(this.getScope, node);
    if (!variable || variable.defs.length !== 1) return undefined;
    return this.resolveVariable(variable, depth);
  }

  resolveVariable(variable: VariableLike, depth = 0): Origin | undefined {
    const definition = variable.defs[0];
    if (!definition) return undefined;
    const declaration = definition.node;
    if (definition.type === 'ImportBinding') return importOrigin(declaration);
    if (definition.type !== 'Variable' || declaration.type !== 'VariableDeclarator' || !declaration.init) return undefined;
    if (!isWrittenOnce(variable)) return undefined;
    if (declaration.id.type === 'Identifier') return this.resolve(declaration.init, depth + 1);
    const path = patternPath(declaration.id, definition.name);
    if (!path) return undefined;
    const base = this.resolve(declaration.init, depth + 1);
    return base?.kind === 'module' ? { kind: 'module', specifier: base.specifier, path: [...base.path, ...path] } : undefined;
  }

  /** `this.kafka` where every assignment of the class to `this.kafka` has the same origin. */
  private resolveThisField(node: TSESTree.MemberExpression, name: string, depth: number): Origin | undefined {
    const classNode = classOfThis(node);
    if (!classNode) return undefined;
    const values = fieldAssignments(classNode, name);
    if (values.length !== 1) return undefined;
    return this.resolve(values[0]!, depth + 1);
  }
}

function importOrigin(declaration: Node): Origin | undefined {
  if (declaration.type === 'TSImportEqualsDeclaration') {
    // `import zk = require('node-zookeeper-client')`.
    if (declaration.importKind === 'type' || declaration.moduleReference.type !== 'TSExternalModuleReference') return undefined;
    const specifier = staticString(declaration.moduleReference.expression);
    return specifier === undefined ? undefined : { kind: 'module', specifier, path: [] };
  }
  const importDeclaration = declaration.parent;
  if (!importDeclaration || importDeclaration.type !== 'ImportDeclaration' || importDeclaration.importKind === 'type') return undefined;
  const specifier = importDeclaration.source.value;
  switch (declaration.type) {
    case 'ImportDefaultSpecifier':
      return { kind: 'module', specifier, path: ['default'] };
    case 'ImportNamespaceSpecifier':
      return { kind: 'module', specifier, path: [] };
    case 'ImportSpecifier': {
      if (declaration.importKind === 'type') return undefined;
      const imported = declaration.imported.type === 'Identifier' ? declaration.imported.name : staticString(declaration.imported);
      return imported === undefined ? undefined : { kind: 'module', specifier, path: [imported] };
    }
    default:
      return undefined;
  }
}

/** The property path to `target` inside a destructuring pattern: `{ a: { b } }` gives `['a', 'b']` for `b`. */
function patternPath(pattern: TSESTree.BindingName | TSESTree.DestructuringPattern, target: Node): string[] | undefined {
  if (pattern === target) return [];
  if (pattern.type === 'AssignmentPattern') return patternPath(pattern.left, target);
  if (pattern.type !== 'ObjectPattern') return undefined;
  for (const property of pattern.properties) {
    if (property.type !== 'Property') continue;
    const key = property.computed ? staticString(property.key) : property.key.type === 'Identifier' ? property.key.name : staticString(property.key);
    if (key === undefined) continue;
    const inner = patternPath(property.value as TSESTree.DestructuringPattern, target);
    if (inner) return [key, ...inner];
  }
  return undefined;
}
