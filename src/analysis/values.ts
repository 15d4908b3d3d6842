/**
 * Where a value goes: what the code around an expression does with it. The one judgement behind
 * "is this client closed, handed on, or dropped?", applied to a creation and to every reference
 * of a variable holding a client.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { isFunction, isTransparentWrapper, memberName, type FunctionNode, type Node } from './ast';
import { classOfThis, type ClassNode } from './classes';
import { findVariable, type GetScope, type VariableLike } from './scope';

export type EscapeReason =
  | 'returned'
  | 'yielded'
  | 'argument'
  | 'container'
  | 'member-store'
  | 'field'
  | 'outer-variable'
  | 'exported'
  | 'thrown'
  | 'destructured'
  | 'unknown';

export type ValueSink =
  /** `value.close()` (or a reference to `value.close` handed to someone who will call it). */
  | { readonly kind: 'close'; readonly node: Node }
  /** Passed to a function the checker's summaries say closes that parameter. */
  | { readonly kind: 'closer-argument'; readonly node: TSESTree.CallExpression | TSESTree.NewExpression }
  | { readonly kind: 'declare'; readonly node: TSESTree.VariableDeclarator; readonly variable: VariableLike; readonly using: boolean }
  | { readonly kind: 'assign'; readonly node: TSESTree.AssignmentExpression; readonly variable: VariableLike }
  | { readonly kind: 'field'; readonly node: Node; readonly classNode: ClassNode | undefined; readonly name: string }
  /** `promise.then((client) => …)`: the client arrives as the callback's first parameter. */
  | { readonly kind: 'then'; readonly node: TSESTree.CallExpression; readonly callback: FunctionNode | undefined }
  | { readonly kind: 'escape'; readonly node: Node; readonly reason: EscapeReason }
  /** Read without being kept or handed on: a method call, a property read, a comparison. */
  | { readonly kind: 'use'; readonly node: Node }
  /** Evaluated and dropped. */
  | { readonly kind: 'discard'; readonly node: Node };

/**
 * Methods that return the object they are called on (or a promise of it), so the value flows on:
 * `createClient().on('error', log)`, `await createClient().connect()` (redis), `new Socket().connect(…)`.
 */
const chainableMethods = new Set([
  'on',
  'once',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'off',
  'removeListener',
  'removeAllListeners',
  'setMaxListeners',
  'setTimeout',
  'setNoDelay',
  'setKeepAlive',
  'setEncoding',
  'ref',
  'unref',
  'connect',
  'pause',
  'resume',
  'catch',
  'finally',
]);

/** Event-listener registration: it cannot fail in a way that leaves a connection open. */
export const listenerMethods = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'off', 'removeListener', 'removeAllListeners', 'setMaxListeners']);

export interface SinkContext {
  readonly getScope: GetScope;
  readonly closeMethods: readonly string[];
  /** Parameter indexes a call's callee closes, from the checker's summaries. */
  readonly closerIndexes?: (call: TSESTree.CallExpression | TSESTree.NewExpression) => readonly number[] | undefined;
}

/** The member expression's call, when it is the callee: `x.m` in `x.m(…)` or `x?.m(…)`. */
function callOfCallee(member: TSESTree.MemberExpression): TSESTree.CallExpression | undefined {
  const parent = member.parent;
  return parent?.type === 'CallExpression' && parent.callee === member ? parent : undefined;
}

