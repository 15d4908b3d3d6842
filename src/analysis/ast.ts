/**
 * Small ESTree helpers shared by the analysis. Node types are compared as strings (the
 * typescript-eslint types are imported for checking only): loading `@typescript-eslint/utils` at
 * run time would add its start-up cost to every ESLint run, typed or not.
 */
import type { TSESTree } from '@typescript-eslint/utils';

export type Node = TSESTree.Node;
export type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionDeclaration | TSESTree.FunctionExpression;
export type LoopNode =
  | TSESTree.DoWhileStatement
  | TSESTree.ForInStatement
  | TSESTree.ForOfStatement
  | TSESTree.ForStatement
  | TSESTree.WhileStatement;
export type CreationNode = TSESTree.CallExpression | TSESTree.NewExpression | TSESTree.MemberExpression;

export function isFunction(node: Node): node is FunctionNode {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration';
}

export function isLoop(node: Node): node is LoopNode {
  switch (node.type) {
    case 'DoWhileStatement':
    case 'ForInStatement':
    case 'ForOfStatement':
    case 'ForStatement':
    case 'WhileStatement':
      return true;
    default:
      return false;
  }
}

export type TransparentWrapper =
  | TSESTree.TSAsExpression
  | TSESTree.TSNonNullExpression
  | TSESTree.TSSatisfiesExpression
  | TSESTree.TSTypeAssertion
  | TSESTree.TSInstantiationExpression
  | TSESTree.ChainExpression;

/** Nodes that only change the static type, or wrap a value without changing it at run time. */
export function isTransparentWrapper(node: Node): node is TransparentWrapper {
  switch (node.type) {
    case 'TSAsExpression':
    case 'TSNonNullExpression':
    case 'TSSatisfiesExpression':
    case 'TSTypeAssertion':
    case 'TSInstantiationExpression':
    case 'ChainExpression':
      return true;
    default:
      return false;
  }
}

/** The expression inside type assertions, non-null assertions and optional chains. */
export function skipWrappers(node: Node): Node {
  let current = node;
  for (;;) {
    if (isTransparentWrapper(current)) {
      current = current.expression;
    } else if (current.type === 'SequenceExpression') {
      // `(0, zk.createClient)(…)`: what TypeScript and Babel emit for imported calls.
      current = current.expressions[current.expressions.length - 1]!;
    } else {
      return current;
    }
  }
}

/** The parent, skipping the wrappers `skipWrappers` looks through. */
export function parentSkippingWrappers(node: Node): { parent: Node | undefined; child: Node } {
  let child = node;
  let parent = node.parent;
  while (parent && (isTransparentWrapper(parent) || (parent.type === 'SequenceExpression' && parent.expressions.at(-1) === child))) {
    child = parent;
    parent = parent.parent;
  }
  return { parent, child };
}

/** A string known without running the code: `'x'`, `` `x` `` without substitutions. */
export function staticString(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** The name of a member's property when it is static: `a.b`, `a['b']`, `a.#b` (as `#b`). */
export function memberName(node: TSESTree.MemberExpression): string | undefined {
  if (!node.computed) {
    return node.property.type === 'PrivateIdentifier' ? `#${node.property.name}` : node.property.type === 'Identifier' ? node.property.name : undefined;
  }
  return staticString(node.property);
}

/** The name of a property key, for `{ key: … }` and class members. */
export function propertyKeyName(node: TSESTree.Property | TSESTree.PropertyDefinition | TSESTree.MethodDefinition): string | undefined {
  if (!node.computed) {
    if (node.key.type === 'Identifier') return node.key.name;
    if (node.key.type === 'PrivateIdentifier') return `#${node.key.name}`;
  }
  return staticString(node.key);
}

/** The callee of a call as a member expression, looking through `?.` and type wrappers. */
export function calleeMember(call: TSESTree.CallExpression): TSESTree.MemberExpression | undefined {
  const callee = skipWrappers(call.callee);
  return callee.type === 'MemberExpression' ? callee : undefined;
}

/** The method name of `x.name(…)`, or the function name of `name(…)`. */
export function calleeName(call: TSESTree.CallExpression | TSESTree.NewExpression): string | undefined {
  const callee = skipWrappers(call.callee);
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression') return memberName(callee);
  return undefined;
}

/** The nearest enclosing function, or undefined at the top level. */
export function enclosingFunction(node: Node): FunctionNode | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunction(current)) return current;
  }
  return undefined;
}

/**
 * The node whose code path a node runs in: a function, a class field initializer (its own code
 * path in ESLint), a static block, or the Program.
 */
export function codePathOwner(node: Node): Node {
  let child: Node = node;
  for (let current = node.parent; current; child = current, current = current.parent) {
    if (isFunction(current) || current.type === 'StaticBlock' || current.type === 'Program') return current;
    if (current.type === 'PropertyDefinition' && current.value === child) return current;
  }
  return child;
}

export function isWithin(node: Node, ancestor: Node): boolean {
  return node.range[0] >= ancestor.range[0] && node.range[1] <= ancestor.range[1];
}

/** A short source-like label for an expression, for messages: `app`, `this.router`, `process`. */
export function shortLabel(node: Node): string | undefined {
  const inner = skipWrappers(node);
  if (inner.type === 'Identifier') return inner.name;
  if (inner.type === 'ThisExpression') return 'this';
  if (inner.type === 'MemberExpression') {
    const object = shortLabel(inner.object);
    const name = memberName(inner);
    if (object && name && object.length + name.length < 40) return `${object}.${name}`;
  }
  return undefined;
}

/** Visits every node under `root` (not `root` itself), skipping nested functions when asked. */
export function walk(root: Node, visit: (node: Node) => boolean | void, options: { skipFunctions?: boolean } = {}): void {
  const stack: Node[] = [];
  pushChildren(root, stack);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (visit(node) === false) continue;
    if (options.skipFunctions && (isFunction(node) || node.type === 'ClassBody')) continue;
    pushChildren(node, stack);
  }
}

function pushChildren(node: Node, stack: Node[]): void {
  const record = node as unknown as Record<string, unknown>;
  // for-in over own keys: no array per node (this walk runs on every class and factory candidate).
  for (const key in record) {
    if (key === 'parent' || key === 'loc' || key === 'range' || key === 'tokens' || key === 'comments') continue;
    const value = record[key];
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (isNode(item)) stack.push(item);
      }
    } else if (isNode(value)) {
      stack.push(value);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && (value as { range?: unknown }).range !== undefined;
}