export function followValue(start: Node, context: SinkContext): ValueSink {
  let child: Node = start;
  for (let depth = 0; depth < 64; depth++) {
    const parent: Node | undefined = child.parent;
    if (!parent) return { kind: 'escape', node: child, reason: 'unknown' };
    // Type-only wrappers and `await` pass the same client on.
    if (isTransparentWrapper(parent) || parent.type === 'AwaitExpression') {
      child = parent;
      continue;
    }
    switch (parent.type) {
      case 'ConditionalExpression':
        if (parent.test === child) return { kind: 'use', node: parent };
        child = parent;
        continue;
      case 'LogicalExpression':
        if (parent.right === child || parent.operator !== '&&') {
          child = parent;
          continue;
        }
        return { kind: 'use', node: parent };
      case 'SequenceExpression':
        if (parent.expressions.at(-1) === child) {
          child = parent;
          continue;
        }
        return { kind: 'discard', node: child };
      case 'MemberExpression': {
        if (parent.object !== child) return { kind: 'use', node: parent };
        const name = memberName(parent);
        const call = callOfCallee(parent);
        if (name !== undefined && context.closeMethods.includes(name)) return { kind: 'close', node: call ?? parent };
        if (!call || name === undefined) return { kind: 'use', node: parent };
        if (name === 'then') {
          const callback = call.arguments[0];
          return { kind: 'then', node: call, callback: callback && isFunction(callback) ? callback : undefined };
        }
        if (chainableMethods.has(name)) {
          child = call;
          continue;
        }
        return { kind: 'use', node: call };
      }
      case 'CallExpression':
      case 'NewExpression': {
        if (parent.callee === child) return { kind: 'use', node: parent };
        const index = parent.arguments.indexOf(child as TSESTree.CallExpressionArgument);
        if (context.closerIndexes?.(parent)?.includes(index)) return { kind: 'closer-argument', node: parent };
        return { kind: 'escape', node: parent, reason: 'argument' };
      }
      case 'ReturnStatement':
        return { kind: 'escape', node: parent, reason: 'returned' };
      case 'ArrowFunctionExpression':
        return parent.body === child ? { kind: 'escape', node: parent, reason: 'returned' } : { kind: 'escape', node: parent, reason: 'unknown' };
      case 'YieldExpression':
        return { kind: 'escape', node: parent, reason: 'yielded' };
      case 'VariableDeclarator': {
        if (parent.init !== child) return { kind: 'use', node: parent };
        if (parent.id.type !== 'Identifier') return { kind: 'escape', node: parent, reason: 'destructured' };
        const variable = findVariable(context.getScope, parent, parent.id.name);
        if (!variable) return { kind: 'escape', node: parent, reason: 'unknown' };
        const declaration = parent.parent;
        const using = declaration?.type === 'VariableDeclaration' && (declaration.kind === 'using' || declaration.kind === 'await using');
        return { kind: 'declare', node: parent, variable, using };
      }
      case 'AssignmentExpression': {
        if (parent.right !== child) return { kind: 'use', node: parent };
        const target = parent.left;
        if (target.type === 'Identifier') {
          const variable = findVariable(context.getScope, target, target.name);
          return variable ? { kind: 'assign', node: parent, variable } : { kind: 'escape', node: parent, reason: 'outer-variable' };
        }
        if (target.type === 'MemberExpression') {
          const name = memberName(target);
          if (target.object.type === 'ThisExpression' && name !== undefined && !target.computed) {
            return { kind: 'field', node: parent, classNode: classOfThis(target), name };
          }
          return { kind: 'escape', node: parent, reason: 'member-store' };
        }
        return { kind: 'escape', node: parent, reason: 'destructured' };
      }
      case 'PropertyDefinition':
      case 'AccessorProperty': {
        if (parent.value !== child || parent.static) return { kind: 'escape', node: parent, reason: 'unknown' };
        const classNode = parent.parent.parent;
        const name = parent.key.type === 'Identifier' ? parent.key.name : parent.key.type === 'PrivateIdentifier' ? `#${parent.key.name}` : undefined;
        if (name === undefined || (classNode.type !== 'ClassDeclaration' && classNode.type !== 'ClassExpression')) return { kind: 'escape', node: parent, reason: 'unknown' };
        return { kind: 'field', node: parent, classNode, name };
      }
      case 'Property':
        return parent.value === child && parent.parent.type === 'ObjectExpression'
          ? { kind: 'escape', node: parent.parent, reason: 'container' }
          : { kind: 'use', node: parent };
      case 'ArrayExpression':
      case 'SpreadElement':
        return { kind: 'escape', node: parent, reason: 'container' };
      case 'ExpressionStatement':
        return { kind: 'discard', node: parent };
      case 'UnaryExpression':
        return parent.operator === 'void' ? { kind: 'discard', node: parent } : { kind: 'use', node: parent };
      case 'ExportDefaultDeclaration':
        return { kind: 'escape', node: parent, reason: 'exported' };
      case 'ThrowStatement':
        return { kind: 'escape', node: parent, reason: 'thrown' };
      case 'BinaryExpression':
      case 'TemplateLiteral':
      case 'TaggedTemplateExpression':
      case 'IfStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
      case 'ForOfStatement':
      case 'ForInStatement':
      case 'SwitchStatement':
      case 'SwitchCase':
      case 'UpdateExpression':
        return { kind: 'use', node: parent };
      default:
        // JSX attributes, decorators, proposals: we cannot tell where the value goes, so it is not ours to report.
        return { kind: 'escape', node: parent, reason: 'unknown' };
    }
  }
  return { kind: 'escape', node: child, reason: 'unknown' };
}
